import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { resolveFeatures } from '../../src/engine/resolve';
import { useBackend } from '../../src/engine/backend';
import { handHeadModel, linearHeadModel, loaded } from '../helpers/models';

/**
 * Eight features at one position. Hidden units: an AND gate relu(10·(H0 + H1) − 10) that needs
 * features 0 and 1 together, and always-active units that make features 2..7 additive, with
 * feature 3 entering negatively. Class 0 uses all units; class 1 only the additive ones.
 */
function logicModel() {
  const channels = 8;
  const hidden = { w: Array.from({ length: channels }, () => [0, 0, 0]), b: [-10, 20, 20] };
  hidden.w[0][0] = 10;
  hidden.w[1][0] = 10;
  // Unit 1: features 2, 4, 5, 6, 7 positively; unit 2: feature 3 negatively. Both stay active.
  [2, 4, 5, 6, 7].forEach((k, i) => (hidden.w[k][1] = 0.5 + 0.25 * i));
  hidden.w[3][2] = -1;
  const out = { w: [[2, 0], [1, 1], [1, 1]], b: [0, 0] };
  return handHeadModel(channels, hidden, out);
}

test('AND gate: its two features vary across restarts and form the non-additive group; a negative weight gives a negative feature', async () => {
  await useBackend('cpu');
  const results = await resolveFeatures({ loaded: loaded(logicModel()), settings: { layer: 'pool', restarts: 20, seed: 3, backend: 'cpu' } });
  assert.deepEqual(results.model.layer.shape, [8]);
  const [andClass, additiveClass] = results.classes;
  const active = andClass.fiv.filter((f) => f[0] + f[1] > 0.5).length;
  assert.ok(active > 0 && active < 20, `some restarts open the gate and some do not (${active} of 20)`);
  const v = andClass.variance;
  const additiveMax = Math.max(...[2, 3, 4, 5, 6, 7].map((k) => v[k]));
  assert.ok(Math.min(v[0], v[1]) > 1000 * additiveMax, `AND features vary: ${v.map((x) => x.toExponential(2))}`);
  assert.ok(andClass.gmmComponents > 1);
  assert.deepEqual(andClass.nonAdditive, [0, 1]);
  // ONIV keeps only restarts where the feature is positive: larger than OFIV for the gate's inputs.
  assert.ok(andClass.oniv[0] > andClass.ofiv[0] && andClass.oniv[1] > andClass.ofiv[1]);
  assert.ok(andClass.negative.includes(3), `negative features ${andClass.negative}`);
  assert.ok(andClass.ofiv[3] < 0 && additiveClass.ofiv[3] < 0);
  // The class without the gate has no non-additive features and ignores features 0 and 1.
  assert.deepEqual(additiveClass.nonAdditive, []);
  assert.ok(Math.abs(additiveClass.ofiv[0]) < 0.01 && Math.abs(additiveClass.ofiv[1]) < 0.01);
});

test('classes with identical head weights have similarity 1, mirrored weights −1; the order puts twins together', async () => {
  await useBackend('cpu');
  const model = linearHeadModel(3);
  const [kernel, bias] = model.getLayer('out').getWeights();
  const k = kernel.arraySync() as number[][];
  // Class 2 copies class 0; class 1 is its mirror image.
  const copied = k.map((row) => [row[0], -row[0], row[0]]);
  model.getLayer('out').setWeights([tf.tensor2d(copied), bias]);
  const results = await resolveFeatures({ loaded: loaded(model), settings: { layer: 'conv', restarts: 3, seed: 2, backend: 'cpu' } });
  const m = results.similarity.matrix;
  assert.equal(results.similarity.method, 'pearson');
  assert.ok(Math.abs(m[0][2] - 1) < 1e-6, `similarity ${m[0][2]}`);
  assert.ok(Math.abs(m[0][1] + 1) < 1e-6, `class 0 vs 1: ${m[0][1]}`);
  const order = results.similarity.order;
  assert.equal(Math.abs(order.indexOf(0) - order.indexOf(2)), 1);
});

test('same seed and backend give the same numbers, whatever the chunk size', async () => {
  await useBackend('cpu');
  const model = logicModel();
  const a = await resolveFeatures({ loaded: loaded(model), settings: { restarts: 6, seed: 11, backend: 'cpu' } });
  const b = await resolveFeatures({ loaded: loaded(model), settings: { restarts: 6, seed: 11, backend: 'cpu', batchSize: 5 } });
  assert.equal(b.settings.chunkSize, 5);
  assert.deepEqual(a.classes.map((c) => c.ofiv), b.classes.map((c) => c.ofiv));
  assert.deepEqual(a.classes.map((c) => c.scores), b.classes.map((c) => c.scores));
  const c = await resolveFeatures({ loaded: loaded(model), settings: { restarts: 6, seed: 12, backend: 'cpu' } });
  assert.notDeepEqual(a.classes[0].scores, c.classes[0].scores);
});
