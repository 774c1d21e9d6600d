/** Benchmark models with seeded random weights (no files, no downloads). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { fillNormal } from '../src/engine/rng';

/** Glorot-scaled seeded normal weights, biases small. */
function seed(model: tfl.LayersModel, s: number) {
  model.layers.forEach((layer, i) => {
    const ws = layer.getWeights();
    if (!ws.length) return;
    layer.setWeights(
      ws.map((w, j) => {
        const values = fillNormal(new Float32Array(w.size), s * 1000 + i * 10 + j);
        const fanIn = w.shape.length > 1 ? w.shape.slice(0, -1).reduce((a, b) => a * b, 1) : 1;
        const scale = w.shape.length > 1 ? Math.sqrt(2 / fanIn) : 0.01;
        return tf.tensor(values.map((v) => v * scale), w.shape);
      }),
    );
  });
}

/** DeepSEA's convolution stack: 1000 bp; Conv1D 320/480/960 of width 8 with max-pooling 4; then Flatten. */
function deepSeaStack(): tfl.layers.Layer[] {
  return [
    tfl.layers.conv1d({ inputShape: [1000, 4], filters: 320, kernelSize: 8, activation: 'relu', name: 'conv1' }),
    tfl.layers.maxPooling1d({ poolSize: 4, name: 'pool1' }),
    tfl.layers.dropout({ rate: 0.2 }),
    tfl.layers.conv1d({ filters: 480, kernelSize: 8, activation: 'relu', name: 'conv2' }),
    tfl.layers.maxPooling1d({ poolSize: 4, name: 'pool2' }),
    tfl.layers.dropout({ rate: 0.2 }),
    tfl.layers.conv1d({ filters: 960, kernelSize: 8, activation: 'relu', name: 'conv3' }),
    tfl.layers.dropout({ rate: 0.5 }),
    tfl.layers.flatten(),
  ];
}

/** DeepSEA architecture: the stack above; Dense 925 (ReLU); 919 outputs. */
export function deepSea(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [...deepSeaStack(), tfl.layers.dense({ units: 925, activation: 'relu', name: 'fc1' }), tfl.layers.dense({ units: 919, activation: 'sigmoid', name: 'out' })],
  });
  seed(model, 1);
  return model;
}

/**
 * The same stack with a deeper head of another shape (as in Basset): Dense 925 (ReLU) → Dense 925
 * (ELU) → batch norm → Dense 919. Not ReLU → Dense, so the hidden-space steps run on TensorFlow.js.
 */
export function deepSeaDeepTail(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      ...deepSeaStack(),
      tfl.layers.dense({ units: 925, activation: 'relu', name: 'fc1' }),
      tfl.layers.dense({ units: 925, activation: 'elu', name: 'fc2' }),
      tfl.layers.batchNormalization({ name: 'bn' }),
      tfl.layers.dense({ units: 919, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seed(model, 3);
  // Inference-mode batch norm as training leaves it: unit scale, positive moving variance.
  const bn = model.getLayer('bn');
  bn.setWeights(bn.getWeights().map((w, i) => (i === 0 || i === 3 ? tf.onesLike(w) : tf.zerosLike(w))));
  return model;
}

/** The 422-ENCODE architecture: 101 bp, 16 filters of width 25, global max-pool, Dense 32, Dense 1. */
export function encode422(): tfl.LayersModel {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [101, 4], filters: 16, kernelSize: 25, padding: 'same', activation: 'relu', name: 'conv' }),
      tfl.layers.maxPooling1d({ poolSize: 101, name: 'pool' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 32, activation: 'relu', name: 'fc' }),
      tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seed(model, 2);
  return model;
}

/** FLOPs of one forward + input-gradient pass through Dense(50880→925) → ReLU → Dense(925→919). */
export const DEEPSEA_HEAD_FLOPS = 2 * 2 * (50880 * 925 + 925 * 919);

/** FLOPs of one forward + input-gradient pass through the deep tail's head (the batch norm is not counted). */
export const DEEP_TAIL_HEAD_FLOPS = 2 * 2 * (50880 * 925 + 925 * 925 + 925 * 919);

/**
 * A Basset-shaped model (Kelley et al. 2016): 600 bp; Conv1D 300×19 / 200×11 / 200×7 ('same'),
 * each with batch norm, ReLU and max-pooling 3 / 4 / 4; Dense 1000 → 1000 (ReLU, dropout 0.3);
 * 164 sigmoid outputs. The benchmark analyses it at its first convolution's output (600 × 300).
 */
export function basset(): tfl.LayersModel {
  const block = (filters: number, kernelSize: number, pool: number, i: number, first = false) => [
    tfl.layers.conv1d({ ...(first ? { inputShape: [600, 4] } : {}), filters, kernelSize, padding: 'same', name: `conv${i}` }),
    tfl.layers.batchNormalization({ name: `bn${i}` }),
    tfl.layers.reLU({ name: `relu${i}` }),
    tfl.layers.maxPooling1d({ poolSize: pool, name: `pool${i}` }),
  ];
  const model = tfl.sequential({
    layers: [
      ...block(300, 19, 3, 1, true),
      ...block(200, 11, 4, 2),
      ...block(200, 7, 4, 3),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 1000, activation: 'relu', name: 'fc1' }),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 1000, activation: 'relu', name: 'fc2' }),
      tfl.layers.dropout({ rate: 0.3 }),
      tfl.layers.dense({ units: 164, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seed(model, 4);
  // Inference-mode batch norm with non-trivial statistics, so that it is a real affine map.
  for (const i of [1, 2, 3]) {
    const bn = model.getLayer(`bn${i}`);
    bn.setWeights(bn.getWeights().map((w, j) => tf.tensor(fillNormal(new Float32Array(w.size), 900 + i * 10 + j).map((v) => (j === 0 || j === 3 ? 1 + 0.1 * Math.abs(v) : 0.1 * v)), w.shape)));
  }
  return model;
}

/**
 * A BPNet-shaped model (Avsec et al. 2021): 1000 bp; Conv1D 64×25 (ReLU); six residual Conv1D
 * 64×3 with dilation 2, 4, …, 64 (ReLU, 'same'); a profile output (Conv1D 2×75, 'same': 1000 × 2,
 * each strand's score its sum over positions) and a counts output (global average pooling →
 * Dense 2). Analysed at its first convolution (1000 × 64): 4 classes.
 */
export function bpnet(): tfl.LayersModel {
  const input = tfl.input({ shape: [1000, 4] });
  let x = tfl.layers.conv1d({ filters: 64, kernelSize: 25, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  for (let i = 1; i <= 6; i++) {
    const conv = tfl.layers.conv1d({ filters: 64, kernelSize: 3, padding: 'same', dilationRate: 2 ** i, activation: 'relu', name: `dil${i}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.add({ name: `add${i}` }).apply([conv, x]) as tfl.SymbolicTensor;
  }
  const profile = tfl.layers.conv1d({ filters: 2, kernelSize: 75, padding: 'same', name: 'profile' }).apply(x) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling1d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const counts = tfl.layers.dense({ units: 2, name: 'counts' }).apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [profile, counts] });
  seed(model, 5);
  return model;
}

/** FLOPs of one forward + input-gradient pass through the Basset head from its first convolution (convolutions and dense layers). */
export const BASSET_HEAD_FLOPS = 2 * 2 * (200 * 200 * 11 * 300 + 50 * 200 * 7 * 200 + 2400 * 1000 + 1000 * 1000 + 1000 * 164);

/** FLOPs of one forward + input-gradient pass through the BPNet head from its first convolution. */
export const BPNET_HEAD_FLOPS = 2 * 2 * (6 * 1000 * 64 * 64 * 3 + 1000 * 64 * 2 * 75 + 64 * 2);
