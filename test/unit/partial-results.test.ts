/**
 * Cancelling an analysis keeps the classes whose restarts all finished, as a result marked
 * partial (issue 14): on the TensorFlow.js direct path (one thread, and worker threads), the
 * hidden-space paths and ONNX Runtime's native path when it loads here. The kept classes hold
 * exactly the numbers a full run with the same seed gives them; the class similarity is over
 * them only (the full run's matrix restricted to them).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { CancelledError } from '../../src/engine/errors';
import { resolveFeatures } from '../../src/engine/resolve';
import { nativeAvailable } from '../../src/engine/ascent/native/ascent';
import { poolTuning } from '../../src/engine/ascent/pool';
import type { Results } from '../../src/engine/results';
import type { Settings } from '../../src/engine/settings';
import { deepTailModel, handHeadModel, loaded, seededWeights } from '../helpers/models';

/** Conv → Conv → Flatten → Dense(6, sigmoid): six classes, a head that is not linear in the first convolution's output. */
function sixClassModel() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [24, 4], filters: 5, kernelSize: 5, activation: 'relu', name: 'conv' }),
      tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: 6, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seededWeights(model, 5);
  return model;
}

/** Every number of the kept classes equals the full run's for the same classes; the similarity is the full one restricted to them. */
function assertSameAsFull(partial: Results, full: Results) {
  const kept = partial.classes.map((c) => c.index);
  for (const c of partial.classes) {
    const f = full.classes.find((x) => x.index === c.index)!;
    assert.deepEqual(c.scores, f.scores, `scores of class ${c.index}`);
    assert.deepEqual(c.iterations, f.iterations, `iterations of class ${c.index}`);
    assert.deepEqual(c.fiv, f.fiv, `FIVs of class ${c.index}`);
    assert.deepEqual(c.ofiv, f.ofiv, `OFIV of class ${c.index}`);
    assert.deepEqual(c.nonAdditive, f.nonAdditive, `non-additive features of class ${c.index}`);
  }
  assert.deepEqual(partial.similarity.classes, kept);
  const at = kept.map((k) => full.similarity.classes.indexOf(k));
  assert.deepEqual(partial.similarity.matrix, at.map((i) => at.map((j) => full.similarity.matrix[i][j])));
}

/**
 * Runs `settings` and stops it at the first progress report with at least `stopAt` pairs done;
 * returns the result and the pairs reported done when it was stopped.
 */
async function stoppedRun(model: ReturnType<typeof loaded>, settings: Partial<Settings>, stopAt: number) {
  const controller = new AbortController();
  let doneWhenStopped = -1;
  const results = await resolveFeatures(
    { loaded: model, settings },
    {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.stage === undefined && !controller.signal.aborted && p.pairsDone >= stopAt) {
          doneWhenStopped = p.pairsDone;
          controller.abort();
        }
      },
    },
  );
  return { results, doneWhenStopped };
}

/** A signal that turns aborted at look `limit` + 1 (an exact place in a run), and how many looks it saw. */
function looking(limit: number) {
  const seen = { looks: 0 };
  const signal = { get aborted() { return ++seen.looks > limit; }, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
  return { seen, signal };
}

describe('a cancelled analysis keeps the classes that finished', () => {
  const base = { layer: 'conv', restarts: 3, seed: 4, ascent: 'direct', native: 'off', backend: 'cpu', workers: 1 } as const;

  test('direct ascent, one pair at a time: the first K classes, equal to a full run, marked partial', async () => {
    await useBackend('cpu');
    const model = loaded(sixClassModel());
    const settings = { ...base, batchSize: 1 };
    const full = await resolveFeatures({ loaded: model, settings });
    assert.equal(full.partial, undefined);
    // One pair at a time, in class order: when 7 pairs are done, classes 0 and 1 (3 restarts each) are.
    const { results, doneWhenStopped } = await stoppedRun(model, settings, 7);
    assert.equal(doneWhenStopped, 7);
    assert.deepEqual(results.partial, { reason: 'cancelled', classesDone: [0, 1], classesRequested: [0, 1, 2, 3, 4, 5], pairsDone: 7, pairsRequested: 18 });
    assert.deepEqual(results.classes.map((c) => c.index), [0, 1]);
    assertSameAsFull(results, full);
    assert.equal(results.featureOrder.length, 5);
    assert.equal(results.timing.pairs, 7);
    assert.match(results.notes[0], /^partial: 2 of 6 classes, cancelled: /);
  });

  test('stopped before any class finished: CancelledError, nothing kept', async () => {
    await useBackend('cpu');
    const model = loaded(sixClassModel());
    await assert.rejects(stoppedRun(model, { ...base, batchSize: 1 }, 1), (err: unknown) => err instanceof CancelledError && /before any class had all its restarts done/.test(err.message));
  });

  test('the same stop on ONNX Runtime gives the same classes and numbers as its full run', { skip: nativeAvailable() !== true && 'onnxruntime-node does not load here' }, async () => {
    await useBackend('cpu');
    const model = loaded(sixClassModel());
    const settings = { ...base, batchSize: 1, native: 'auto' as const };
    const full = await resolveFeatures({ loaded: model, settings });
    assert.equal(full.settings.ascentEngine, 'onnxruntime');
    const { results, doneWhenStopped } = await stoppedRun(model, settings, 10);
    assert.equal(doneWhenStopped, 10);
    assert.equal(results.settings.ascentEngine, 'onnxruntime');
    assert.deepEqual(results.partial?.classesDone, [0, 1, 2]);
    assertSameAsFull(results, full);
  });

  test('on worker threads: each kept class has all its restarts and the full run\'s numbers', async () => {
    await useBackend('cpu');
    const { minSeconds, progressMs } = poolTuning;
    poolTuning.minSeconds = 0;
    // Every thread's report reaches the test: the stop comes when 9 pairs are done, not at the
    // next 200 ms report (which, on pairs this small, was often the end of the run).
    poolTuning.progressMs = 0;
    try {
      const model = loaded(sixClassModel());
      const settings = { ...base, restarts: 2, batchSize: 1, workers: 2 };
      const full = await resolveFeatures({ loaded: model, settings });
      // Pairs are dealt to the two threads in turn (restart 0 of every class to one, restart 1 to
      // the other), each in class order: with 9 of 12 done, both threads are past class 2.
      const { results } = await stoppedRun(model, settings, 9);
      assert.ok(results.partial, 'stopped before the end: partial');
      const kept = results.partial.classesDone;
      assert.ok(kept.length >= 3 && kept.length < 6, `kept ${kept}`);
      assert.deepEqual(kept, [0, 1, 2, 3, 4, 5].slice(0, kept.length));
      assert.ok(results.partial.pairsDone >= 2 * kept.length);
      assert.deepEqual(results.classes.map((c) => c.index), kept);
      assertSameAsFull(results, full);
    } finally {
      Object.assign(poolTuning, { minSeconds, progressMs });
    }
  });

  test('hidden-space ascent (TensorFlow.js steps of a deep tail): the classes whose one restart finished', async () => {
    await useBackend('cpu');
    const model = loaded(deepTailModel());
    const settings = { layer: 'pool', restarts: 1, seed: 3, ascent: 'hidden', native: 'off', backend: 'cpu', workers: 1 } as const;
    const full = await resolveFeatures({ loaded: model, settings });
    assert.equal(full.settings.ascentUsed, 'hidden');
    // The three pairs step together in one batch, which looks at the signal before each step:
    // stopped at the last step, every pair but the last one to stop has finished.
    const counting = looking(Infinity);
    await resolveFeatures({ loaded: model, settings }, { signal: counting.signal });
    const results = await resolveFeatures({ loaded: model, settings }, { signal: looking(counting.seen.looks - 1).signal });
    assert.ok(results.partial, 'stopped before the end: partial');
    assert.equal(results.partial.classesDone.length, 2);
    assert.deepEqual(new Set(results.partial.classesDone).size, 2);
    assert.equal(results.partial.pairsDone, results.partial.classesDone.length);
    assertSameAsFull(results, full);
  });

  test('hidden-space ascent (ReLU → Dense kernel, one thread): the first classes, equal to a full run', async () => {
    await useBackend('cpu');
    const hidden = { w: [[1, -1, 0.5], [0.3, 0.8, -0.6], [-0.7, 0.2, 0.9]], b: [0.1, -0.2, 0.05] };
    const out = { w: [[1, -0.5, 0.2, 0.7], [-0.3, 0.9, 0.4, -0.8], [0.6, 0.1, -1, 0.3]], b: [0, 0.1, -0.1, 0.2] };
    const model = loaded(handHeadModel(3, hidden, out));
    const settings = { layer: 'pool', restarts: 2, seed: 1, ascent: 'hidden', backend: 'cpu', workers: 1 } as const;
    const full = await resolveFeatures({ loaded: model, settings });
    // The pairs are too quick for a progress report in between: stopped at a given look at the
    // signal. A full run's looks are counted first; the kernel looks once before each pair, last.
    const counting = looking(Infinity);
    await resolveFeatures({ loaded: model, settings }, { signal: counting.signal });
    const results = await resolveFeatures({ loaded: model, settings }, { signal: looking(counting.seen.looks - 4).signal });
    assert.ok(results.partial, 'stopped before the end: partial');
    // The kernel runs the pairs one after another, in class order.
    const kept = Math.floor(results.partial.pairsDone / 2);
    assert.ok(kept >= 1 && kept < 4, `${results.partial.pairsDone} pairs done`);
    assert.deepEqual(results.partial.classesDone, [0, 1, 2, 3].slice(0, kept));
    assertSameAsFull(results, full);
  });
});
