/**
 * Splitting a model at the analysis layer. The head is the part of the network from the analysis
 * layer's output to the class scores, as a function of a batch of feature maps H. The class score
 * is the pre-activation output: a final sigmoid or softmax is removed.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer, Shape } from './tfl-types';
import { UserError } from './errors';

export interface Head {
  /** Shape of one feature map (no batch axis): positions…, channels. */
  featureShape: number[];
  positions: number;
  channels: number;
  numClasses: number;
  /** The final activation that was removed ('sigmoid', 'softmax') or null. */
  strippedActivation: string | null;
  /** Class scores [N, classes] for feature maps H [N, ...featureShape]. */
  scores(h: tf.Tensor): tf.Tensor2D;
  /** The score of one class per row, [N]: `classes[i]` for H[i]. Cheaper than `scores` when the head ends with a dense layer. */
  classScores(h: tf.Tensor, classes: number[]): tf.Tensor1D;
  /** Tensors the head keeps between calls (transposed kernels made on first use), freed by dispose. */
  keptTensors(): number;
  /** Frees the tensors the head made (a linear copy of the last layer, transposed kernels). */
  dispose(): void;
}

const SQUASHING = new Set(['sigmoid', 'softmax']);

function activationName(layer: Layer): string | null {
  const config = layer.getConfig() as { activation?: unknown };
  return typeof config.activation === 'string' ? config.activation : null;
}

/** A copy of `layer` with a linear activation and the same weights. */
function withLinearActivation(layer: Layer, inputShape: Shape): Layer {
  const registry = tf.serialization.SerializationMap.getMap().classNameMap as Record<
    string,
    [tf.serialization.SerializableConstructor<tf.serialization.Serializable>, (cls: unknown, config: unknown) => Layer]
  >;
  const entry = registry[layer.getClassName()];
  if (!entry) throw new UserError(`cannot remove the final activation of layer '${layer.name}' (${layer.getClassName()})`);
  const clone = entry[1](entry[0], { ...layer.getConfig(), activation: 'linear', name: `${layer.name}_logits` });
  clone.build(inputShape);
  clone.setWeights(layer.getWeights());
  return clone;
}

/**
 * A dense layer on a 2-D input, computed with a copy of its kernel transposed once (made on first
 * use, freed by `dispose`). The input gradient dy·Kᵀ is then a plain product: the wasm backend's
 * matMul with transposeB, which tfjs-layers' own gradient uses, is about 5× slower (measured
 * 2.6 against 13 GFLOP/s on DeepSEA's first dense layer). Weight gradients are never needed here.
 */
function denseWithTransposedKernel(layer: Layer, linear: boolean) {
  const [kernel, bias] = layer.getWeights();
  const act = linear ? 'linear' : (activationName(layer) ?? 'linear');
  const activate = act === 'linear' ? null : tfl.layers.activation({ activation: act as 'relu' });
  let transposed: tf.Tensor | null = null;
  /** Kᵀ, [units, inputs]. */
  const kernelT = () => (transposed ??= tf.keep(tf.transpose(kernel)));
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor2D;
    const kt = kernelT();
    const y = tf.matMul(x, kernel as tf.Tensor2D);
    return { value: bias ? tf.add(y, bias) : y, gradFunc: (dy: tf.Tensor) => tf.matMul(dy as tf.Tensor2D, kt as tf.Tensor2D) };
  });
  return {
    apply: (x: tf.Tensor) => (activate ? (activate.apply(product(x)) as tf.Tensor) : product(x)),
    transposed: kernelT,
    kept: () => (transposed ? 1 : 0),
    bias,
    linear: act === 'linear',
    dispose: () => transposed?.dispose(),
  };
}

/** [rows, depth] with a 1 at each row's class (tf.oneHot refuses depth 1: single-output models). */
export function oneHotRows(classes: number[], depth: number): tf.Tensor2D {
  const data = new Float32Array(classes.length * depth);
  classes.forEach((c, i) => (data[i * depth + c] = 1));
  return tf.tensor2d(data, [classes.length, depth]);
}

function onlyNode(layer: Layer) {
  if (layer.inboundNodes.length !== 1) {
    throw new UserError(`layer '${layer.name}' is used more than once in the model; shared layers are not supported in the head`);
  }
  return layer.inboundNodes[0];
}

export function splitModel(model: LayersModel, layerIndex: number): Head {
  if (model.outputs.length !== 1) throw new UserError(`models with ${model.outputs.length} outputs are not supported yet (one output expected)`);
  const layers = model.layers;
  const analysis = layers[layerIndex];
  if (!analysis) throw new UserError(`no layer with index ${layerIndex}`);
  const featureTensor = onlyNode(analysis).outputTensors[0];
  const featureShape = featureTensor.shape.slice(1);
  if (featureShape.some((d: number | null) => d === null)) {
    throw new UserError(`the output of layer '${analysis.name}' has an unspecified size (${JSON.stringify(featureTensor.shape)}); give the input length`);
  }
  const outputShape = model.outputs[0].shape;
  if (outputShape.length !== 2) {
    throw new UserError(`the model output has shape ${JSON.stringify(outputShape)}; one score per class ([batch, classes]) is expected`);
  }

  // The steps after the analysis layer, in topological order, and the tensor that holds the scores.
  let output: SymbolicTensor = model.outputs[0];
  let strippedActivation: string | null = null;
  let lastReplacement: { layer: Layer; clone: Layer } | null = null;
  const last = model.outputs[0].sourceLayer;
  const lastAct = activationName(last);
  if ((last.getClassName() === 'Activation' && lastAct && SQUASHING.has(lastAct)) || last.getClassName() === 'Softmax') {
    strippedActivation = last.getClassName() === 'Softmax' ? 'softmax' : lastAct;
    output = onlyNode(last).inputTensors[0];
  } else if (lastAct && SQUASHING.has(lastAct)) {
    strippedActivation = lastAct;
    lastReplacement = { layer: last, clone: withLinearActivation(last, onlyNode(last).inputTensors[0].shape) };
  }
  if (output.id === featureTensor.id) throw new UserError(`layer '${analysis.name}' is the output layer; choose a layer before it`);

  // Keep only the layers the output depends on, walking back from the output to the feature map.
  const needed = new Set<Layer>();
  const stack: SymbolicTensor[] = [output];
  const seen = new Set<number>();
  while (stack.length) {
    const t = stack.pop()!;
    if (t.id === featureTensor.id || seen.has(t.id)) continue;
    seen.add(t.id);
    const layer = t.sourceLayer;
    if (layer.getClassName() === 'InputLayer') {
      throw new UserError(`the class scores depend on the model input other than through layer '${analysis.name}' (a skip connection around it); choose a later layer`);
    }
    needed.add(layer);
    stack.push(...onlyNode(layer).inputTensors);
  }
  const steps = layers.filter((l) => needed.has(l));
  const dense = new Map(
    steps
      .filter((l) => l.getClassName() === 'Dense' && onlyNode(l).inputTensors[0].shape.length === 2)
      .map((l) => [l, denseWithTransposedKernel(l, lastReplacement?.layer === l)] as const),
  );

  /** Runs the steps from H, returning every tensor computed, by symbolic tensor id. */
  const walk = (h: tf.Tensor, upTo: Layer[]) => {
    const values = new Map<number, tf.Tensor>([[featureTensor.id, h]]);
    for (const layer of upTo) {
      const node = onlyNode(layer);
      const inputs = node.inputTensors.map((t: SymbolicTensor) => values.get(t.id)!);
      const fast = dense.get(layer);
      const run = lastReplacement?.layer === layer ? lastReplacement.clone : layer;
      const out = fast ? fast.apply(inputs[0]) : (run.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor | tf.Tensor[]);
      const outs = Array.isArray(out) ? out : [out];
      node.outputTensors.forEach((t: SymbolicTensor, i: number) => values.set(t.id, outs[i]));
    }
    return values;
  };

  return {
    featureShape: featureShape as number[],
    positions: (featureShape as number[]).slice(0, -1).reduce((a, b) => a * b, 1),
    channels: featureShape[featureShape.length - 1] as number,
    numClasses: outputShape[1] as number,
    strippedActivation,
    scores: (h) => walk(h, steps).get(output.id) as tf.Tensor2D,
    classScores(h, classes) {
      // A final dense layer computes only the rows' own classes: gather their columns of the kernel.
      const final = dense.get(steps[steps.length - 1]);
      if (final?.linear && steps[steps.length - 1] === output.sourceLayer) {
        const x = walk(h, steps.slice(0, -1)).get(onlyNode(output.sourceLayer).inputTensors[0].id)!;
        const index = tf.tensor1d(classes, 'int32');
        const score = tf.sum(tf.mul(x, tf.gather(final.transposed(), index)), 1);
        return (final.bias ? tf.add(score, tf.gather(final.bias, index)) : score) as tf.Tensor1D;
      }
      return tf.sum(tf.mul(walk(h, steps).get(output.id)!, oneHotRows(classes, outputShape[1] as number)), 1);
    },
    keptTensors: () => [...dense.values()].reduce((n, d) => n + d.kept(), 0),
    dispose() {
      // The copy was never called symbolically, so Layer.dispose() refuses it; free its variables.
      lastReplacement?.clone.weights.forEach((w) => w.dispose());
      dense.forEach((d) => d.dispose());
    },
  };
}
