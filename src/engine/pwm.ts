/**
 * First-layer convolution filters as position weight matrices (method note §5): at each filter
 * position keep the positive part of the four letter weights and normalise it to sum 1 (uniform
 * when none is positive); information content 2 + Σ p log₂ p. Kernels are in TF.js's
 * cross-correlation orientation: loaders of frameworks that convolve flip them on import.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from './tfl-types';
import { layerKind } from './custom-layers/onnx-op';

export const ALPHABET = ['A', 'C', 'G', 'T'] as const;

export interface Pwm {
  /** positions × 4 probabilities (A, C, G, T). */
  matrix: number[][];
  /** Information content (bits) per position. */
  ic: number[];
}

/** Converts one filter's letter weights (positions × 4) into a PWM. */
export function weightsToPwm(weights: number[][]): Pwm {
  const matrix = weights.map((row) => {
    const pos = row.map((w) => Math.max(w, 0));
    const total = pos.reduce((a, b) => a + b, 0);
    return total > 0 ? pos.map((w) => w / total) : [0.25, 0.25, 0.25, 0.25];
  });
  const ic = matrix.map((p) => 2 + p.reduce((a, q) => a + (q > 0 ? q * Math.log2(q) : 0), 0));
  return { matrix, ic };
}

/** Layers between the first convolution and the analysis layer that keep channel k as channel k. */
const CHANNEL_PRESERVING = /^(MaxPooling[123]D|AveragePooling[123]D|GlobalMaxPooling[123]D|GlobalAveragePooling[123]D|Activation|ReLU|LeakyReLU|ELU|PReLU|BatchNormalization|Dropout|SpatialDropout[123]D|GaussianNoise|GaussianDropout|Cropping[123]D|ZeroPadding[123]D|UpSampling[123]D)$/;

/**
 * PWMs of the analysis layer's features when they are the channels of the first convolution
 * (one per channel), else null. Needs one-hot input with the alphabet (size 4) on the channel axis.
 */
export function firstLayerPwms(model: LayersModel, analysisIndex: number): Pwm[] | null {
  const layers = model.layers;
  const first = layers.findIndex((l) => /^Conv[12]D$/.test(l.getClassName()));
  if (first < 0 || first > analysisIndex) return null;
  const conv = layers[first];
  const kernel = conv.getWeights()[0];
  const shape = kernel.shape as number[]; // Conv1D [w, in, F]; Conv2D [kh, kw, in, F]
  const inChannels = shape[shape.length - 2];
  const filters = shape[shape.length - 1];
  if (inChannels !== 4) return null;
  if (shape.length === 4 && shape[0] !== 1 && shape[1] !== 1) return null;
  for (let i = first + 1; i <= analysisIndex; i++) {
    if (!channelPreserving(layers[i])) return null;
  }
  const analysisShape = (layers[analysisIndex].outputShape as (number | null)[]).slice(1);
  if (analysisShape[analysisShape.length - 1] !== filters) return null;
  const width = shape.length === 3 ? shape[0] : Math.max(shape[0], shape[1]);
  const values = kernel.dataSync();
  return Array.from({ length: filters }, (_, f) =>
    weightsToPwm(Array.from({ length: width }, (_, p) => ALPHABET.map((_, b) => values[(p * 4 + b) * filters + f] as number))),
  );
}

function channelPreserving(layer: Layer): boolean {
  const name = layerKind(layer);
  if (CHANNEL_PRESERVING.test(name)) return true;
  // Flatten keeps channels only when nothing but the channel axis is left; a Reshape whenever it
  // keeps the channel axis last (e.g. the Squeeze of a (1, L, C) map that tf2onnx writes).
  if (name === 'Flatten' || name === 'Reshape') {
    const inShape = layer.inboundNodes[0]?.inputTensors[0]?.shape ?? [];
    if (inShape.slice(1, -1).every((d: number | null) => d === 1)) return true;
    const outShape = layer.outputShape as (number | null)[];
    return name === 'Reshape' && outShape.length >= 2 && outShape[outShape.length - 1] === inShape[inShape.length - 1];
  }
  return false;
}
