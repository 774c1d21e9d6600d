/**
 * What the sampled windows are ranked by: the channel's value before its activation, when the
 * activation is monotone increasing (ReLU and its kin, sigmoid, tanh, softplus…) — the same order
 * wherever the channel fires, and an order still where a ReLU's output is a flat 0. The value
 * before a separate activation layer is that layer's input; before an activation fused into a
 * convolution (Keras `activation: 'relu'`) it is a copy of the layer with a linear activation
 * and the same weights (freed by `dispose`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { layerKind } from '../custom-layers/onnx-op';
import type { Layer } from '../tfl-types';

const MONOTONE = new Set(['relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'hard_sigmoid', 'tanh', 'softplus', 'softsign', 'swish', 'gelu', 'linear']);
const ACTIVATION_LAYERS = /^(ReLU|LeakyReLU|ELU|ThresholdedReLU)$/;

type Symbolic = tfl.SymbolicTensor;

function single(t: Symbolic | Symbolic[]): Symbolic {
  return Array.isArray(t) ? t[0] : t;
}

/**
 * Where the channel's value before its activation is: the input of a separate activation layer,
 * inside a layer with a fused one, or nowhere (no activation to undo, or not a monotone one).
 * The TensorFlow.js sub-model below and the ONNX Runtime graph (native.ts) follow the same rule.
 */
export function preActivationKind(layer: Layer): 'separate' | 'fused' | null {
  const node = layer.inboundNodes[0];
  if (node?.inputTensors.length !== 1) return null;
  const kind = layerKind(layer);
  const config = layer.getConfig() as Record<string, unknown>;
  const activation = typeof config.activation === 'string' ? config.activation : null;
  if (ACTIVATION_LAYERS.test(kind) || (kind === 'Activation' && activation && MONOTONE.has(activation) && activation !== 'linear')) return 'separate';
  if (!activation || activation === 'linear' || !MONOTONE.has(activation)) return null;
  return 'fused';
}

/** The channel's value before its activation, or null when it has none to undo (or it is not monotone); `copy`: a layer made for it. */
function preActivation(layer: Layer): { tensor: Symbolic; copy?: Layer } | null {
  const node = layer.inboundNodes[0];
  const where = preActivationKind(layer);
  if (where === 'separate') return { tensor: node.inputTensors[0] as Symbolic };
  if (where !== 'fused') return null;
  const config = layer.getConfig() as Record<string, unknown>;
  // A copy with a linear activation, built from the layer's own config (no code), with its weights.
  const cls = layer.constructor as unknown as { fromConfig(cls: unknown, config: object): Layer };
  let copy: Layer;
  try {
    copy = cls.fromConfig(layer.constructor, { ...config, activation: 'linear', name: `${layer.name}_before_activation` });
  } catch {
    return null;
  }
  const tensor = single(copy.apply(node.inputTensors[0] as Symbolic) as Symbolic | Symbolic[]);
  copy.setWeights(layer.getWeights());
  return { tensor, copy };
}

/**
 * The sub-model from the input to `layer` and what it computes: `[output, pre-activation]` for a
 * separate activation layer, `[pre-activation]` for a fused one (the output is then its
 * activation, applied by `outputs`, so the layer is not computed twice), `[output]` otherwise.
 */
export interface RankingModel {
  model: tfl.LayersModel;
  ranked: boolean;
  /** [output, ranking value] of a batch, from the model's prediction. */
  outputs: (predicted: tf.Tensor | tf.Tensor[]) => [tf.Tensor, tf.Tensor];
  dispose: () => void;
}

export function rankingModel(inputs: Symbolic[], layer: Layer): RankingModel {
  const output = single(layer.output as Symbolic | Symbolic[]);
  const pre = preActivation(layer);
  const first = (y: tf.Tensor | tf.Tensor[]) => (Array.isArray(y) ? y[0] : y);
  if (!pre) return { model: tfl.model({ inputs, outputs: output }), ranked: false, outputs: (y) => [first(y), first(y)], dispose: () => {} };
  if (!pre.copy) return { model: tfl.model({ inputs, outputs: [output, pre.tensor] }), ranked: true, outputs: (y) => [(y as tf.Tensor[])[0], (y as tf.Tensor[])[1]], dispose: () => {} };
  const activation = (layer as unknown as { activation: { apply(t: tf.Tensor): tf.Tensor } }).activation;
  return {
    model: tfl.model({ inputs, outputs: pre.tensor }),
    ranked: true,
    outputs: (y) => {
      const before = first(y);
      return [activation.apply(before), before];
    },
    // The sub-model shares the model's layers: only the copy is ours to free.
    dispose: () => pre.copy!.dispose(),
  };
}
