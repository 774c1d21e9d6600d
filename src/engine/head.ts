/**
 * Splitting a model at the analysis layer. The head is the part of the network from the analysis
 * layer's output to the class scores, as a function of a batch of feature maps H. The classes are
 * the units of the selected outputs (outputs.ts), one after the other; a class score is taken
 * before the output's final sigmoid or softmax, and a profile output (N, positions, channels) is
 * summed over its positions (or a window of them) to one score per channel.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer, Shape } from './tfl-types';
import { UserError } from './errors';
import { activationName, isShapeOnly, onlyNode, selectOutputs, type OutputSelection, type OutputSummary, type SelectedOutput } from './outputs';

/** One selected output as the head scores it (what the results document records). */
export interface HeadOutput {
  name: string;
  layerName: string;
  /** TF.js output shape without the batch axis. */
  shape: number[];
  positions: number;
  units: number;
  /** Index of its first class in the head's class list. */
  classStart: number;
  /** Index of its first unit among all the model's outputs' units (starts are drawn for it). */
  seedStart: number;
  strippedActivation: string | null;
  summary: OutputSummary | null;
}

export interface Head {
  /** Shape of one feature map (no batch axis): positions…, channels. */
  featureShape: number[];
  positions: number;
  channels: number;
  numClasses: number;
  /** The final activation removed ('sigmoid', 'softmax'), when every selected output had the same one; else null (see outputs). */
  strippedActivation: string | null;
  outputs: HeadOutput[];
  /** Class scores [N, classes] for feature maps H [N, ...featureShape]. */
  scores(h: tf.Tensor): tf.Tensor2D;
  /** The score of one class per row, [N]: `classes[i]` for H[i]. Cheaper than `scores` when the head ends with a dense layer. */
  classScores(h: tf.Tensor, classes: number[]): tf.Tensor1D;
  /** Tensors the head keeps between calls (transposed kernels made on first use), freed by dispose. */
  keptTensors(): number;
  /** Frees the tensors the head made (a linear copy of the last layer, transposed kernels). */
  dispose(): void;
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

/** What the head computes, found on the model's graph alone (no tensors): also used to choose a default layer. */
export interface HeadPlan {
  analysis: Layer;
  featureTensor: SymbolicTensor;
  featureShape: number[];
  outputs: SelectedOutput[];
  /** Per selected output, the tensor that holds its scores (before a final Activation/Softmax layer that is the output). */
  scoreTensors: SymbolicTensor[];
  /** Per selected output, the layers it needs after the analysis layer. */
  needs: Set<Layer>[];
  /** Every layer needed, in the model's topological order. */
  steps: Layer[];
}

/** The output's own layers at its end: shape-only layers back from the output and the layer before them. */
function tailOf(o: SelectedOutput): Layer[] {
  const tail: Layer[] = [];
  let layer: Layer = o.tensor.sourceLayer;
  for (;;) {
    tail.push(layer);
    if (!(isShapeOnly(layer) && layer.inboundNodes.length === 1 && layer.inboundNodes[0].inputTensors.length === 1)) break;
    layer = layer.inboundNodes[0].inputTensors[0].sourceLayer;
  }
  return tail;
}

export function planHead(model: LayersModel, layerIndex: number, selection: OutputSelection = {}): HeadPlan {
  const analysis = model.layers[layerIndex];
  if (!analysis) throw new UserError(`no layer with index ${layerIndex}`);
  const featureTensor = onlyNode(analysis).outputTensors[0];
  const featureShape = featureTensor.shape.slice(1);
  if (featureShape.some((d: number | null) => d === null)) {
    throw new UserError(`the output of layer '${analysis.name}' has an unspecified size (${JSON.stringify(featureTensor.shape)}); give the input length`);
  }
  const outputs = selectOutputs(model, selection);
  for (const o of outputs) {
    if (o.tensor.sourceLayer === analysis) throw new UserError(`layer '${analysis.name}' is the output layer${o.name !== analysis.name ? ` (output '${o.name}')` : ''}; choose a layer before it`);
    const tail = tailOf(o);
    if (tail.includes(analysis)) {
      throw new UserError(
        o.final
          ? `layer '${analysis.name}' is the final activation (${o.final.activation}) of output '${o.name}'; choose a layer before it`
          : `layer '${analysis.name}' is output '${o.name}' (only reshaped after it); choose a layer before it`,
      );
    }
  }
  const scoreTensors = outputs.map((o) => (o.final?.mode === 'identity' && o.tensor.sourceLayer === o.final.layer ? onlyNode(o.final.layer).inputTensors[0] : o.tensor));
  // Keep only the layers each output depends on, walking back from its scores to the feature map.
  const needs = outputs.map((o, k) => {
    const needed = new Set<Layer>();
    const stack: SymbolicTensor[] = [scoreTensors[k]];
    const seen = new Set<number>();
    while (stack.length) {
      const t = stack.pop()!;
      if (t.id === featureTensor.id || seen.has(t.id)) continue;
      seen.add(t.id);
      const layer = t.sourceLayer;
      if (layer.getClassName() === 'InputLayer') {
        throw new UserError(
          outputs.length > 1 || model.outputs.length > 1
            ? `output '${o.name}' depends on the model input other than through layer '${analysis.name}' (a branch or skip connection around it); choose a layer every selected output uses, or pick one with --output`
            : `the class scores depend on the model input other than through layer '${analysis.name}' (a skip connection around it); choose a later layer`,
        );
      }
      needed.add(layer);
      stack.push(...onlyNode(layer).inputTensors);
    }
    return needed;
  });
  // A final activation is removed for its own output only: another output must not compute through it.
  outputs.forEach((o, i) => {
    if (!o.final) return;
    needs.forEach((set, j) => {
      if (j !== i && set.has(o.final!.layer) && outputs[j].final?.layer !== o.final!.layer) {
        throw new UserError(`output '${outputs[j].name}' is computed from the final activation of output '${o.name}'; analyse them one at a time with --output`);
      }
    });
  });
  // A head of nothing but the removed activation and reshapes scores H itself: every start ends at H = 1/(2λ).
  outputs.forEach((o, k) => {
    const identity = (l: Layer) => isShapeOnly(l) || (o.final?.mode === 'identity' && l === o.final.layer);
    if (![...needs[k]].every(identity)) return;
    throw new UserError(`layer '${analysis.name}' holds the scores of output '${o.name}'${o.final ? ` before its final activation (${o.final.activation})` : ''}: nothing but reshaping follows it; choose a layer before it`);
  });
  const union = new Set(needs.flatMap((s) => [...s]));
  return { analysis, featureTensor, featureShape: featureShape as number[], outputs, scoreTensors, needs, steps: model.layers.filter((l) => union.has(l)) };
}

/** [N, units] from an output's value: itself, or a profile summed over its window of positions. */
function summarise(o: SelectedOutput, value: tf.Tensor): tf.Tensor2D {
  if (!o.summary) return value as tf.Tensor2D;
  const n = value.shape[0];
  const [a, b] = o.summary.positions;
  const flat = tf.reshape(value, [n, o.positions, o.units]);
  const window = a === 0 && b === o.positions - 1 ? flat : tf.slice(flat, [0, a, 0], [n, b - a + 1, o.units]);
  return tf.sum(window, 1) as tf.Tensor2D;
}

export function splitModel(model: LayersModel, layerIndex: number, selection: OutputSelection = {}): Head {
  const plan = planHead(model, layerIndex, selection);
  const { featureTensor, featureShape, outputs, steps, scoreTensors } = plan;

  // Final activations: an Activation/Softmax layer passes its input on; a layer with its own runs as a linear copy.
  const identity = new Set<Layer>();
  const linear = new Map<Layer, Layer>();
  const clones: Layer[] = [];
  for (const o of outputs) {
    if (!o.final) continue;
    if (o.final.mode === 'identity') identity.add(o.final.layer);
    else if (!linear.has(o.final.layer)) {
      const isDense2d = o.final.layer.getClassName() === 'Dense' && onlyNode(o.final.layer).inputTensors[0].shape.length === 2;
      if (!isDense2d) {
        const clone = withLinearActivation(o.final.layer, onlyNode(o.final.layer).inputTensors[0].shape);
        clones.push(clone);
        linear.set(o.final.layer, clone);
      } else linear.set(o.final.layer, o.final.layer);
    }
  }
  const dense = new Map(
    steps
      .filter((l) => l.getClassName() === 'Dense' && onlyNode(l).inputTensors[0].shape.length === 2)
      .map((l) => [l, denseWithTransposedKernel(l, linear.get(l) === l)] as const),
  );

  /** Runs the steps from H, returning every tensor computed, by symbolic tensor id. */
  const walk = (h: tf.Tensor, upTo: Layer[]) => {
    const values = new Map<number, tf.Tensor>([[featureTensor.id, h]]);
    for (const layer of upTo) {
      const node = onlyNode(layer);
      const inputs = node.inputTensors.map((t: SymbolicTensor) => values.get(t.id)!);
      let out: tf.Tensor | tf.Tensor[];
      const fast = dense.get(layer);
      if (identity.has(layer)) out = inputs[0];
      else if (fast) out = fast.apply(inputs[0]);
      else out = (linear.get(layer) ?? layer).apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
      const outs = Array.isArray(out) ? out : [out];
      node.outputTensors.forEach((t: SymbolicTensor, i: number) => values.set(t.id, outs[i]));
    }
    return values;
  };

  // An output whose tensor is a final dense layer's (linear) result: its rows' own classes come
  // from gathered kernel columns, without computing the other classes.
  const finalDense = outputs.map((o, k) => {
    const d = dense.get(scoreTensors[k].sourceLayer);
    return d?.linear && !o.summary ? d : null;
  });
  const stepsFor = new Map<string, Layer[]>();
  /** The steps the outputs `touched` need, leaving out final dense layers computed by gathering. */
  const stepsOf = (touched: number[]) => {
    const key = touched.join(',');
    let s = stepsFor.get(key);
    if (!s) {
      const needed = new Set<Layer>();
      for (const k of touched) plan.needs[k].forEach((l) => needed.add(l));
      for (const k of touched) if (finalDense[k]) needed.delete(scoreTensors[k].sourceLayer);
      // …unless another touched output computes through it.
      for (const k of touched) for (const j of touched) if (j !== k && finalDense[k] && plan.needs[j].has(scoreTensors[k].sourceLayer)) needed.add(scoreTensors[k].sourceLayer);
      s = steps.filter((l) => needed.has(l));
      stepsFor.set(key, s);
    }
    return s;
  };
  const numClasses = outputs.reduce((a, o) => a + o.units, 0);
  const outputOf = (c: number) => {
    for (let k = outputs.length - 1; k >= 0; k--) if (c >= outputs[k].classStart) return k;
    return 0;
  };
  const stripped = [...new Set(outputs.map((o) => o.final?.activation ?? null))];

  return {
    featureShape,
    positions: featureShape.slice(0, -1).reduce((a, b) => a * b, 1),
    channels: featureShape[featureShape.length - 1],
    numClasses,
    strippedActivation: stripped.length === 1 ? stripped[0] : null,
    outputs: outputs.map((o) => ({
      name: o.name,
      layerName: o.layerName,
      shape: o.shape,
      positions: o.positions,
      units: o.units,
      classStart: o.classStart,
      seedStart: o.seedStart,
      strippedActivation: o.final?.activation ?? null,
      summary: o.summary,
    })),
    scores(h) {
      const values = walk(h, steps);
      const parts = outputs.map((o, k) => summarise(o, values.get(scoreTensors[k].id)!));
      return parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D);
    },
    classScores(h, classes) {
      const which = classes.map(outputOf);
      const touched = [...new Set(which)].sort((a, b) => a - b);
      const values = walk(h, stepsOf(touched));
      let total: tf.Tensor1D | null = null;
      for (const k of touched) {
        const o = outputs[k];
        // Rows of other outputs take unit 0 here and are masked out below.
        const units = classes.map((c, i) => (which[i] === k ? c - o.classStart : 0));
        const final = finalDense[k];
        let score: tf.Tensor1D;
        if (final) {
          const x = values.get(onlyNode(scoreTensors[k].sourceLayer).inputTensors[0].id)!;
          const index = tf.tensor1d(units, 'int32');
          const s = tf.sum(tf.mul(x, tf.gather(final.transposed(), index)), 1);
          score = (final.bias ? tf.add(s, tf.gather(final.bias, index)) : s) as tf.Tensor1D;
        } else {
          score = tf.sum(tf.mul(summarise(o, values.get(scoreTensors[k].id)!), oneHotRows(units, o.units)), 1);
        }
        if (touched.length > 1) score = tf.mul(score, tf.tensor1d(which.map((w) => (w === k ? 1 : 0)))) as tf.Tensor1D;
        total = total ? (tf.add(total, score) as tf.Tensor1D) : score;
      }
      return total!;
    },
    keptTensors: () => [...dense.values()].reduce((n, d) => n + d.kept(), 0),
    dispose() {
      // The copies were never called symbolically, so Layer.dispose() refuses them; free their variables.
      clones.forEach((c) => c.weights.forEach((w) => w.dispose()));
      dense.forEach((d) => d.dispose());
    },
  };
}
