/**
 * Recognises the commonest head, [Flatten] → Dense → ReLU → [Dropout] → Dense, and extracts its
 * weights, so that the ascent can be computed in the hidden layer's space (ascent-hidden.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from './tfl-types';

export interface DenseReluHead {
  /** First dense layer, [D, U] with D = positions × channels in H's row-major order. */
  w1: tf.Tensor2D;
  b1: Float32Array;
  /** Second dense layer, [U, C] row-major. */
  w2: Float32Array;
  b2: Float32Array;
  hidden: number;
  classes: number;
}

const PASS_THROUGH = /^(Dropout|GaussianNoise|GaussianDropout|AlphaDropout)$/;
const SQUASH = new Set(['sigmoid', 'softmax']);

function activation(layer: Layer): string | undefined {
  const a = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof a === 'string' ? a : undefined;
}

/** The layers after `layerIndex`, if they form a chain ending at the model's single output. */
function chainAfter(model: LayersModel, layerIndex: number): Layer[] | null {
  const layers = model.layers.slice(layerIndex + 1);
  let previous = model.layers[layerIndex];
  for (const layer of layers) {
    if (layer.inboundNodes.length !== 1) return null;
    const inputs = layer.inboundNodes[0].inputTensors;
    if (inputs.length !== 1 || inputs[0].sourceLayer !== previous) return null;
    previous = layer;
  }
  return model.outputs.length === 1 && model.outputs[0].sourceLayer === previous ? layers : null;
}

export function denseReluHead(model: LayersModel, layerIndex: number): DenseReluHead | null {
  const chain = chainAfter(model, layerIndex);
  if (!chain) return null;
  let rest = chain.filter((l) => !PASS_THROUGH.test(l.getClassName()));
  if (rest[0]?.getClassName() === 'Flatten') rest = rest.slice(1);
  const [first, ...after] = rest;
  if (first?.getClassName() !== 'Dense') return null;
  let tail = after;
  if (activation(first) !== 'relu') {
    const act = tail[0];
    // A plain ReLU only: a ReLU layer with a maxValue (ReLU6) is not piecewise linear in two pieces.
    const isRelu =
      act && ((act.getClassName() === 'Activation' && activation(act) === 'relu') || (act.getClassName() === 'ReLU' && act.getConfig().maxValue == null));
    if (activation(first) !== 'linear' || !isRelu) return null;
    tail = tail.slice(1);
  }
  const [second, ...end] = tail;
  if (second?.getClassName() !== 'Dense') return null;
  const outAct = activation(second) ?? 'linear';
  if (outAct !== 'linear' && !SQUASH.has(outAct)) return null;
  if (end.length > 1) return null;
  if (end.length === 1) {
    const e = end[0];
    const squash = (e.getClassName() === 'Activation' && SQUASH.has(activation(e) ?? '')) || e.getClassName() === 'Softmax';
    if (!squash || outAct !== 'linear') return null;
  }
  // Input of the first dense layer must be H itself, flattened row-major.
  const inputSize = (first.inboundNodes[0].inputTensors[0].shape as number[]).slice(1).reduce((a, b) => a * b, 1);
  const featureSize = (model.layers[layerIndex].outputShape as number[]).slice(1).reduce((a, b) => a * b, 1);
  if (inputSize !== featureSize) return null;
  const [k1, bias1] = first.getWeights();
  const [k2, bias2] = second.getWeights();
  const [hidden, classes] = [k1.shape[1] as number, k2.shape[1] as number];
  return {
    w1: k1 as tf.Tensor2D,
    b1: bias1 ? (bias1.dataSync() as Float32Array) : new Float32Array(hidden),
    w2: k2.dataSync() as Float32Array,
    b2: bias2 ? (bias2.dataSync() as Float32Array) : new Float32Array(classes),
    hidden,
    classes,
  };
}
