import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { resolveFeatures } from '../../src/engine/resolve';
import { useBackend } from '../../src/engine/backend';
import { CancelledError, UserError } from '../../src/engine/errors';
import type { AscentProgress } from '../../src/engine/ascent/pairs';
import { linearHeadModel, loaded } from '../helpers/models';

test('a run frees every tensor it made and reports progress up to 1', async () => {
  await useBackend('cpu');
  const model = loaded(linearHeadModel(3));
  const before = tf.memory().numTensors;
  const events: AscentProgress[] = [];
  const results = await resolveFeatures({ loaded: model, settings: { layer: 'conv', restarts: 3, backend: 'cpu' } }, { onProgress: (p) => events.push(p) });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(results.notes.filter((n) => n.startsWith('internal')).length, 0);
  assert.ok(events.length >= 1);
  const last = events[events.length - 1];
  assert.equal(last.fraction, 1);
  assert.equal(last.pairsDone, 9);
  assert.equal(last.pairsTotal, 9);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].pairsDone >= events[i - 1].pairsDone);
});

test('an aborted run stops, says it was cancelled and frees its tensors', async () => {
  await useBackend('cpu');
  const model = loaded(linearHeadModel(3));
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  let steps = 0;
  const run = resolveFeatures(
    { loaded: model, settings: { layer: 'conv', restarts: 50, maxIter: 100000, patience: 100000, backend: 'cpu' } },
    { signal: controller.signal, onProgress: () => ++steps === 2 && controller.abort() },
  );
  await assert.rejects(run, (err: unknown) => err instanceof CancelledError && /cancelled/.test(err.message));
  assert.equal(tf.memory().numTensors, before);
});

test('bad settings and selections are refused with one clear line', async () => {
  await useBackend('cpu');
  const model = loaded(linearHeadModel(3));
  const cases: [object, RegExp][] = [
    [{ l2: 0 }, /--l2 must be > 0 \(got 0\)/],
    [{ l2: -1 }, /--l2 must be > 0/],
    [{ restarts: 0 }, /--restarts must be a whole number ≥ 1 \(got 0\)/],
    [{ layer: 'nope' }, /unknown layer 'nope' \(layers: conv, flatten, out\)/],
    [{ classes: '0-5' }, /class 5 is out of range: the model has 3 classes \(0-2\)/],
    [{ classes: 'CTCF' }, /unknown class 'CTCF' \(classes are 0-2, named after the model's outputs: out\[0\], out\[1\], out\[2\]; --labels FILE gives other names\)/],
    [{ layer: 'out' }, /layer 'out' is the output layer/],
    [{ backend: 'tpu' }, /--backend must be one of auto, tensorflow, wasm, cpu \(got tpu\)/],
  ];
  for (const [settings, message] of cases) {
    await assert.rejects(resolveFeatures({ loaded: model, settings: { backend: 'cpu', ...settings } }), (err: unknown) => {
      assert.ok(err instanceof UserError, `expected a UserError for ${JSON.stringify(settings)}, got ${err}`);
      assert.match(err.message, message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
});

test('class names from a labels file select classes and name them', async () => {
  await useBackend('cpu');
  const model = loaded(linearHeadModel(3));
  const labels = { names: ['CTCF', 'GATA1', 'REST'] };
  const results = await resolveFeatures({ loaded: model, labels, settings: { layer: 'conv', classes: 'REST,CTCF', restarts: 2, backend: 'cpu' } });
  assert.deepEqual(results.classes.map((c) => [c.index, c.name]), [[2, 'REST'], [0, 'CTCF']]);
  await assert.rejects(
    resolveFeatures({ loaded: model, labels: { names: ['a', 'b'] }, labelsFile: 'names.txt', settings: { backend: 'cpu' } }),
    /names.txt: gives 2 classes but the model has 3/,
  );
});

test('the wasm backend runs the same analysis and is recorded in the results', async () => {
  const model = loaded(linearHeadModel(2));
  const results = await resolveFeatures({ loaded: model, settings: { layer: 'conv', restarts: 2, backend: 'wasm' } });
  assert.equal(results.backend, 'wasm');
  const cpu = await resolveFeatures({ loaded: model, settings: { layer: 'conv', restarts: 2, backend: 'cpu' } });
  assert.equal(cpu.backend, 'cpu');
  results.classes.forEach((c, i) => c.ofiv.forEach((v, k) => assert.ok(Math.abs(v - cpu.classes[i].ofiv[k]) < 1e-4)));
});

test('single-output models (one class, like the ENCODE models) run on both ascent paths', async () => {
  await useBackend('cpu');
  for (const ascent of ['direct', 'hidden'] as const) {
    const results = await resolveFeatures({ loaded: loaded(linearHeadModel(1)), settings: { layer: 'conv', restarts: 2, backend: 'cpu', ascent } });
    assert.equal(results.classes.length, 1);
    assert.equal(results.settings.ascentUsed, ascent);
    assert.equal(results.similarity.matrix.length, 1);
  }
});

test('a training label matrix gives the label-correlation matrix over the analysed classes', async () => {
  await useBackend('cpu');
  const columns = [
    Float64Array.from([1, 0, 1, 0, 1, 0]),
    Float64Array.from([1, 0, 1, 0, 0, 1]),
    Float64Array.from([0, 1, 0, 1, 0, 1]),
  ];
  const results = await resolveFeatures({
    loaded: loaded(linearHeadModel(3)),
    labels: { names: ['a', 'b', 'c'], columns, samples: 6 },
    labelsFile: 'labels.csv',
    settings: { layer: 'conv', classes: '2,0', restarts: 2, backend: 'cpu' },
  });
  const lc = results.labelCorrelation!;
  assert.deepEqual(lc.classes, [2, 0]);
  assert.equal(lc.samples, 6);
  assert.equal(lc.source, 'labels.csv');
  assert.ok(Math.abs(lc.matrix[0][1] + 1) < 1e-12, 'columns c and a are complements: r = −1');
  assert.equal(lc.matrix[0][0], 1);
});
