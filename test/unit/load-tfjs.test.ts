/** TF.js Layers model.json + weights.bin: round trip, input layouts, unspecified length. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { DEFAULT_LENGTH, loadModel } from '../../src/engine/load/index';
import { linearHeadModel, seededWeights } from '../helpers/models';
import { predict, randomInput, tempDir, writeTfjs } from '../helpers/write-models';

function assertClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `output ${i}: ${a[i]} vs ${b[i]}`);
}

describe('TF.js Layers loader', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('round-trips a model written with tf.io (file and folder)', async () => {
    const model = linearHeadModel(3);
    const dir = tempDir();
    const file = await writeTfjs(model, path.join(dir, 'm'));
    const x = randomInput(model);
    for (const target of [file, path.dirname(file)]) {
      const loaded = await loadModel(target);
      assert.equal(loaded.format, 'tfjs-layers');
      assertClose(predict(loaded.model, x), predict(model, x));
      assert.deepEqual(loaded.input, { shape: [20, 4], sequenceAxis: 0, alphabetAxis: 1, length: 20, oneHotDna: true });
    }
  });

  it('records a channels-first (4, L) input', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [4, 30] }), tfl.layers.dense({ units: 2 })] });
    seededWeights(model, 5);
    const loaded = await loadModel(await writeTfjs(model, tempDir()));
    assert.deepEqual(loaded.input, { shape: [4, 30], sequenceAxis: 1, alphabetAxis: 0, length: 30, oneHotDna: true });
  });

  it('loads an alphabet of 5 letters as not one-hot DNA, with a note', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.conv1d({ inputShape: [25, 5], filters: 2, kernelSize: 3 }), tfl.layers.globalMaxPooling1d({})] });
    const loaded = await loadModel(await writeTfjs(model, tempDir()));
    assert.equal(loaded.input?.oneHotDna, false);
    assert.equal(loaded.input?.alphabetAxis, null);
    assert.equal(loaded.input?.sequenceAxis, null);
    assert.ok(loaded.notes?.some((n) => /not one-hot DNA.*alphabet size 5/.test(n)), String(loaded.notes));
  });

  it('fills an unspecified length with options.length or the default, and says so', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.conv1d({ inputShape: [null, 4], filters: 3, kernelSize: 5, activation: 'relu' }), tfl.layers.globalMaxPooling1d({}), tfl.layers.dense({ units: 1 })],
    });
    seededWeights(model, 9);
    const file = await writeTfjs(model, tempDir());
    const byDefault = await loadModel(file);
    assert.equal(DEFAULT_LENGTH, 1000);
    assert.deepEqual(byDefault.model.inputs[0].shape, [null, 1000, 4]);
    assert.equal(byDefault.input?.length, 1000);
    assert.ok(byDefault.notes?.some((n) => n.includes('default length 1000')), String(byDefault.notes));
    const chosen = await loadModel(file, { length: 200 });
    assert.deepEqual(chosen.model.inputs[0].shape, [null, 200, 4]);
    assert.equal(chosen.input?.length, 200);
    assert.ok(chosen.notes?.some((n) => n.includes('requested length 200')));
    // Same weights, same function: compare on a length-200 input.
    const x = randomInput(chosen.model, 3);
    assertClose(predict(chosen.model, x), predict(model, x));
  });
});
