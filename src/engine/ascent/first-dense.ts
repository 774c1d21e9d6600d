/**
 * Recognises heads whose first step after the analysis layer is a dense layer on the flattened
 * feature map — [Flatten] → [Dropout] → Dense(W₁, b₁) → anything — so that the ascent can be
 * computed in that layer's space (hidden.ts): every gradient of the class score with
 * respect to H is W₁ times a hidden-space vector, whatever follows the dense layer.
 *
 * The commonest case, Dense → ReLU → [Dropout] → Dense, gets its second layer's weights too, for
 * the flip-based WebAssembly kernel (hidden-pair.ts); any other rest runs on TensorFlow.js,
 * including a rest that leads to several outputs (a multi-output head from the dense layer on).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from '../tfl-types';
import { oneHotRows, planHead, splitModel, type Head } from '../head';
import { selectOutputs, type OutputSelection, type SelectedOutput } from '../outputs';

export interface FirstDense {
  /** The dense layer's kernel, [D, U] with D = positions × channels in H's row-major order. */
  w1: tf.Tensor2D;
  b1: Float32Array;
  hidden: number;
  classes: number;
  /** Set when the rest of the head is ReLU → Dense(W₂ [U, C] row-major, b₂). */
  reluDense: { w2: Float32Array; b2: Float32Array } | null;
  /**
   * Where the rest of the head starts, for building it elsewhere (native/head-graph.ts): the dense
   * layer's index and the activation `rest` applies to z; null when the dense layer is the output.
   */
  restFrom: { layerIndex: number; activation: string } | null;
  /** Row i's score of class classes[i] (before any final sigmoid/softmax), from the pre-activations z [N, U]. */
  rest(z: tf.Tensor2D, classes: number[]): tf.Tensor1D;
  /** Tensors kept between calls (see Head.keptTensors). */
  keptTensors(): number;
  dispose(): void;
}

const PASS_THROUGH = /^(Dropout|GaussianNoise|GaussianDropout|AlphaDropout|SpatialDropout1D)$/;
const SQUASH = new Set(['sigmoid', 'softmax']);

function activation(layer: Layer): string | undefined {
  const a = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof a === 'string' ? a : undefined;
}

const isSquashLayer = (l: Layer) => (l.getClassName() === 'Activation' && SQUASH.has(activation(l) ?? '')) || l.getClassName() === 'Softmax';

/**
 * The only layer that consumes `layer`'s output, if there is exactly one among `within` (the
 * layers the selected outputs need: a branch to an output not analysed does not count).
 */
function soleConsumer(model: LayersModel, layer: Layer, within: Set<Layer>): Layer | null {
  const out = layer.inboundNodes.length === 1 ? layer.inboundNodes[0].outputTensors[0] : null;
  if (!out) return null;
  const users = model.layers.filter((l) => within.has(l) && l.inboundNodes.some((n) => n.inputTensors.some((t) => t.id === out.id)));
  return users.length === 1 && users[0].inboundNodes.length === 1 && users[0].inboundNodes[0].inputTensors.length === 1 ? users[0] : null;
}

/** After the dense layer: ReLU → [pass-through] → Dense → [squash], ending at the (one, not summarised) output. */
function reluDenseAfter(model: LayersModel, first: Layer, selected: SelectedOutput, within: Set<Layer>): Layer | null {
  let next: Layer | null = first;
  if (activation(first) !== 'relu') {
    next = soleConsumer(model, first, within);
    const isRelu = next && ((next.getClassName() === 'Activation' && activation(next) === 'relu') || (next.getClassName() === 'ReLU' && next.getConfig().maxValue == null));
    if (activation(first) !== 'linear' || !isRelu) return null;
  }
  do next = soleConsumer(model, next!, within);
  while (next && PASS_THROUGH.test(next.getClassName()));
  if (next?.getClassName() !== 'Dense') return null;
  const outAct = activation(next) ?? 'linear';
  const output = selected.tensor.sourceLayer;
  if (output === next) return outAct === 'linear' || SQUASH.has(outAct) ? next : null;
  return outAct === 'linear' && isSquashLayer(output) && soleConsumer(model, next, within) === output ? next : null;
}

export function firstDense(model: LayersModel, layerIndex: number, selection: OutputSelection = {}): FirstDense | null {
  const selected = selectOutputs(model, selection);
  let within: Set<Layer>;
  try {
    // The head's steps, and the outputs' own layers (a final Activation layer that is the output
    // is no step of the head: it passes its input on).
    within = new Set([...planHead(model, layerIndex, selection).steps, ...selected.map((o) => o.tensor.sourceLayer)]);
  } catch {
    return null; // no head here (splitModel says why)
  }
  let first: Layer | null = model.layers[layerIndex];
  do first = soleConsumer(model, first!, within);
  while (first && (PASS_THROUGH.test(first.getClassName()) || first.getClassName() === 'Flatten'));
  if (first?.getClassName() !== 'Dense') return null;
  // The dense layer's input must be H itself, flattened row-major (not a per-position Dense).
  const inputShape = first.inboundNodes[0].inputTensors[0].shape as number[];
  const featureSize = (model.layers[layerIndex].outputShape as number[]).slice(1).reduce((a, b) => a * b, 1);
  if (inputShape.length !== 2 || inputShape[1] !== featureSize) return null;

  // One (N, units) output that is the dense layer itself, or its final activation: the rest picks a unit.
  const single = selected.length === 1 && !selected[0].summary ? selected[0] : null;
  const output = single?.tensor.sourceLayer;
  const endsHere = !!single && (output === first || (isSquashLayer(output!) && soleConsumer(model, first, within) === output));
  // Otherwise the dense layer must lead to the outputs without being one or holding one's final activation.
  if (!endsHere && selected.some((o) => o.tensor.sourceLayer === first || o.final?.layer === first)) return null;
  let after: Head | null = null;
  if (!endsHere) {
    try {
      after = splitModel(model, model.layers.indexOf(first), selection);
    } catch {
      return null; // e.g. a connection around the dense layer
    }
  }
  // The dense layer's own activation, unless it is the final sigmoid/softmax the head removes.
  const act = activation(first) ?? 'linear';
  const activate = act === 'linear' || (output === first && SQUASH.has(act)) ? null : tfl.layers.activation({ activation: act as 'relu' });

  const [k1, bias1] = first.getWeights();
  const hidden = k1.shape[1] as number;
  const classes = selected.reduce((a, o) => a + o.units, 0);
  const second = single ? reluDenseAfter(model, first, single, within) : null;
  const [k2, bias2] = second ? second.getWeights() : [];
  return {
    w1: k1 as tf.Tensor2D,
    b1: bias1 ? (bias1.dataSync() as Float32Array) : new Float32Array(hidden),
    hidden,
    classes,
    restFrom: after ? { layerIndex: model.layers.indexOf(first), activation: activate ? act : 'linear' } : null,
    reluDense: second ? { w2: k2.dataSync() as Float32Array, b2: bias2 ? (bias2.dataSync() as Float32Array) : new Float32Array(classes) } : null,
    rest(z, classes) {
      const a = activate ? (activate.apply(z) as tf.Tensor2D) : z;
      return after ? after.classScores(a, classes) : tf.sum(tf.mul(a, oneHotRows(classes, a.shape[1])), 1);
    },
    keptTensors: () => after?.keptTensors() ?? 0,
    dispose: () => after?.dispose(),
  };
}
