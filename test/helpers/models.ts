/** Small models with known weights, built in the tests so that the right answer is known. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedModel } from '../../src/engine/load/model';

export function loaded(model: tfl.LayersModel, name = 'test-model'): LoadedModel {
  return { model, name, path: `${name}/model.json`, format: 'tfjs-layers' };
}

/** Seeded uniform(-1, 1) weights, so that tests do not depend on tfjs's global RNG. */
export function seededWeights(model: tfl.LayersModel, seed = 1) {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length) layer.setWeights(ws.map((w) => tf.tensor(Array.from({ length: w.size }, next), w.shape)));
  }
}

/** Conv1D(3 filters, width 5) on (20, 4) → Flatten → Dense(classes): a head that is linear in H. */
export function linearHeadModel(classes = 4, activation: 'linear' | 'sigmoid' = 'sigmoid') {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [20, 4], filters: 3, kernelSize: 5, activation: 'relu', name: 'conv' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: classes, activation, name: 'out' }),
    ],
  });
  seededWeights(model, 7);
  return model;
}

/**
 * A model whose analysis layer has `channels` features at a single position (global max pool),
 * followed by a head with hand-set weights: Dense(hidden, relu) → Dense(classes).
 */
export function handHeadModel(channels: number, hidden: { w: number[][]; b: number[] }, out: { w: number[][]; b: number[] }) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [12, 4], filters: channels, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tfl.layers.globalMaxPooling1d({ name: 'pool' }),
      tfl.layers.dense({ units: hidden.b.length, activation: 'relu', name: 'hidden' }),
      tfl.layers.dense({ units: out.b.length, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seededWeights(model, 3);
  model.getLayer('hidden').setWeights([tf.tensor2d(hidden.w), tf.tensor1d(hidden.b)]);
  model.getLayer('out').setWeights([tf.tensor2d(out.w), tf.tensor1d(out.b)]);
  return model;
}
