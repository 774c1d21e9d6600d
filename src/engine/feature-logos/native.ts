/**
 * The sub-model of model-derived logos (from the one-hot input to the channel's layer) as one
 * ONNX graph for ONNX Runtime's native CPU kernels: the layers' forward nodes of the native
 * ascent (ascent/native/layer-grads.ts), no gradients. Outputs, channels last as TensorFlow.js
 * gives them: `post` the layer's output and, when windows are ranked before a monotone
 * activation (ranking.ts, preActivationKind), `pre` its input; a fused activation is applied to
 * the pre-activation in the graph, so the layer is computed once. A layer the builder does not
 * know gives `unsupported` (the reason) and the logos run on TensorFlow.js.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { InputLayout } from '../load/model';
import { activationName, onlyNode } from '../outputs';
import type { Layer } from '../tfl-types';
import { activate, forward, PASS_THROUGH, refuse, Unsupported, type Value } from '../ascent/native/layer-grads';
import { OnnxBuilder } from '../ascent/native/onnx-builder';
import { preActivationKind } from './ranking';

export type LogoGraph = { bytes: Uint8Array; outShape: number[]; ranked: boolean } | { unsupported: string };

/** Layers whose outputs `layer` depends on (itself included). */
function upstream(layer: Layer): Set<Layer> {
  const seen = new Set<Layer>();
  const stack = [layer];
  while (stack.length) {
    const l = stack.pop()!;
    if (seen.has(l)) continue;
    seen.add(l);
    for (const node of l.inboundNodes) for (const below of node.inboundLayers) stack.push(below as Layer);
  }
  return seen;
}

export function buildLogoGraph(model: LayersModel, source: number, layout: InputLayout): LogoGraph {
  try {
    const shape = layout.shape as number[];
    if (shape.length !== 2) throw new Unsupported(`the input has shape ${JSON.stringify(shape)}; only (positions, letters) inputs`);
    const g = new OnnxBuilder();
    const zero = g.scalar(0);
    const L = layout.length!;
    const x: Value = { name: layout.sequenceAxis === 0 ? g.op('Transpose', ['x'], { perm: [0, 2, 1] }) : 'x', kind: 'ncl', dims: [4, L] };
    const values = new Map<number, Value>([[(model.inputs[0] as SymbolicTensor).id, x]]);
    const target = model.layers[source] as Layer;
    const needed = upstream(target);
    let post: Value | null = null;
    let pre: Value | null = null;
    for (const layer of model.layers.slice(0, source + 1) as Layer[]) {
      if (!needed.has(layer) || layer.getClassName() === 'InputLayer') continue;
      const node = onlyNode(layer);
      const inputs = node.inputTensors.map((t: SymbolicTensor) => values.get(t.id));
      if (inputs.some((v) => !v)) refuse(layer, 'an input the graph does not compute');
      if (node.outputTensors.length !== 1) refuse(layer, 'several outputs');
      const act = activationName(layer) ?? 'linear';
      const isTarget = layer === target;
      const where = isTarget ? preActivationKind(layer) : null;
      let out: Value;
      if (PASS_THROUGH.test(layer.getClassName())) out = inputs[0]!;
      else if (where === 'fused') {
        const z = forward(g, layer, inputs as Value[], 'linear', zero).out;
        pre = z;
        out = { ...z, name: activate(g, layer, act, z.name, zero).y };
      } else {
        out = forward(g, layer, inputs as Value[], act, zero).out;
        if (where === 'separate') pre = inputs[0]!;
      }
      values.set(node.outputTensors[0].id, out);
      if (isTarget) post = out;
    }
    if (!post || post.kind !== 'ncl') throw new Unsupported('the layer is not a (positions, channels) map');
    const [channels, length] = post.dims;
    const outShape = [length, channels];
    const nlc = (v: Value) => g.op('Transpose', [v.name], { perm: [0, 2, 1] });
    g.output(nlc(post), 'post');
    if (pre) g.output(nlc(pre), 'pre');
    const bytes = g.encode([['x', shape]], [['post', outShape], ...(pre ? ([['pre', outShape]] as [string, number[]][]) : [])]);
    return { bytes, outShape, ranked: !!pre };
  } catch (err) {
    if (err instanceof Unsupported) return { unsupported: err.message };
    // A layer used twice (onlyNode) is not for this graph either: TensorFlow.js computes it.
    if (err instanceof Error && /used more than once/.test(err.message)) return { unsupported: err.message };
    throw err;
  }
}
