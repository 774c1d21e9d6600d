/** Keras 3 .keras archives (config.json + model.weights.h5), zipped with fflate. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load/index';
import { seededWeights } from '../helpers/models';
import { predict, randomInput, tempDir, writeKeras3 } from '../helpers/write-models';

function assertClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `output ${i}: ${a[i]} vs ${b[i]}`);
}

function sequentialCnn() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [32, 4], filters: 5, kernelSize: 6, activation: 'relu', name: 'conv_a' }),
      tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool_a' }),
      tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv_b' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 6, activation: 'relu', name: 'hidden' }),
      tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seededWeights(model, 31);
  return model;
}

function functionalCnn() {
  const input = tfl.input({ shape: [24, 4], name: 'input_layer' });
  const a = tfl.layers.conv1d({ filters: 3, kernelSize: 4, activation: 'relu', name: 'conv1d' }).apply(input) as tfl.SymbolicTensor;
  const b = tfl.layers.conv1d({ filters: 3, kernelSize: 4, activation: 'tanh', name: 'conv1d_1' }).apply(input) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: 'add' }).apply([a, b]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalMaxPooling1d({ name: 'global_max_pooling1d' }).apply(sum) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'dense' }).apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out, name: 'functional' });
  seededWeights(model, 13);
  return model;
}

describe('Keras 3 .keras loader', () => {
  before(async () => {
    await useBackend('cpu');
  });

  for (const [label, build] of [['Sequential', sequentialCnn], ['functional', functionalCnn]] as const) {
    it(`round-trips a ${label} model`, async () => {
      const model = build();
      const file = await writeKeras3(model, path.join(tempDir(), 'model.keras'));
      const loaded = await loadModel(file);
      assert.equal(loaded.format, 'keras-v3');
      assert.equal(loaded.input?.oneHotDna, true);
      const x = randomInput(model);
      assertClose(predict(loaded.model, x), predict(model, x));
    });
  }
});
