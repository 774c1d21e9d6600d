/**
 * Small models shaped like published genomics models that the analysis must open: DeepSTARR
 * (conv blocks, two regression outputs), BPNet (dilated residual convolutions, a profile output
 * and a counts output) and the NeuronMotif demo models (Conv → … → Dense(1) → sigmoid → Flatten).
 * Seeded weights; written as Keras 2 HDF5 files by the tests, then opened by our loader.
 */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadModel } from '../../src/engine/load';
import type { LoadedModel } from '../../src/engine/load/model';
import { seededWeights } from './models';
import { kerasJson, layerWeights, tempDir, writeKerasH5 } from './write-models';

/** Batch normalisation in inference mode needs positive moving variances, as training leaves them. */
function positiveVariances(model: tfl.LayersModel) {
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const [gamma, beta, mean, variance] = layer.getWeights();
    layer.setWeights([gamma, beta, mean, tf.add(tf.abs(variance), 0.5)]);
  }
}

/** DeepSTARR's shape, small: 2 conv blocks (conv, batch norm, ReLU, max pool) → Flatten → 2 dense blocks → Dense_Dev, Dense_Hk (linear). */
export function deepstarrModel(length = 40) {
  const input = tfl.input({ shape: [length, 4], name: 'input' });
  let x = input as tfl.SymbolicTensor;
  for (const [i, [filters, width]] of [[8, 7], [6, 3]].entries()) {
    x = tfl.layers.conv1d({ filters, kernelSize: width, padding: 'same', name: `Conv1D_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: `bn_conv_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `relu_conv_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling1d({ poolSize: 2, name: `maxpool_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
  }
  x = tfl.layers.flatten({ name: 'flatten' }).apply(x) as tfl.SymbolicTensor;
  for (const [i, units] of [12, 10].entries()) {
    x = tfl.layers.dense({ units, name: `Dense_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.batchNormalization({ name: `bn_dense_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.activation({ activation: 'relu', name: `relu_dense_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.dropout({ rate: 0.4, name: `dropout_${i + 1}` }).apply(x) as tfl.SymbolicTensor;
  }
  const dev = tfl.layers.dense({ units: 1, name: 'Dense_Dev' }).apply(x) as tfl.SymbolicTensor;
  const hk = tfl.layers.dense({ units: 1, name: 'Dense_Hk' }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [dev, hk], name: 'deepstarr' });
  seededWeights(model, 31);
  positiveVariances(model);
  return model;
}

/**
 * BPNet's shape, small: a first convolution, dilated convolutions with residual additions (the
 * "bottleneck" is the last sum), a profile output (N, L, 2) from a wide convolution, and a counts
 * output (N, 1) from global average pooling → Dense.
 */
export function bpnetModel(length = 32) {
  const input = tfl.input({ shape: [length, 4], name: 'sequence' });
  let x = tfl.layers.conv1d({ filters: 8, kernelSize: 5, padding: 'same', activation: 'relu', name: 'iconv' }).apply(input) as tfl.SymbolicTensor;
  for (const d of [2, 4]) {
    const c = tfl.layers.conv1d({ filters: 8, kernelSize: 3, padding: 'same', dilationRate: d, activation: 'relu', name: `dil_conv_${d}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.add({ name: `add_${d}` }).apply([x, c]) as tfl.SymbolicTensor;
  }
  const profile = tfl.layers.conv1d({ filters: 2, kernelSize: 7, padding: 'same', name: 'profile' }).apply(x) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalAveragePooling1d({ name: 'gap' }).apply(x) as tfl.SymbolicTensor;
  const counts = tfl.layers.dense({ units: 1, name: 'counts' }).apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: [profile, counts], name: 'bpnet' });
  seededWeights(model, 41);
  return model;
}

/**
 * The NeuronMotif demo models' shape: Conv2D on (1, L, 4) → max pool → Conv2D → max pool to one
 * position → Dense(1) → Activation('sigmoid') → Flatten as the output. `finalConv` puts a
 * one-filter 1×1 convolution where the Dense(1) is (what a converter may make of it).
 */
export function neuronMotifModel(finalConv = false) {
  const layers: tfl.layers.Layer[] = [
    tfl.layers.conv2d({ inputShape: [1, 20, 4], filters: 8, kernelSize: [1, 5], activation: 'relu', name: 'conv2d_1' }),
    tfl.layers.maxPooling2d({ poolSize: [1, 2], name: 'max_pooling2d_1' }),
    tfl.layers.conv2d({ filters: 6, kernelSize: [1, 3], activation: 'relu', name: 'conv2d_2' }),
    tfl.layers.maxPooling2d({ poolSize: [1, 6], name: 'max_pooling2d_2' }),
    finalConv ? tfl.layers.conv2d({ filters: 1, kernelSize: [1, 1], name: 'conv2d_out' }) : tfl.layers.dense({ units: 1, name: 'dense_1' }),
    tfl.layers.activation({ activation: 'sigmoid', name: 'activation_1' }),
    tfl.layers.flatten({ name: 'flatten_1' }),
  ];
  const model = tfl.sequential({ layers });
  seededWeights(model, 51);
  return model;
}

/** The model through a Keras 2 HDF5 file (model.save's layout), opened by our loader. */
export async function viaKerasH5(model: tfl.LayersModel, name: string): Promise<LoadedModel> {
  const file = await writeKerasH5(path.join(tempDir('multi-output-'), `${name}.h5`), layerWeights(model), { full: true, architecture: kerasJson(model) });
  return loadModel(file);
}
