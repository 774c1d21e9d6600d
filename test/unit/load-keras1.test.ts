/**
 * Keras 1.x: a synthetic Theano channels-first model (round trip through the conversion) and the
 * three real Keras 1.2 ENCODE models of the DeepResolve authors (motif vs shuffled).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load/index';
import { seededWeights } from '../helpers/models';
import { keras1Theano, predict, randomInput, seeded, tempDir, writeKerasH5 } from '../helpers/write-models';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'keras1');

function assertClose(a: Float32Array, b: Float32Array, tol = 1e-5) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `output ${i}: ${a[i]} vs ${b[i]}`);
}

/** Channels-last twin of a Keras 1 'th' model whose Flatten sees a 1 × 6 × 3 map (so row order matters). */
function twin() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [1, 30, 4], filters: 3, kernelSize: [1, 7], padding: 'same', activation: 'relu', name: 'convolution2d_1' }),
      tfl.layers.maxPooling2d({ poolSize: [1, 5], strides: [1, 5], name: 'maxpooling2d_1' }),
      tfl.layers.flatten({ name: 'flatten_1' }),
      tfl.layers.dense({ units: 4, activation: 'relu', name: 'dense_1' }),
      tfl.layers.dropout({ rate: 0.1, name: 'dropout_1' }),
      tfl.layers.dense({ units: 2, name: 'dense_2' }),
      tfl.layers.activation({ activation: 'sigmoid', name: 'activation_1' }),
    ],
  });
  seededWeights(model, 17);
  return model;
}

const ALPHABET = 'ACGT';
/**
 * FOXA1 and REST: the consensus in the fixtures' README. CTCF: the README's consensus
 * (CCGCGNGGNGGCAG) moves this model's output only slightly (measured mean 0.16–0.20 planted vs
 * 0.15–0.16 shuffled, depending on the random draw), while JASPAR's CTCF core (MA0139.1) moves it
 * from 0.19 to 0.99; the model learned the JASPAR form, so that is the motif we plant.
 */
const MOTIFS: Record<string, string> = {
  'ctcf-gm12878': 'CCACCAGGGGGCGC',
  'foxa1-a549': 'TGTTTAC',
  'rest-gm12878': 'TTCAGCACCATGGACAGCGCC',
};

/** n random 101-bp sequences with `motif` planted (N = random letter), and the same sequences shuffled. */
function plantedAndShuffled(motif: string, n: number, seed: number): { planted: string[]; shuffled: string[] } {
  const next = seeded(seed);
  const pick = () => ALPHABET[Math.floor(((next() + 1) / 2) * 4) % 4];
  const planted: string[] = [];
  const shuffled: string[] = [];
  for (let i = 0; i < n; i++) {
    const seq = Array.from({ length: 101 }, pick);
    const at = Math.floor(((next() + 1) / 2) * (101 - motif.length));
    for (let j = 0; j < motif.length; j++) seq[at + j] = motif[j] === 'N' ? pick() : motif[j];
    planted.push(seq.join(''));
    for (let k = seq.length - 1; k > 0; k--) {
      const r = Math.floor(((next() + 1) / 2) * (k + 1)) % (k + 1);
      [seq[k], seq[r]] = [seq[r], seq[k]];
    }
    shuffled.push(seq.join(''));
  }
  return { planted, shuffled };
}

/** One-hot (n, 1, 101, 4): the channels-last layout the loader presents for input (4, 1, 101). */
function oneHot(seqs: string[]): tf.Tensor {
  return tf.tensor4d(seqs.flatMap((s) => [...s].flatMap((c) => [0, 1, 2, 3].map((i) => (ALPHABET[i] === c ? 1 : 0)))), [seqs.length, 1, 101, 4]);
}

const mean = (a: Float32Array) => a.reduce((x, y) => x + y, 0) / a.length;
const reverse = (s: string) => [...s].reverse().join('');

describe('Keras 1 loader', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('converts a Theano channels-first model exactly (kernel layout, flip, Dense rows after Flatten)', async () => {
    const model = twin();
    const { architecture, weights } = keras1Theano(model);
    const dir = tempDir();
    const file = await writeKerasH5(path.join(dir, 'model.h5'), weights, { full: true, architecture, kerasVersion: '1.2.0', backend: '' });
    const loaded = await loadModel(file);
    assert.deepEqual(loaded.model.inputs[0].shape, [null, 1, 30, 4]);
    assert.deepEqual(loaded.input, { shape: [1, 30, 4], sequenceAxis: 1, alphabetAxis: 2, length: 30, oneHotDna: true });
    assert.ok(loaded.notes?.some((n) => n.includes('(4, 1, 30)')), String(loaded.notes));
    const x = randomInput(model, 6);
    assertClose(predict(loaded.model, x), predict(model, x));

    // The authors' published layout: weights-only .h5 (Keras 1 names) + architecture .json.
    await writeKerasH5(path.join(dir, 'a_bestmodel_weights.h5'), weights, { full: false, kerasVersion: '1.2.0', backend: '' });
    fs.writeFileSync(path.join(dir, 'a_best_archit.json'), JSON.stringify(architecture));
    const pair = await loadModel(path.join(dir, 'a_best_archit.json'));
    assertClose(predict(pair.model, x), predict(model, x));
  });

  for (const [folder, motif] of Object.entries(MOTIFS)) {
    it(`real Keras 1.2 model ${folder}: loads from either file, outputs in (0, 1), motif beats shuffled`, async () => {
      const h5 = await loadModel(path.join(FIXTURES, folder, '16_G_bestmodel_weights.h5'));
      const pair = await loadModel(path.join(FIXTURES, folder, '16_G_best_archit.json'));
      assert.equal(h5.format, 'keras-h5');
      assert.equal(pair.format, 'keras-json-h5');
      assert.deepEqual(h5.input, { shape: [1, 101, 4], sequenceAxis: 1, alphabetAxis: 2, length: 101, oneHotDna: true });

      const { planted, shuffled } = plantedAndShuffled(motif, 200, 1234);
      const withMotif = predict(h5.model, oneHot(planted));
      const without = predict(h5.model, oneHot(shuffled));
      assertClose(predict(pair.model, oneHot(planted)), withMotif);
      for (const v of [...withMotif, ...without]) assert.ok(v > 0 && v < 1, `output ${v} outside (0, 1)`);
      const margin = mean(withMotif) - mean(without);
      // Mean output with the motif must exceed the mean for the same sequences shuffled by 0.3.
      assert.ok(margin > 0.3, `${folder}: mean ${mean(withMotif)} with motif vs ${mean(without)} shuffled`);

      // An unflipped conversion would see the motif reversed: the reversed motif must score far lower.
      const reversed = mean(predict(h5.model, oneHot(plantedAndShuffled(reverse(motif), 200, 1234).planted)));
      assert.ok(mean(withMotif) - reversed > 0.3, `kernel flip: ${mean(withMotif)} with motif vs ${reversed} reversed`);
      console.log(`# ${folder}: motif ${mean(withMotif).toFixed(3)}, shuffled ${mean(without).toFixed(3)}, reversed motif ${reversed.toFixed(3)}`);
    });
  }
});
