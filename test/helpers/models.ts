/** Small models with known weights, built in the tests so that the right answer is known. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LoadedModel } from '../../src/engine/load/model';
import { fillNormal } from '../../src/engine/rng';

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

/** Batch normalisation in inference mode needs positive moving variances, as training leaves them. */
function positiveMovingVariance(model: tfl.LayersModel, name: string) {
  const bn = model.getLayer(name);
  const [gamma, beta, mean, variance] = bn.getWeights();
  bn.setWeights([gamma, beta, mean, tf.add(tf.abs(variance), 0.5)]);
}

/**
 * A head that starts with a dense layer but is not ReLU → Dense: Conv1D → MaxPool ('pool', 6 × 4)
 * → Flatten → Dropout → Dense(12, tanh) → Dense(10, relu) → BatchNorm → Dense(3) → sigmoid.
 */
export function deepTailModel() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [14, 4], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool' }),
      tfl.layers.flatten(),
      tfl.layers.dropout({ rate: 0.2 }),
      tfl.layers.dense({ units: 12, activation: 'tanh', name: 'fc1' }),
      tfl.layers.dense({ units: 10, activation: 'relu', name: 'fc2' }),
      tfl.layers.batchNormalization({ name: 'bn' }),
      tfl.layers.dense({ units: 3, name: 'out' }),
      tfl.layers.activation({ activation: 'sigmoid' }),
    ],
  });
  seededWeights(model, 9);
  positiveMovingVariance(model, 'bn');
  return model;
}

/** Conv1D → BatchNorm → MaxPool → Conv1D → GlobalMaxPool → Dense → Dropout → Dense(sigmoid), with Keras 2's layer names. */
export function batchNormCnn() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [40, 4], filters: 6, kernelSize: 7, activation: 'relu', name: 'conv1d_1' }),
      tfl.layers.batchNormalization({ name: 'batch_normalization_1' }),
      tfl.layers.maxPooling1d({ poolSize: 2, name: 'max_pooling1d_1' }),
      tfl.layers.conv1d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv1d_2' }),
      tfl.layers.globalMaxPooling1d({ name: 'global_max_pooling1d_1' }),
      tfl.layers.dense({ units: 8, activation: 'relu', name: 'dense_1' }),
      tfl.layers.dropout({ rate: 0.2, name: 'dropout_1' }),
      tfl.layers.dense({ units: 3, activation: 'sigmoid', name: 'dense_2' }),
    ],
  });
  seededWeights(model, 21);
  positiveMovingVariance(model, 'batch_normalization_1');
  return model;
}

/** Seeded normal weights, scaled by fan-in; batch norm with non-trivial statistics. */
export function seedWeights(model: tfl.LayersModel, seed: number) {
  model.layers.forEach((layer, i) => {
    const ws = layer.getWeights();
    if (!ws.length) return;
    const bn = layer.getClassName() === 'BatchNormalization';
    layer.setWeights(
      ws.map((w, j) => {
        const v = fillNormal(new Float32Array(w.size), seed * 1000 + i * 10 + j);
        const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
        // BN: gamma and variance positive; others centred.
        const scaled = bn ? v.map((x) => (j === 0 || j === 3 ? 0.5 + Math.abs(x) : 0.3 * x)) : v.map((x) => x * (w.shape.length > 1 ? Math.sqrt(2 / fanIn) : 0.1));
        return tf.tensor(scaled, w.shape);
      }),
    );
  });
  return model;
}
