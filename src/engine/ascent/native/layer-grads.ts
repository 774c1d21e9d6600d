/**
 * Each layer of a head as ONNX nodes: its forward value and, from its output's gradient, its
 * inputs' gradients (head-graph.ts walks the head with them, forward then in reverse). Feature maps
 * are channels-first [N, C, L]; what a layer's gradient is, and why, is in docs/method.md.
 * A layer this does not know throws Unsupported, naming it.
 */
import type { Layer } from '../../tfl-types';
import { isShapeOnly } from '../../outputs';
import type { OnnxBuilder } from './onnx-builder';

/** A value in the graph: 'ncl' a feature map [N, C, L] (dims [C, L]); 'flat' [N, F] (dims [F]). */
export interface Value {
  name: string;
  kind: 'ncl' | 'flat';
  dims: number[];
}

/** The input gradients of one layer's inputs from its output gradient (null: none flows). */
export type Backward = (dy: string) => (string | null)[];

const first = (v: unknown): number => (Array.isArray(v) ? Number(v[0]) : Number(v));
export const PASS_THROUGH = /^(Dropout|SpatialDropout1D|GaussianNoise|GaussianDropout|AlphaDropout|InputLayer)$/;
const ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus', 'exponential']);

export class Unsupported extends Error {}
export const refuse = (layer: Layer, why: string): never => {
  throw new Unsupported(`layer '${layer.name}' (${layer.getClassName()}): ${why}`);
};

/** y = act(z) and dz from dy (z: the pre-activation, y: the output). */
export function activate(g: OnnxBuilder, layer: Layer, act: string, z: string, zero: string): { y: string; dz: (dy: string) => string } {
  if (!ACTIVATIONS.has(act)) refuse(layer, `activation '${act}'`);
  switch (act) {
    case 'linear':
      return { y: z, dz: (dy) => dy };
    case 'relu': {
      const y = g.op('Relu', [z]);
      return { y, dz: (dy) => g.op('Where', [g.op('Greater', [y, zero]), dy, zero]) };
    }
    case 'sigmoid': {
      const y = g.op('Sigmoid', [z]);
      return { y, dz: (dy) => g.op('Mul', [dy, g.op('Mul', [y, g.op('Sub', [g.scalar(1), y])])]) };
    }
    case 'tanh': {
      const y = g.op('Tanh', [z]);
      return { y, dz: (dy) => g.op('Mul', [dy, g.op('Sub', [g.scalar(1), g.op('Mul', [y, y])])]) };
    }
    case 'elu': {
      const y = g.op('Elu', [z], { alpha: { float: 1 } });
      // elu′ = 1 where y ≥ 0, y + 1 below: min(y, 0) + 1, the same numbers in 3 element-wise
      // passes instead of 4 (a pass over 1,024 × 925 floats costs ~1 ms on this machine).
      return { y, dz: (dy) => g.op('Mul', [dy, g.op('Add', [g.op('Min', [y, zero]), g.scalar(1)])]) };
    }
    case 'softplus': {
      const y = g.op('Softplus', [z]);
      return { y, dz: (dy) => g.op('Mul', [dy, g.op('Sigmoid', [z])]) };
    }
    default: {
      const y = g.op('Exp', [z]);
      return { y, dz: (dy) => g.op('Mul', [dy, y]) };
    }
  }
}

/** Upsamples [N, C, Lp] by `p` along L and pads it to `length` with zeros. */
function spreadPooled(g: OnnxBuilder, v: string, p: number, pooled: number, length: number, zero: string): string {
  const spread = g.op('Reshape', [g.op('Expand', [g.op('Unsqueeze', [v, g.int64s([3])]), g.int64s([1, 1, 1, p])]), g.int64s([0, 0, pooled * p])]);
  return pooled * p === length ? spread : g.op('Pad', [spread, g.int64s([0, 0, 0, 0, 0, length - pooled * p]), zero]);
}

/**
 * `rows`: at most how many rows a run of the graph has (unknown: any). A dense layer's input
 * gradient dz·Wᵀ for a few rows and a kernel far larger than the caches runs as (W·dzᵀ)ᵀ: ONNX
 * Runtime then streams W once in row order on every thread (DeepSEA's 50,880 × 925 at 10 rows:
 * 5.6 ms on two threads against 9.9 ms for Gemm with transB, 11.7 against 14.2 ms on one); at 64
 * rows or with a kernel of 10 MB the Gemm is faster.
 */
export function forward(g: OnnxBuilder, layer: Layer, inputs: Value[], act: string, zero: string, rows?: number): { out: Value; back: Backward } {
  const cls = layer.getClassName();
  const config = layer.getConfig() as Record<string, unknown>;
  const [x] = inputs;
  const weights = () => layer.getWeights().map((w) => ({ data: w.dataSync() as Float32Array, shape: w.shape }));
  const ncl = () => x.kind === 'ncl' || refuse(layer, 'an input that is not a (positions, channels) map');

  switch (cls) {
    case 'Conv1D': {
      ncl();
      if (first(config.strides) !== 1) refuse(layer, 'strides other than 1');
      const [kernel, bias] = weights();
      const [k, cin, cout] = kernel.shape;
      const d = first(config.dilationRate ?? 1);
      const span = d * (k - 1);
      const padding = String(config.padding);
      const [pl, pr] = padding === 'valid' ? [0, 0] : padding === 'same' ? [Math.floor(span / 2), span - Math.floor(span / 2)] : refuse(layer, `padding '${padding}'`);
      // ONNX kernels: forward [Cout, Cin, K]; gradient [Cin, Cout, K] flipped along K.
      const w = new Float32Array(cout * cin * k);
      const wBack = new Float32Array(cin * cout * k);
      for (let t = 0; t < k; t++)
        for (let i = 0; i < cin; i++)
          for (let o = 0; o < cout; o++) {
            const value = kernel.data[(t * cin + i) * cout + o];
            w[(o * cin + i) * k + t] = value;
            wBack[(i * cout + o) * k + (k - 1 - t)] = value;
          }
      const attrs = { dilations: [d], kernel_shape: [k], pads: [pl, pr], strides: [1] };
      const z = g.op('Conv', [x.name, g.floats(w, [cout, cin, k]), ...(bias ? [g.floats(bias.data, [cout])] : [])], attrs);
      const { y, dz } = activate(g, layer, act, z, zero);
      const length = x.dims[1] + pl + pr - span;
      const wb = g.floats(wBack, [cin, cout, k]);
      return {
        out: { name: y, kind: 'ncl', dims: [cout, length] },
        back: (dy) => [g.op('Conv', [dz(dy), wb], { dilations: [d], kernel_shape: [k], pads: [span - pl, span - pr], strides: [1] })],
      };
    }
    case 'Dense': {
      if (x.kind !== 'flat') refuse(layer, 'a dense layer on a 3-D input');
      const [kernel, bias] = weights();
      const [n, units] = kernel.shape;
      const kw = g.floats(kernel.data, [n, units]);
      const z = g.op('Gemm', [x.name, kw, ...(bias ? [g.floats(bias.data, [units])] : [])]);
      const { y, dz } = activate(g, layer, act, z, zero);
      const streamed = rows !== undefined && rows <= 16 && n * units * 4 >= 64 << 20;
      const back = (dy: string) => [streamed ? g.op('Transpose', [g.op('MatMul', [kw, g.op('Transpose', [dz(dy)], { perm: [1, 0] })])], { perm: [1, 0] }) : g.op('Gemm', [dz(dy), kw], { transB: 1 })];
      return { out: { name: y, kind: 'flat', dims: [units] }, back };
    }
    case 'Activation': {
      const { y, dz } = activate(g, layer, act, x.name, zero);
      return { out: { ...x, name: y }, back: (dy) => [dz(dy)] };
    }
    case 'ReLU': {
      if (config.maxValue != null || (config.negativeSlope != null && config.negativeSlope !== 0) || (config.threshold != null && config.threshold !== 0)) refuse(layer, 'a capped or leaky ReLU');
      const { y, dz } = activate(g, layer, 'relu', x.name, zero);
      return { out: { ...x, name: y }, back: (dy) => [dz(dy)] };
    }
    case 'BatchNormalization': {
      const axis = Number(config.axis ?? -1);
      if (axis !== -1 && axis !== (x.kind === 'ncl' ? 2 : 1)) refuse(layer, `axis ${axis}`);
      const ws = weights();
      const c = x.dims[0];
      let i = 0;
      const gamma = config.scale === false ? null : ws[i++].data;
      const beta = config.center === false ? null : ws[i++].data;
      const [mean, variance] = [ws[i++].data, ws[i++].data];
      const eps = Number(config.epsilon ?? 1e-3);
      const scale = new Float32Array(c);
      const shift = new Float32Array(c);
      for (let j = 0; j < c; j++) {
        scale[j] = (gamma ? gamma[j] : 1) / Math.sqrt(variance[j] + eps);
        shift[j] = (beta ? beta[j] : 0) - mean[j] * scale[j];
      }
      const dims = x.kind === 'ncl' ? [c, 1] : [c];
      const s = g.floats(scale, dims);
      const y = g.op('Add', [g.op('Mul', [x.name, s]), g.floats(shift, dims)]);
      return { out: { ...x, name: y }, back: (dy) => [g.op('Mul', [dy, s])] };
    }
    case 'MaxPooling1D':
    case 'AveragePooling1D': {
      ncl();
      const p = first(config.poolSize);
      if (first(config.strides ?? p) !== p || config.padding !== 'valid') refuse(layer, 'pooling other than non-overlapping and valid');
      const length = x.dims[1];
      const pooled = Math.floor(length / p);
      const attrs = { kernel_shape: [p], strides: [p] };
      if (cls === 'AveragePooling1D') {
        const y = g.op('AveragePool', [x.name], attrs);
        return { out: { name: y, kind: 'ncl', dims: [x.dims[0], pooled] }, back: (dy) => [spreadPooled(g, g.op('Mul', [dy, g.scalar(1 / p)]), p, pooled, length, zero)] };
      }
      const y = g.op('MaxPool', [x.name], attrs);
      return {
        out: { name: y, kind: 'ncl', dims: [x.dims[0], pooled] },
        back: (dy) => {
          const up = spreadPooled(g, y, p, pooled, length, zero);
          return [g.op('Where', [g.op('Equal', [x.name, up]), spreadPooled(g, dy, p, pooled, length, zero), zero])];
        },
      };
    }
    case 'GlobalAveragePooling1D': {
      ncl();
      const [c, length] = x.dims;
      const y = g.op('ReduceMean', [x.name], { axes: [2], keepdims: 0 });
      return { out: { name: y, kind: 'flat', dims: [c] }, back: (dy) => [g.op('Expand', [g.op('Unsqueeze', [g.op('Mul', [dy, g.scalar(1 / length)]), g.int64s([2])]), g.int64s([1, 1, length])])] };
    }
    case 'GlobalMaxPooling1D': {
      ncl();
      const [c] = x.dims;
      const y = g.op('ReduceMax', [x.name], { axes: [2], keepdims: 0 });
      return { out: { name: y, kind: 'flat', dims: [c] }, back: (dy) => [g.op('Where', [g.op('Equal', [x.name, g.op('Unsqueeze', [y, g.int64s([2])])]), g.op('Unsqueeze', [dy, g.int64s([2])]), zero])] };
    }
    case 'Cropping1D': {
      ncl();
      const [a, b] = (config.cropping as number[]) ?? [0, 0];
      const [c, length] = x.dims;
      const y = g.op('Slice', [x.name, g.int64s([a]), g.int64s([length - b]), g.int64s([2])]);
      return { out: { name: y, kind: 'ncl', dims: [c, length - a - b] }, back: (dy) => [g.op('Pad', [dy, g.int64s([0, 0, a, 0, 0, b]), zero])] };
    }
    case 'Flatten': {
      if (x.kind === 'flat') return { out: x, back: (dy) => [dy] };
      const [c, length] = x.dims;
      const y = g.op('Reshape', [g.op('Transpose', [x.name], { perm: [0, 2, 1] }), g.int64s([0, -1])]);
      return { out: { name: y, kind: 'flat', dims: [c * length] }, back: (dy) => [g.op('Transpose', [g.op('Reshape', [dy, g.int64s([0, length, c])])], { perm: [0, 2, 1] })] };
    }
    case 'Add': {
      if (inputs.some((v) => v.kind !== x.kind || v.dims.join() !== x.dims.join())) refuse(layer, 'inputs of different shapes');
      const y = inputs.slice(1).reduce((sum, v) => g.op('Add', [sum, v.name]), x.name);
      return { out: { ...x, name: y }, back: (dy) => inputs.map(() => dy) };
    }
    case 'OnnxOp':
      return onnxOp(g, layer, inputs, zero);
    default:
      if (isShapeOnly(layer)) refuse(layer, 'a reshaping layer');
      return refuse(layer, 'not in the native graph');
  }
}

/** An ONNX file's node kept as an OnnxOp layer (custom-layers/onnx-op.ts): its attributes are in TF.js's layout (N, L, C). */
function onnxOp(g: OnnxBuilder, layer: Layer, inputs: Value[], zero: string): { out: Value; back: Backward } {
  const { op, attrs, slots, weightShapes } = layer as unknown as { op: string; attrs: Record<string, unknown>; slots: string[]; weightShapes: number[][] };
  if (weightShapes.length || slots.some((s) => !/^d\d+$/.test(s))) refuse(layer, `${op} with constant operands`);
  const xs = slots.map((s) => inputs[Number(s.slice(1))]);
  const [x] = xs;
  /** TF.js axis (batch 0) → axis of our value: a map's positions are our axis 2, its channels axis 1. */
  const axisOf = (v: Value, a: number) => {
    const rank = v.kind === 'ncl' ? 3 : 2;
    const t = a < 0 ? a + rank : a;
    if (t === 0 || t >= rank) refuse(layer, `axis ${a}`);
    return v.kind === 'ncl' ? (t === 1 ? 2 : 1) : t;
  };
  switch (op) {
    case 'Add':
    case 'Sub':
    case 'Mul': {
      if (xs.length !== 2 || xs[1].kind !== x.kind || xs[1].dims.join() !== x.dims.join()) refuse(layer, `${op} of operands of different shapes`);
      const [a, b] = xs;
      const y = g.op(op, [a.name, b.name]);
      const back: Backward = (dy) => {
        const grads = op === 'Add' ? [dy, dy] : op === 'Sub' ? [dy, g.op('Neg', [dy])] : [g.op('Mul', [dy, b.name]), g.op('Mul', [dy, a.name])];
        // One input used twice (x + x) gets both parts: the caller adds gradients per input.
        return slots.map((_, i) => grads[i]);
      };
      return { out: { ...x, name: y }, back };
    }
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax': {
      const axes = ((attrs.axes as number[] | undefined) ?? []).map((a) => axisOf(x, a));
      if (x.kind !== 'ncl' || axes.length !== 1 || axes[0] !== 2 || attrs.keepdims !== false) refuse(layer, `${op} other than over positions`);
      const [c, length] = x.dims;
      if (op === 'ReduceMax') {
        const y = g.op('ReduceMax', [x.name], { axes: [2], keepdims: 0 });
        return { out: { name: y, kind: 'flat', dims: [c] }, back: (dy) => [g.op('Where', [g.op('Equal', [x.name, g.op('Unsqueeze', [y, g.int64s([2])])]), g.op('Unsqueeze', [dy, g.int64s([2])]), zero])] };
      }
      const y = op === 'ReduceMean' ? g.op('ReduceMean', [x.name], { axes: [2], keepdims: 0 }) : g.op('ReduceSum', [x.name, g.int64s([2])], { keepdims: 0 });
      return {
        out: { name: y, kind: 'flat', dims: [c] },
        back: (dy) => [g.op('Expand', [g.op('Unsqueeze', [op === 'ReduceMean' ? g.op('Mul', [dy, g.scalar(1 / length)]) : dy, g.int64s([2])]), g.int64s([1, 1, length])])],
      };
    }
    case 'Slice': {
      const begin = attrs.begin as number[];
      const end = attrs.end as (number | null)[];
      const strides = attrs.strides as number[];
      if (strides.some((v) => v !== 1) || begin[0] !== 0 || end[0] !== null) refuse(layer, 'a slice with steps or over the batch');
      const tfDims = x.kind === 'ncl' ? [x.dims[1], x.dims[0]] : x.dims;
      const starts: number[] = [];
      const ends: number[] = [];
      const axes: number[] = [];
      const size = x.dims.slice();
      tfDims.forEach((d, i) => {
        const norm = (v: number) => Math.min(Math.max(v < 0 ? v + d : v, 0), d);
        const b = norm(begin[i + 1] ?? 0);
        const e = end[i + 1] == null ? d : norm(end[i + 1] as number);
        if (b === 0 && e === d) return;
        const axis = axisOf(x, i + 1);
        starts.push(b);
        ends.push(e);
        axes.push(axis);
        size[axis - 1] = e - b;
      });
      if (!axes.length) return { out: x, back: (dy) => [dy] };
      const y = g.op('Slice', [x.name, g.int64s(starts), g.int64s(ends), g.int64s(axes)]);
      const rank = x.kind === 'ncl' ? 3 : 2;
      const pads = new Array(2 * rank).fill(0);
      axes.forEach((axis, k) => {
        pads[axis] = starts[k];
        pads[rank + axis] = x.dims[axis - 1] - ends[k];
      });
      return { out: { ...x, name: y, dims: size }, back: (dy) => [g.op('Pad', [dy, g.int64s(pads), zero])] };
    }
    default:
      return refuse(layer, `ONNX op ${op} not in the native graph`);
  }
}
