import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { resolveFeatures } from '../../src/engine/resolve';
import { useBackend } from '../../src/engine/backend';
import { firstDense } from '../../src/engine/ascent/first-dense';
import { ascendHidden } from '../../src/engine/ascent/hidden';
import { deepTailModel, handHeadModel, linearHeadModel, loaded, seededWeights } from '../helpers/models';

/** Conv1D → MaxPool → Flatten → Dense(relu) → Dropout → Dense(sigmoid): 6 positions × 4 channels. */
function denseReluModel() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [14, 4], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 12, activation: 'relu', name: 'fc' }),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 3, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seededWeights(model, 5);
  return model;
}

test('the hidden-space ascent reproduces the direct ascent: same starts, same optimum', async () => {
  await useBackend('cpu');
  const model = loaded(denseReluModel());
  const settings = { restarts: 8, seed: 4, backend: 'cpu' as const, keepTraces: true };
  const direct = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'direct' } });
  const before = tf.memory().numTensors;
  const hidden = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'auto' } });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  assert.equal(direct.settings.ascentUsed, 'direct');
  assert.equal(hidden.settings.ascentUsed, 'hidden');
  assert.deepEqual(hidden.model.layer.shape, [6, 4]);
  for (let c = 0; c < 3; c++) {
    const [d, h] = [direct.classes[c], hidden.classes[c]];
    const scale = Math.max(...d.ofiv.map(Math.abs));
    d.ofiv.forEach((v, k) => assert.ok(Math.abs(v - h.ofiv[k]) <= 2e-3 * scale, `class ${c} feature ${k}: ${v} vs ${h.ofiv[k]}`));
    d.scores.forEach((s, t) => assert.ok(Math.abs(s - h.scores[t]) <= 1e-3 * Math.max(1, Math.abs(s)), `score ${s} vs ${h.scores[t]}`));
    // The objective reached is no worse (to float32 precision) than the direct path's.
    d.objectives.forEach((j, t) => assert.ok(h.objectives[t] >= j - 1e-4 * Math.max(1, Math.abs(j)), `J ${h.objectives[t]} < ${j}`));
    // Traces match step by step until the direct path's float32 rounding takes over.
    const [td, th] = [d.traces![0].scores, h.traces![0].scores];
    for (let i = 0; i < Math.min(20, td.length, th.length); i++) assert.ok(Math.abs(td[i] - th[i]) < 1e-3 * Math.max(1, Math.abs(td[i])));
  }
});

test('the hidden-space ascent keeps feature maps equal to the direct path on request', async () => {
  await useBackend('cpu');
  const model = loaded(denseReluModel());
  const settings = { restarts: 2, seed: 1, classes: '1', backend: 'cpu' as const, keepFeatureMaps: true };
  const direct = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'direct' } });
  const hidden = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'hidden' } });
  const [a, b] = [direct.classes[0].featureMaps![0], hidden.classes[0].featureMaps![0]];
  assert.equal(a.length, 24);
  const scale = Math.max(...a.map(Math.abs));
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= 2e-3 * scale, `${i}: ${v} vs ${b[i]}`));
});

function assertSameAnalysis(direct: Awaited<ReturnType<typeof resolveFeatures>>, hidden: Awaited<ReturnType<typeof resolveFeatures>>) {
  direct.classes.forEach((d, c) => {
    const h = hidden.classes[c];
    const scale = Math.max(...d.ofiv.map(Math.abs));
    d.ofiv.forEach((v, k) => assert.ok(Math.abs(v - h.ofiv[k]) <= 2e-3 * scale, `class ${c} feature ${k}: ${v} vs ${h.ofiv[k]}`));
    d.scores.forEach((s, t) => assert.ok(Math.abs(s - h.scores[t]) <= 1e-3 * Math.max(1, Math.abs(s)), `score ${s} vs ${h.scores[t]}`));
    d.objectives.forEach((j, t) => assert.ok(h.objectives[t] >= j - 1e-4 * Math.max(1, Math.abs(j)), `J ${h.objectives[t]} < ${j}`));
  });
}

test('any head that starts with a dense layer runs in its space: tanh, ReLU, batch norm after it give the direct path\'s answer', async () => {
  await useBackend('cpu');
  const model = loaded(deepTailModel());
  const settings = { restarts: 6, seed: 3, backend: 'cpu' as const, keepTraces: true };
  const direct = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'direct' } });
  const before = tf.memory().numTensors;
  const hidden = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'auto' } });
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks');
  assert.equal(hidden.settings.ascentUsed, 'hidden');
  assert.ok(firstDense(deepTailModel(), 1) && !firstDense(deepTailModel(), 1)!.reluDense, 'not the ReLU → Dense kernel case');
  assertSameAnalysis(direct, hidden);
  for (const r of [direct, hidden]) assert.ok(!r.notes.some((n) => /not freed/.test(n)), r.notes.join('; '));
  // The same ascent, not another optimiser: the score traces agree step by step (until the patience
  // rule, which reads float32 objectives on a plateau, stops the two a few steps apart).
  direct.classes.forEach((d, c) => {
    const [td, th] = [d.traces![0].scores, hidden.classes[c].traces![0].scores];
    for (let i = 0; i < Math.min(50, td.length, th.length); i++) assert.ok(Math.abs(td[i] - th[i]) < 1e-3 * Math.max(1, Math.abs(td[i])), `step ${i}: ${td[i]} vs ${th[i]}`);
  });
});

test('the TensorFlow.js steps and the ReLU → Dense kernel agree on the kernel\'s own case', async () => {
  await useBackend('cpu');
  const model = denseReluModel();
  const dense = firstDense(model, 1)!;
  assert.ok(dense.reluDense);
  const featureShape = [6, 4];
  const pairs = [0, 1, 2].flatMap((cls) => [0, 1, 2, 3].map((restart) => ({ cls, restart })));
  const settings = { l2: 2.8, lr: 0.01, maxIter: 10000, patience: 10, seed: 5, chunkSize: 5, keepTrace: false, keepFeatureMaps: false, workers: 1 };
  const kernel = await ascendHidden(dense, featureShape, pairs, settings);
  const tfjs = await ascendHidden({ ...dense, reluDense: null }, featureShape, pairs, settings);
  dense.dispose();
  assert.equal(tfjs.length, kernel.length);
  kernel.forEach((k, i) => {
    const t = tfjs.find((r) => r.cls === k.cls && r.restart === k.restart)!;
    // float32 (TensorFlow.js) against float64 sums (kernel): the patience rule may stop a few steps apart.
    assert.ok(Math.abs(t.iterations - k.iterations) <= 0.05 * k.iterations, `pair ${i} iterations ${t.iterations} vs ${k.iterations}`);
    assert.ok(Math.abs(t.score - k.score) <= 1e-4 * Math.max(1, Math.abs(k.score)), `score ${t.score} vs ${k.score}`);
    k.fiv.forEach((v, f) => assert.ok(Math.abs(v - t.fiv[f]) <= 1e-4, `fiv ${f}: ${v} vs ${t.fiv[f]}`));
  });
});

test('which heads take the hidden-space path', async () => {
  await useBackend('cpu');
  const dense = denseReluModel();
  assert.ok(firstDense(dense, 1)?.reluDense, 'after pooling: the ReLU → Dense kernel');
  assert.equal(firstDense(dense, 0), null, 'max pooling in the head is not dense');
  const linear = firstDense(linearHeadModel(3), 0);
  assert.ok(linear && !linear.reluDense, 'one dense layer: hidden space, on TensorFlow.js');
  const hand = handHeadModel(4, { w: [[1], [1], [1], [1]], b: [0] }, { w: [[1]], b: [0] });
  assert.ok(firstDense(hand, 1)?.reluDense);
  // A per-position dense layer (no Flatten) is not a product with the whole feature map.
  const perPosition = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [10, 4], filters: 3, kernelSize: 3, name: 'conv' }),
      tfl.layers.dense({ units: 2, name: 'mix' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ],
  });
  assert.equal(firstDense(perPosition, 0), null);
  await assert.rejects(
    resolveFeatures({ loaded: loaded(perPosition), settings: { layer: 'conv', ascent: 'hidden', backend: 'cpu' } }),
    /--ascent hidden needs a Dense layer on the flattened output of layer 'conv' \(after Flatten or Dropout only\); use --ascent direct/,
  );
});

test('a linear head in hidden space: FIV = w_c / 2λ', async () => {
  await useBackend('cpu');
  const model = linearHeadModel(2);
  const results = await resolveFeatures({ loaded: loaded(model), settings: { layer: 'conv', restarts: 3, backend: 'cpu', ascent: 'hidden' } });
  const [kernel, bias] = model.getLayer('out').getWeights();
  const w = kernel.arraySync() as number[][];
  void bias;
  const positions = 16;
  for (let c = 0; c < 2; c++) {
    const expected = [0, 1, 2].map((k) => Array.from({ length: positions }, (_, p) => w[p * 3 + k][c]).reduce((a, b) => a + b, 0) / positions / (2 * 2.8));
    const scale = Math.max(...expected.map(Math.abs));
    results.classes[c].ofiv.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) <= 1e-3 * scale, `class ${c} feature ${k}: ${v} vs ${expected[k]}`));
  }
});

test('the hidden path says when it prepares the Gram matrix, once per model', async () => {
  await useBackend('cpu');
  const model = loaded(denseReluModel());
  const stages: string[] = [];
  const onProgress = (p: { stage?: string }) => p.stage && stages.push(p.stage);
  await resolveFeatures({ loaded: model, settings: { restarts: 1, backend: 'cpu' } }, { onProgress });
  await resolveFeatures({ loaded: model, settings: { restarts: 1, backend: 'cpu' } }, { onProgress });
  assert.deepEqual(stages, ['preparing the Gram matrix W₁ᵀW₁ (once per model)']);
});

test('worker threads give the same numbers as one thread, and a cancelled pooled run stops', async () => {
  await useBackend('cpu');
  const model = loaded(denseReluModel());
  const settings = { restarts: 60, seed: 6, backend: 'cpu' as const };
  const one = await resolveFeatures({ loaded: model, settings: { ...settings, workers: 1 } });
  const two = await resolveFeatures({ loaded: model, settings: { ...settings, workers: 2 } });
  assert.deepEqual(two.classes.map((c) => c.scores), one.classes.map((c) => c.scores));
  assert.deepEqual(two.classes.map((c) => c.ofiv), one.classes.map((c) => c.ofiv));
  // Long pairs: the workers report pairs done while they run; stop at the first such report.
  const controller = new AbortController();
  const seen: number[] = [];
  const run = resolveFeatures(
    { loaded: model, settings: { ...settings, restarts: 3000, patience: 100_000, maxIter: 100_000, workers: 2 } },
    {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.pairsDone);
        if (p.pairsDone > 0) controller.abort();
      },
    },
  );
  await assert.rejects(run, /cancelled/);
  assert.equal(seen[0], 0);
  assert.ok(seen[seen.length - 1] > 0 && seen[seen.length - 1] < 9000, `progress from the workers: ${seen.slice(-3)}`);
});

test('a Gram store is filled on the first run of a model and read, not recomputed, by a fresh copy of it', async () => {
  await useBackend('cpu');
  const kept = new Map<string, Float32Array>();
  const calls: string[] = [];
  const gramStore = {
    get: (k: string) => (calls.push(`get ${k}`), kept.get(k)),
    set: (k: string, g: Float32Array) => (calls.push(`set ${k}`), kept.set(k, g)),
  };
  const settings = { restarts: 3, seed: 2, backend: 'cpu' as const, workers: 1 };
  const first = await resolveFeatures({ loaded: loaded(denseReluModel()), settings }, { gramStore });
  assert.equal(kept.size, 1);
  const [key] = kept.keys();
  assert.match(key, /^24x12-[0-9a-f]{16}$/);
  assert.equal(kept.get(key)!.length, 144);
  // The same weights in a new model object: read from the store, same numbers.
  const second = await resolveFeatures({ loaded: loaded(denseReluModel()), settings }, { gramStore });
  assert.deepEqual(calls, [`get ${key}`, `set ${key}`, `get ${key}`]);
  assert.deepEqual(second.classes.map((c) => c.ofiv), first.classes.map((c) => c.ofiv));
});
