/**
 * The head as one ONNX graph that computes a whole step of the direct ascent: from a batch of
 * feature maps H [N, ...featureShape], the rows' classes (a one-hot `select` [N, classes]) and step
 * sizes `eta` [N, 1], the class scores S_c(H) [N], the objectives J = S_c(H) − λ‖H‖² [N] and the
 * next iterates H + η(∇S_c(H) − 2λH) [N, ...featureShape].
 *
 * ONNX Runtime has no gradients in Node, so the input gradient is built here: the head's layers
 * walked forward, then in reverse with each layer's input-gradient nodes (layer-grads.ts: a
 * convolution's is the correlation of dy with the flipped, transposed kernel, a dense layer's the
 * product with the kernel transposed, …). Feature maps run channels-first ([N, C, L], ONNX's
 * layout): H is transposed once on the way in and the next iterate once on the way out. The
 * hidden-space step (buildHiddenGraph) walks the rest of the head the same way.
 *
 * A head with a layer this does not know gives `unsupported` (the reason), and the direct ascent
 * stays on TensorFlow.js. The graph is checked against tf.grad in test/unit/native-ascent.test.ts.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { Layer } from '../../tfl-types';
import { planHead } from '../../head';
import { activationName, onlyNode, type OutputSelection } from '../../outputs';
import { activate, forward, PASS_THROUGH, refuse, Unsupported, type Backward, type Value } from './layer-grads';
import { OnnxBuilder } from './onnx-builder';

/**
 * One graph input holding a slice of every state row, in row order: `dims` one row's shape;
 * `next` the graph output with the part's next value, none for a part that stays as it is (the
 * caller keeps it and feeds it again: no copy through the graph).
 */
export interface StatePart {
  input: string;
  dims: number[];
  next?: string;
}

/** A step graph: its ONNX bytes, one state row's shape and the inputs it is split into, the classes scored. */
export interface StepGraph {
  bytes: Uint8Array;
  featureShape: number[];
  numClasses: number;
  parts: StatePart[];
}

export type HeadGraph = StepGraph | { unsupported: string };

function attempt(make: () => HeadGraph): HeadGraph {
  try {
    return make();
  } catch (err) {
    if (err instanceof Unsupported) return { unsupported: err.message };
    throw err;
  }
}

/** The direct ascent's step (see the top of this file): inputs h, select, eta; outputs scores, objective, next. `rows`: at most this many rows per run (layer-grads.ts, forward). */
export function buildHeadGraph(model: LayersModel, layerIndex: number, selection: OutputSelection, l2: number, rows?: number): HeadGraph {
  return attempt(() => {
    const g = new OnnxBuilder();
    const { scores, grad, featureShape, numClasses } = headGradient(g, model, layerIndex, selection, 'h', rows);
    if (featureShape.length !== 2) throw new Unsupported(`the feature map has shape ${JSON.stringify(featureShape)}; only (positions, channels) maps`);
    // The step itself, in float32 as the TensorFlow.js path computes it.
    const norm = g.op('ReduceSum', [g.op('Mul', ['h', 'h']), g.int64s([1, 2])], { keepdims: 0 });
    g.output(scores, 'scores');
    g.output(g.op('Sub', [scores, g.op('Mul', [g.scalar(l2), norm])]), 'objective');
    const ascentDirection = g.op('Sub', [grad, g.op('Mul', [g.scalar(2 * l2), 'h'])]);
    const eta = g.op('Unsqueeze', ['eta', g.int64s([2])]);
    g.output(g.op('Add', ['h', g.op('Mul', [eta, ascentDirection])]), 'next');
    const bytes = g.encode(
      [
        ['h', featureShape],
        ['select', [numClasses]],
        ['eta', [1]],
      ],
      [
        ['scores', []],
        ['objective', []],
        ['next', featureShape],
      ],
    );
    return { bytes, featureShape, numClasses, parts: [{ input: 'h', dims: featureShape, next: 'next' }] };
  });
}

/**
 * The hidden-space ascent's step for a rest that is not ReLU → Dense (hidden.ts, tfjsPairs: the
 * same arithmetic): a state row is [a, ‖H₀‖², p₀, y, G y] (3U + 2 floats); z = a p₀ + G y + b₁ goes
 * through the dense layer's activation and the rest of the head (from layer `denseIndex`), and
 * the next state is [c a, ‖H₀‖², p₀, c y + η g, c G y + η G g] with c = 1 − 2λη and g = ∂S/∂z.
 * The row's five parts are five inputs: ‖H₀‖² and p₀ do not change and are not outputs (slicing
 * the row and concatenating the next one cost ~9 of 48 ms of a 1,024-row step of a 925-wide head).
 */
export function buildHiddenGraph(model: LayersModel, denseIndex: number, activation: string, selection: OutputSelection, gram: Float32Array, b1: Float32Array, l2: number): HeadGraph {
  return attempt(() => {
    const g = new OnnxBuilder();
    const u = b1.length;
    const [a, n0, p0, y, gy] = ['a', 'n0', 'p0', 'y', 'gy'];
    const z = g.op('Add', [g.op('Add', [g.op('Mul', [a, p0]), gy]), g.floats(b1, [u])]);
    const act = activate(g, model.layers[denseIndex], activation, z, g.scalar(0));
    const { scores, grad, numClasses } = headGradient(g, model, denseIndex, selection, act.y);
    const dz = act.dz(grad);
    const sum = (v: string) => g.op('ReduceSum', [v, g.int64s([1])], { keepdims: 1 });
    const norm = g.op('Add', [g.op('Add', [g.op('Mul', [g.op('Mul', [a, a]), n0]), g.op('Mul', [g.op('Mul', [g.scalar(2), a]), sum(g.op('Mul', [p0, y]))])]), sum(g.op('Mul', [y, gy]))]);
    g.output(scores, 'scores');
    g.output(g.op('Sub', [scores, g.op('Mul', [g.scalar(l2), g.op('Reshape', [norm, g.int64s([-1])])])]), 'objective');
    const c = g.op('Sub', [g.scalar(1), g.op('Mul', [g.scalar(2 * l2), 'eta'])]);
    const gdz = g.op('MatMul', [dz, g.floats(gram, [u, u])]);
    g.output(g.op('Mul', [c, a]), 'a_next');
    g.output(g.op('Add', [g.op('Mul', [c, y]), g.op('Mul', ['eta', dz])]), 'y_next');
    g.output(g.op('Add', [g.op('Mul', [c, gy]), g.op('Mul', ['eta', gdz])]), 'gy_next');
    const parts: StatePart[] = [
      { input: a, dims: [1], next: 'a_next' },
      { input: n0, dims: [1] },
      { input: p0, dims: [u] },
      { input: y, dims: [u], next: 'y_next' },
      { input: gy, dims: [u], next: 'gy_next' },
    ];
    const bytes = g.encode(
      [...parts.map((p): [string, number[]] => [p.input, p.dims]), ['select', [numClasses]], ['eta', [1]]],
      [['scores', []], ['objective', []], ...parts.filter((p) => p.next).map((p): [string, number[]] => [p.next!, p.dims])],
    );
    return { bytes, featureShape: [3 * u + 2], numClasses, parts };
  });
}

/**
 * Class scores (masked by the graph input `select`) of the head from layer `layerIndex`'s output,
 * given as the graph value `input` in TF.js's layout, and their gradient with respect to it
 * (same layout).
 */
function headGradient(g: OnnxBuilder, model: LayersModel, layerIndex: number, selection: OutputSelection, input: string, rows?: number) {
  const plan = planHead(model, layerIndex, selection);
  const { featureTensor, featureShape, outputs, scoreTensors, steps } = plan;
  if (featureShape.length > 2) throw new Unsupported(`the feature map has shape ${JSON.stringify(featureShape)}; only (positions, channels) maps`);
  const zero = g.scalar(0);

  // Final activations: an Activation/Softmax layer passes its input on; a layer with its own runs linear.
  const identity = new Set<Layer>();
  const linear = new Set<Layer>();
  for (const o of outputs) if (o.final) (o.final.mode === 'identity' ? identity : linear).add(o.final.layer);

  // A flat output whose scores are a dense layer's linear result, used by nothing else: its rows'
  // own classes come from gathered kernel columns (as head.ts does on TensorFlow.js) instead of a
  // product with every class's column and a mask. For a head like DeepSEA's deep tail this is 2 of
  // the 5 products of a 925-wide step.
  const gathered = new Set<Layer>();
  outputs.forEach((o, k) => {
    const layer = scoreTensors[k].sourceLayer as Layer;
    if (o.summary || layer.getClassName() !== 'Dense' || !steps.includes(layer)) return;
    if ((linear.has(layer) ? 'linear' : (activationName(layer) ?? 'linear')) !== 'linear') return;
    const out = onlyNode(layer).outputTensors[0];
    if (steps.some((l) => l !== layer && !identity.has(l) && onlyNode(l).inputTensors.some((t: SymbolicTensor) => t.id === out.id))) return;
    gathered.add(layer);
  });
  const gatherInputs = new Map<Layer, { x: Value; tensor: SymbolicTensor }>();

  const values = new Map<number, Value>();
  const backs = new Map<Layer, { back: Backward; inputs: SymbolicTensor[] }>();
  const map = featureShape.length === 2;
  values.set(featureTensor.id, map ? { name: g.op('Transpose', [input], { perm: [0, 2, 1] }), kind: 'ncl', dims: [featureShape[1], featureShape[0]] } : { name: input, kind: 'flat', dims: featureShape });
  for (const layer of steps) {
    const node = onlyNode(layer);
    const inputs = node.inputTensors.map((t: SymbolicTensor) => values.get(t.id));
    if (inputs.some((v) => !v)) refuse(layer, 'an input the graph does not compute');
    if (node.outputTensors.length !== 1) refuse(layer, 'several outputs');
    if (gathered.has(layer) && inputs[0]!.kind === 'flat') {
      // computed with the scores, below
      gatherInputs.set(layer, { x: inputs[0]!, tensor: node.inputTensors[0] });
      values.set(node.outputTensors[0].id, { name: '', kind: 'flat', dims: [] });
      continue;
    }
    const act = linear.has(layer) ? 'linear' : (activationName(layer) ?? 'linear');
    const { out, back } = identity.has(layer) || PASS_THROUGH.test(layer.getClassName()) ? { out: inputs[0]!, back: (dy: string) => [dy] } : forward(g, layer, inputs as Value[], act, zero, rows);
    values.set(node.outputTensors[0].id, out);
    backs.set(layer, { back, inputs: node.inputTensors });
  }

  // Scores: each selected output summarised (profiles summed over their window), masked by `select`.
  const numClasses = outputs.reduce((a, o) => a + o.units, 0);
  const grads = new Map<number, string>();
  const addGrad = (t: SymbolicTensor, dx: string) => {
    const known = grads.get(t.id);
    grads.set(t.id, known ? g.op('Add', [known, dx]) : dx);
  };
  let scores: string | null = null;
  outputs.forEach((o, k) => {
    const v = values.get(scoreTensors[k].id)!;
    const select = numClasses === o.units ? 'select' : g.op('Slice', ['select', g.int64s([o.classStart]), g.int64s([o.classStart + o.units]), g.int64s([1])]);
    let summary: string;
    let seed: string;
    const gather = gatherInputs.get(scoreTensors[k].sourceLayer as Layer);
    if (gather) {
      // s = (x · W[:, c] + b[c]) · m per row, c its class (the one-hot's argmax), m = 1 when c is in this output.
      const [kernel, bias] = (scoreTensors[k].sourceLayer as Layer).getWeights().map((w) => ({ data: w.dataSync() as Float32Array, shape: w.shape }));
      const [n, units] = kernel.shape;
      const wt = new Float32Array(n * units);
      for (let i = 0; i < n; i++) for (let j = 0; j < units; j++) wt[j * n + i] = kernel.data[i * units + j];
      const cls = g.op('ArgMax', [select], { axis: 1, keepdims: 0 });
      const inOutput = g.op('ReduceSum', [select, g.int64s([1])], { keepdims: 1 });
      const columns = g.op('Gather', [g.floats(wt, [units, n]), cls], { axis: 0 });
      let s = g.op('ReduceSum', [g.op('Mul', [gather.x.name, columns]), g.int64s([1])], { keepdims: 1 });
      if (bias) s = g.op('Add', [s, g.op('Unsqueeze', [g.op('Gather', [g.floats(bias.data, [units]), cls], { axis: 0 }), g.int64s([1])])]);
      s = g.op('Reshape', [g.op('Mul', [s, inOutput]), g.int64s([-1])]);
      scores = scores ? g.op('Add', [scores, s]) : s;
      addGrad(gather.tensor, g.op('Mul', [columns, inOutput]));
      return;
    }
    if (v.kind === 'flat') {
      if (o.summary) throw new Unsupported(`output '${o.name}': a summarised output that is not a profile`);
      summary = v.name;
      seed = select;
    } else {
      if (!o.summary) throw new Unsupported(`output '${o.name}' is a feature map without a summary`);
      const [a, b] = o.summary.positions;
      const length = v.dims[1];
      const window = a === 0 && b === length - 1 ? v.name : g.op('Slice', [v.name, g.int64s([a]), g.int64s([b + 1]), g.int64s([2])]);
      summary = g.op('ReduceSum', [window, g.int64s([2])], { keepdims: 0 });
      const spread = g.op('Expand', [g.op('Unsqueeze', [select, g.int64s([2])]), g.int64s([1, 1, b - a + 1])]);
      seed = a === 0 && b === length - 1 ? spread : g.op('Pad', [spread, g.int64s([0, 0, a, 0, 0, length - 1 - b]), zero]);
    }
    const s = g.op('ReduceSum', [g.op('Mul', [summary, select]), g.int64s([1])], { keepdims: 0 });
    scores = scores ? g.op('Add', [scores, s]) : s;
    addGrad(scoreTensors[k], seed);
  });

  // The input gradient, layer by layer in reverse.
  for (const layer of [...steps].reverse()) {
    const out = onlyNode(layer).outputTensors[0];
    const dy = grads.get(out.id);
    if (!dy) continue;
    const { back, inputs } = backs.get(layer)!;
    back(dy).forEach((dx, i) => dx && addGrad(inputs[i], dx));
  }
  const gradNcl = grads.get(featureTensor.id);
  if (!gradNcl) throw new Unsupported('the class scores do not depend on the feature map');
  const grad = map ? g.op('Transpose', [gradNcl], { perm: [0, 2, 1] }) : gradNcl;
  return { scores: scores!, grad, featureShape, numClasses };
}
