/** Keras 2 HDF5 full models and weights + architecture pairs, written with h5wasm in Keras's layout. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { dump } from 'js-yaml';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load/index';
import { batchNormCnn, seededWeights } from '../helpers/models';
import { kerasJson, layerWeights, predict, randomInput, tempDir, writeKerasH5 } from '../helpers/write-models';

function assertClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `output ${i}: ${a[i]} vs ${b[i]}`);
}


/** DanQ-like: Conv1D → MaxPool → Bidirectional(LSTM) → Flatten → Dense. */
function danq() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [30, 4], filters: 4, kernelSize: 5, activation: 'relu', name: 'conv1d_1' }),
      tfl.layers.maxPooling1d({ poolSize: 3, name: 'max_pooling1d_1' }),
      // Zeros initialisers: tfjs's Orthogonal initialiser needs chained ops this package does not register.
      tfl.layers.bidirectional({
        layer: tfl.layers.lstm({ units: 3, returnSequences: true, name: 'lstm_1', recurrentInitializer: 'zeros', kernelInitializer: 'zeros' }) as never,
        name: 'bidirectional_1',
      }),
      tfl.layers.flatten({ name: 'flatten_1' }),
      tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'dense_1' }),
    ],
  });
  seededWeights(model, 4);
  return model;
}

/** Functional: two convolution branches, concatenated, then a dense head. */
function branches() {
  const input = tfl.input({ shape: [25, 4], name: 'dna' });
  const a = tfl.layers.conv1d({ filters: 3, kernelSize: 5, activation: 'relu', name: 'short' }).apply(input) as tfl.SymbolicTensor;
  const b = tfl.layers.conv1d({ filters: 2, kernelSize: 9, padding: 'same', activation: 'relu', name: 'long' }).apply(input) as tfl.SymbolicTensor;
  const pa = tfl.layers.globalMaxPooling1d({ name: 'pool_a' }).apply(a) as tfl.SymbolicTensor;
  const pb = tfl.layers.globalAveragePooling1d({ name: 'pool_b' }).apply(b) as tfl.SymbolicTensor;
  const merged = tfl.layers.concatenate({ name: 'merge' }).apply([pa, pb]) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 2, activation: 'softmax', name: 'out' }).apply(merged) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: out, name: 'branches' });
  seededWeights(model, 8);
  return model;
}

describe('Keras 2 HDF5 loader', () => {
  before(async () => {
    await useBackend('cpu');
  });

  for (const [label, build] of [['Sequential CNN', batchNormCnn], ['DanQ-like BiLSTM', danq], ['functional with two branches', branches]] as const) {
    it(`round-trips a full-model .h5: ${label}`, async () => {
      const model = build();
      const file = await writeKerasH5(path.join(tempDir(), 'model.h5'), layerWeights(model), { full: true, architecture: kerasJson(model) });
      const loaded = await loadModel(file);
      assert.equal(loaded.format, 'keras-h5');
      const x = randomInput(model);
      assertClose(predict(loaded.model, x), predict(model, x));
      assert.equal(loaded.input?.oneHotDna, true);
      assert.equal(loaded.input?.alphabetAxis, 1);
    });
  }

  it('opens a weights-only .h5 + architecture .json pair from either file', async () => {
    const model = batchNormCnn();
    const dir = tempDir();
    const weights = await writeKerasH5(path.join(dir, 'run1_bestmodel_weights.h5'), layerWeights(model), { full: false });
    const arch = path.join(dir, 'run1_best_archit.json');
    fs.writeFileSync(arch, JSON.stringify(kerasJson(model)));
    const x = randomInput(model);
    for (const target of [weights, arch]) {
      const loaded = await loadModel(target);
      assert.equal(loaded.format, 'keras-json-h5');
      assert.equal(loaded.path, target);
      assertClose(predict(loaded.model, x), predict(model, x));
      assert.ok(loaded.notes?.some((n) => n.startsWith('opened together with')));
    }
  });

  it('reads a YAML architecture written by PyYAML (!!python/tuple) next to model.h5 weights', async () => {
    const model = branches();
    const dir = tempDir();
    await writeKerasH5(path.join(dir, 'model_weights.h5'), layerWeights(model), { full: false });
    const yaml = dump(kerasJson(model)).replace(/batch_input_shape:\n(\s+)- null\n\s+- 25\n\s+- 4/, 'batch_input_shape: !!python/tuple [null, 25, 4]');
    assert.ok(yaml.includes('!!python/tuple'), 'fixture uses the Python tuple tag');
    fs.writeFileSync(path.join(dir, 'model.yaml'), yaml);
    const loaded = await loadModel(path.join(dir, 'model.yaml'));
    const x = randomInput(model);
    assertClose(predict(loaded.model, x), predict(model, x));
  });
});
