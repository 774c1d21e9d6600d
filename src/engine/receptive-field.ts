/**
 * The receptive field of a layer's positions along the input sequence, from the layers between
 * the input and it: kernel sizes, strides, dilations and paddings of convolutions and pooling,
 * croppings and paddings, merges of branches (the union of their fields). Output position i of
 * the layer sees input positions start + i·stride … start + i·stride + size − 1 (0-based; they
 * may reach outside the input where the layers pad). A layer whose output position depends on
 * the whole input (recurrent, attention, dense over positions, global pooling, a reshape of the
 * sequence axis, or a kind not listed here) makes the field the whole input, with the reason.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { Layer } from './tfl-types';
import { layerKind, OnnxOp } from './custom-layers/onnx-op';

export interface ReceptiveField {
  /** Input positions one output position sees. */
  size: number;
  /** Input positions between neighbouring output positions (the product of the strides). */
  stride: number;
  /** First input position seen by output position 0 (negative: in the padding). */
  start: number;
  /** Axis of the layer's output (without the batch axis) that runs along the sequence; null when the field is the whole input. */
  axis: number | null;
  /** Output positions along that axis (1 when the field is the whole input). */
  positions: number;
  /** Input length. */
  length: number;
  /** Why every output position sees the whole input (absent when the field is local). */
  whole?: string;
}

/** Layers that map each position to the same position (element-wise, per-position dense, normalisation at inference). */
const SAME_POSITION = new Set([
  'Activation', 'ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax', 'BatchNormalization', 'LayerNormalization',
  'Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout', 'Dense', 'MatMul', 'Gemm',
  'Add', 'Subtract', 'Multiply', 'Average', 'Maximum', 'Minimum', 'Concatenate', 'Identity', 'Cast', 'Clip',
  // ONNX element-wise ops keep their op type as their kind (src/engine/load/onnx/lower-elementwise.ts).
  'Relu', 'Sigmoid', 'Tanh', 'Elu', 'Celu', 'Selu', 'LeakyRelu', 'ThresholdedRelu', 'Softplus', 'Softsign', 'HardSigmoid', 'HardSwish',
  'Mish', 'Gelu', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sin', 'Cos', 'Erf', 'Sign',
  'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'PRelu', 'Where', 'InstanceNormalization',
]);
const CONVOLUTION = /^(Conv[12]D|SeparableConv[12]D|DepthwiseConv[12]D|LocallyConnected[12]D)$/;
const POOLING = /^(MaxPooling[12]D|AveragePooling[12]D)$/;
const GLOBAL = /^(GlobalMaxPooling[123]D|GlobalAveragePooling[123]D)$/;

type Dim = number | null;

function outputShape(layer: Layer): Dim[] {
  const shape = layer.outputShape as Dim[] | Dim[][];
  return ((Array.isArray(shape[0]) ? shape[0] : shape) as Dim[]).slice(1);
}

/** Entry `i` of a Keras size argument (a number or one per spatial axis). */
function nth(v: unknown, i: number, fallback: number): number {
  if (Array.isArray(v)) return Number(v[i] ?? v[0] ?? fallback);
  return typeof v === 'number' ? v : fallback;
}

/** Padding before the first window, as TF.js computes it for 'same' (the smaller half first) and 'causal'. */
function padBefore(padding: string, length: number, kernel: number, stride: number, dilation: number): number {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'causal') return span - 1;
  if (padding !== 'same') return 0;
  const total = Math.max((Math.ceil(length / stride) - 1) * stride + span - length, 0);
  return Math.floor(total / 2);
}

/** One window step (convolution or pooling) along the sequence axis. */
function window(f: ReceptiveField, out: Dim[], kernel: number, stride: number, dilation: number, before: number): ReceptiveField {
  return {
    ...f,
    size: f.size + (kernel - 1) * dilation * f.stride,
    start: f.start - before * f.stride,
    stride: f.stride * stride,
    positions: Number(out[f.axis!] ?? 1),
  };
}

function wholeInput(length: number, why: string): ReceptiveField {
  return { size: length, stride: length, start: 0, axis: null, positions: 1, length, whole: why };
}

/**
 * The receptive field of `layerIndex`'s output positions. `sequenceAxis` is the input's sequence
 * axis (InputLayout.sequenceAxis, without the batch axis) and `length` the input length.
 */
export function receptiveField(model: LayersModel, layerIndex: number, sequenceAxis: number, length: number): ReceptiveField {
  const memo = new Map<Layer, ReceptiveField>();

  const of = (layer: Layer): ReceptiveField => {
    const hit = memo.get(layer);
    if (hit) return hit;
    const f = compute(layer);
    memo.set(layer, f);
    return f;
  };

  const compute = (layer: Layer): ReceptiveField => {
    if (layer.getClassName() === 'InputLayer') return { size: 1, stride: 1, start: 0, axis: sequenceAxis, positions: length, length };
    const kind = layerKind(layer);
    const sources = (layer.inboundNodes[0]?.inboundLayers ?? []) as Layer[];
    if (!sources.length) return wholeInput(length, `layer '${layer.name}' has no input`);
    const fields = sources.map(of);
    const whole = fields.find((f) => f.whole);
    if (whole) return { ...wholeInput(length, whole.whole!) };
    const f = fields[0];
    const out = outputShape(layer);
    const axis = f.axis!;
    // Channels last: spatial axes are 0 … rank − 2; index s of the sequence among them.
    const s = axis;
    const config = layer instanceof OnnxOp ? {} : (layer.getConfig() as Record<string, unknown>);
    const attrs = layer instanceof OnnxOp ? (layer.attrs as Record<string, unknown>) : {};
    const inLength = Number(outputShape(sources[0])[axis] ?? 0);

    if (GLOBAL.test(kind)) return wholeInput(length, `layer '${layer.name}' (${kind}) pools over the whole sequence`);
    if (CONVOLUTION.test(kind) || POOLING.test(kind)) {
      if (out.length - 1 <= s) return wholeInput(length, `layer '${layer.name}' (${kind}) has no sequence axis`);
      if (layer instanceof OnnxOp) {
        const kernel = kind.includes('Pool') ? nth(attrs.kernel, s, 1) : nth(layer.weightShapes[0]?.[s], 0, 1);
        const pads = (attrs.pads as [number, number][] | undefined)?.[s] ?? [0, 0];
        return window(f, out, kernel, nth(attrs.strides, s, 1), nth(attrs.dilations, s, 1), pads[0]);
      }
      const pooling = POOLING.test(kind);
      const kernel = nth(pooling ? config.poolSize : config.kernelSize, s, 1);
      const stride = nth(config.strides, s, pooling ? kernel : 1);
      const dilation = pooling ? 1 : nth(config.dilationRate, s, 1);
      return window(f, out, kernel, stride, dilation, padBefore(String(config.padding ?? 'valid'), inLength, kernel, stride, dilation));
    }
    if (/^(Cropping|ZeroPadding)[12]D$/.test(kind)) {
      let before = 0;
      if (layer instanceof OnnxOp) before = -((attrs.pads as [number, number][] | undefined)?.[s + 1]?.[0] ?? 0);
      else {
        const v = (kind.startsWith('Cropping') ? config.cropping : config.padding) as unknown;
        const pair = Array.isArray(v) && Array.isArray(v[0]) ? (v as number[][])[s] : (v as number[] | number);
        const first = Array.isArray(pair) ? Number(pair[0]) : Number(pair);
        before = kind.startsWith('Cropping') ? first : -first;
      }
      return { ...f, start: f.start + before * f.stride, positions: Number(out[axis] ?? 1) };
    }
    if (kind === 'Permute' && !(layer instanceof OnnxOp)) {
      const dims = (config.dims as number[]) ?? [];
      const next = dims.indexOf(axis + 1);
      if (next < 0) return wholeInput(length, `layer '${layer.name}' (Permute) moves the sequence axis away`);
      return { ...f, axis: next };
    }
    if (SAME_POSITION.has(kind)) {
      const sameAxis = fields.every((g) => g.axis === axis && g.stride === f.stride);
      const sameLength = sources.every((src) => outputShape(src)[axis] === out[axis]) && out.length === outputShape(sources[0]).length;
      // Dense/MatMul act on the last axis: per position only while the sequence is not that axis.
      const perPosition = !/^(Dense|MatMul|Gemm|Softmax)$/.test(kind) || axis < out.length - 1;
      // (A concatenation along the sequence changes its length: not same-length, so not here.)
      if (sameAxis && sameLength && perPosition) {
        const start = Math.min(...fields.map((g) => g.start));
        const end = Math.max(...fields.map((g) => g.start + g.size));
        return { ...f, start, size: end - start, positions: Number(out[axis] ?? 1) };
      }
    }
    return wholeInput(length, `layer '${layer.name}' (${kind}) mixes positions in a way the receptive field is not traced through`);
  };

  return of(model.layers[layerIndex] as Layer);
}

/** Output positions whose field lies inside the input (no padding seen). */
export function interiorPositions(f: ReceptiveField): number[] {
  const out: number[] = [];
  for (let i = 0; i < f.positions; i++) {
    const a = f.start + i * f.stride;
    if (a >= 0 && a + f.size <= f.length) out.push(i);
  }
  return out;
}
