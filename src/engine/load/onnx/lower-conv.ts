/**
 * Convolutions and pooling. Maps are held channels-last; a plain convolution or pooling becomes
 * the TF.js layer (Conv1D/Conv2D, MaxPooling1D/2D, AveragePooling1D/2D: the engine's default
 * analysis layer and first-layer sequence logos know them), anything else (asymmetric pads with
 * strides, groups, depthwise, ceil mode, dilated pooling) an OnnxOp.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { isConst, isData, type Context, type DataVal } from './context';
import { channelsLast, full, heldAxis } from './layout';
import type { Lowering } from './lowering';
import type { AttrValue, Node } from './proto';

interface Geometry {
  spatial: number;
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [before, after] per spatial axis. */
  pads: [number, number][];
}

function geometry(ctx: Context, node: Node, attrs: Record<string, AttrValue>, inputSpatial: number[], kernel: number[]): Geometry {
  const n = inputSpatial.length;
  const ones = new Array<number>(n).fill(1);
  const strides = (attrs.strides as number[] | undefined) ?? ones;
  const dilations = (attrs.dilations as number[] | undefined) ?? ones;
  const autoPad = (attrs.auto_pad as string | undefined) ?? 'NOTSET';
  let pads: [number, number][];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = inputSpatial.map((len, i) => {
      const total = Math.max((Math.ceil(len / strides[i]) - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - len, 0);
      const small = Math.floor(total / 2);
      return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
    });
  } else if (autoPad === 'VALID' || !attrs.pads) pads = inputSpatial.map(() => [0, 0]);
  else {
    const p = attrs.pads as number[];
    if (p.length !== 2 * n) throw ctx.refuse(node, `pads [${p}] do not match ${n} spatial axes`);
    pads = inputSpatial.map((_, i) => [p[i], p[i + n]]);
  }
  return { spatial: n, kernel, strides, dilations, pads };
}

/** TF.js 'same' padding at stride 1: (k − 1)·d split with the smaller half first. */
function isSameAtStride1(g: Geometry): boolean {
  return g.strides.every((s) => s === 1) && g.pads.every(([b, e], i) => b === Math.floor(((g.kernel[i] - 1) * g.dilations[i]) / 2) && b + e === (g.kernel[i] - 1) * g.dilations[i]);
}

/** The input held channels-last (N, spatial…, C). */
function channelsLastInput(ctx: Context, node: Node, x: DataVal): DataVal {
  const rank = x.t.shape.length;
  if (rank !== 3 && rank !== 4) throw ctx.refuse(node, `${rank - 2}-D maps are not supported (1-D and 2-D are)`);
  return ctx.toPerm(node, x, channelsLast(rank));
}

/** A padding step before a layer that pads 'valid' (an OnnxOp, named after the node). */
function padBefore(ctx: Context, node: Node, x: DataVal, pads: [number, number][], value = 0): DataVal {
  if (!pads.some(([b, e]) => b || e)) return x;
  const held: [number, number][] = [[0, 0], ...pads, [0, 0]];
  return ctx.op(node, 'Pad', `ZeroPadding${pads.length}D`, [x], { pads: held, mode: 'constant', value }, [x.perm], '_pad')[0] as DataVal;
}

const conv: Lowering = (ctx, node, ins, attrs) => {
  const [x0, w, b] = ins;
  if (!isData(x0)) throw ctx.refuse(node, 'a convolution of constants; not supported');
  if (!isConst(w)) throw ctx.refuse(node, 'its kernel is computed from the data; only constant kernels are supported');
  if (b && !isConst(b)) throw ctx.refuse(node, 'its bias is computed from the data; not supported');
  const x = channelsLastInput(ctx, node, x0);
  const rank = x.t.shape.length;
  const held = ctx.heldShape(x, 1);
  const inChannels = held[rank - 1];
  const [outChannels] = w.t.shape;
  const kernel = w.t.shape.slice(2);
  const g = geometry(ctx, node, attrs, held.slice(1, -1), kernel);
  const group = (attrs.group as number) ?? 1;
  const one = rank === 3;
  const bias = b ? b.t : tf.zeros([outChannels]);
  // ONNX [O, I/g, k…] → TF.js [k…, I/g, O].
  const tfKernel = tf.transpose(w.t, one ? [2, 1, 0] : [2, 3, 1, 0]);
  const perm = channelsLast(rank);
  const bothStrideAndDilation = g.strides.some((s) => s > 1) && g.dilations.some((d) => d > 1);
  if (group === 1 && !bothStrideAndDilation) {
    const same = isSameAtStride1(g);
    const input = same ? x : padBefore(ctx, node, x, g.pads);
    const config = { filters: outChannels, kernelSize: one ? kernel[0] : kernel, strides: one ? g.strides[0] : g.strides, dilationRate: one ? g.dilations[0] : g.dilations, padding: same ? 'same' : 'valid', useBias: true, name: ctx.layerName(node) } as const;
    const layer = one ? tfl.layers.conv1d(config as never) : tfl.layers.conv2d(config as never);
    return [ctx.layer(node, layer, input, [tfKernel, bias], perm)];
  }
  const depthwise = group === inChannels && outChannels % inChannels === 0;
  if (!depthwise && (inChannels % group !== 0 || outChannels % group !== 0)) throw ctx.refuse(node, `group ${group} does not divide ${inChannels} input and ${outChannels} output channels`);
  let k = tfKernel;
  if (depthwise) {
    // [O = I·m, 1, k…] → [k…, I, m]: output channel i·m + j is filter j of input channel i, as in TF.js.
    const m = outChannels / inChannels;
    const r = tf.reshape(w.t, [inChannels, m, ...kernel]);
    k = tf.transpose(r, one ? [2, 0, 1] : [2, 3, 0, 1]);
  }
  const kind = depthwise ? (one ? 'DepthwiseConv1D' : 'DepthwiseConv2D') : one ? 'Conv1D' : 'Conv2D';
  const attrsOut = { rank: g.spatial, strides: g.strides, dilations: g.dilations, pads: g.pads, group, depthwise };
  return ctx.op(node, 'Conv', kind, [x, { kind: 'const', t: k }, { kind: 'const', t: bias }], attrsOut, [perm]);
};

const convTranspose: Lowering = (ctx, node, ins, attrs) => {
  const [x0, w, b] = ins;
  if (!isData(x0) || !isConst(w) || (b && !isConst(b))) throw ctx.refuse(node, 'a transposed convolution needs data input and constant kernel and bias');
  if (((attrs.group as number) ?? 1) !== 1) throw ctx.refuse(node, 'grouped transposed convolutions are not supported');
  if (((attrs.dilations as number[] | undefined) ?? []).some((d) => d !== 1)) throw ctx.refuse(node, 'dilated transposed convolutions are not supported');
  if (attrs.output_shape) throw ctx.refuse(node, 'output_shape is not supported (give pads)');
  const autoPad = (attrs.auto_pad as string | undefined) ?? 'NOTSET';
  if (autoPad !== 'NOTSET' && autoPad !== 'VALID') throw ctx.refuse(node, `auto_pad ${autoPad} is not supported for transposed convolutions`);
  const x = channelsLastInput(ctx, node, x0);
  const rank = x.t.shape.length;
  const one = rank === 3;
  const kernel = w.t.shape.slice(2);
  const n = kernel.length;
  const p = (attrs.pads as number[] | undefined) ?? new Array(2 * n).fill(0);
  const pads = kernel.map((_, i) => [p[i], p[i + n]] as [number, number]);
  const outChannels = w.t.shape[1] as number;
  // ONNX [I, O, k…] → TF.js conv2dTranspose [k…, O, I].
  const k = tf.transpose(w.t, one ? [2, 1, 0] : [2, 3, 1, 0]);
  const attrsOut = { rank: n, strides: (attrs.strides as number[] | undefined) ?? kernel.map(() => 1), pads, outputPadding: (attrs.output_padding as number[] | undefined) ?? kernel.map(() => 0) };
  return ctx.op(node, 'ConvTranspose', one ? 'Conv1DTranspose' : 'Conv2DTranspose', [x, { kind: 'const', t: k }, { kind: 'const', t: b ? b.t : tf.zeros([outChannels]) }], attrsOut, [channelsLast(rank)]);
};

const pool =
  (type: 'max' | 'avg'): Lowering =>
  (ctx, node, ins, attrs) => {
    const x0 = ins[0];
    if (!isData(x0)) throw ctx.refuse(node, 'pooling of constants; not supported');
    if (type === 'max' && node.output![1] && ctx.readers.get(node.output![1])) throw ctx.refuse(node, 'its indices output is used; not supported');
    const x = channelsLastInput(ctx, node, x0);
    const rank = x.t.shape.length;
    const one = rank === 3;
    const held = ctx.heldShape(x, 1);
    const kernel = attrs.kernel_shape as number[];
    const g = geometry(ctx, node, { ...attrs, strides: attrs.strides ?? kernel.map(() => 1) }, held.slice(1, -1), kernel);
    const ceilPads = held.slice(1, -1).map((len, i) => {
      if (!attrs.ceil_mode) return 0;
      const span = (kernel[i] - 1) * g.dilations[i] + 1;
      const padded = len + g.pads[i][0] + g.pads[i][1];
      let out = Math.ceil((padded - span) / g.strides[i]) + 1;
      // The last window must start inside the input or its left padding (PyTorch and ONNX Runtime).
      if ((out - 1) * g.strides[i] >= len + g.pads[i][0]) out--;
      return Math.max((out - 1) * g.strides[i] + span - padded, 0);
    });
    const perm = channelsLast(rank);
    const plain = g.pads.every(([p, q]) => !p && !q) && ceilPads.every((c) => !c) && g.dilations.every((d) => d === 1);
    if (plain) {
      const config = { poolSize: one ? kernel[0] : kernel, strides: one ? g.strides[0] : g.strides, padding: 'valid', name: ctx.layerName(node) } as const;
      const layer =
        type === 'max' ? (one ? tfl.layers.maxPooling1d(config as never) : tfl.layers.maxPooling2d(config as never)) : one ? tfl.layers.averagePooling1d(config as never) : tfl.layers.averagePooling2d(config as never);
      return [ctx.layer(node, layer, x, null, perm)];
    }
    const kind = `${type === 'max' ? 'MaxPooling' : 'AveragePooling'}${one ? '1D' : '2D'}`;
    const a = { rank: g.spatial, type, kernel, strides: g.strides, dilations: g.dilations, pads: g.pads, ceilPads, countIncludePad: attrs.count_include_pad === 1 };
    return ctx.op(node, 'Pool', kind, [x], a, [perm]);
  };

const globalPool =
  (op: 'ReduceMean' | 'ReduceMax', kind: string): Lowering =>
  (ctx, node, ins) => {
    const x = ins[0];
    if (!isData(x)) throw ctx.refuse(node, 'pooling of constants; not supported');
    const rank = x.t.shape.length;
    const axes = full(null, rank).slice(2).map((a) => heldAxis(x.perm, a));
    return ctx.op(node, op, `${kind}${rank === 4 ? '2D' : '1D'}`, [x], { axes, keepdims: true }, [x.perm]);
  };

export const CONV_LOWERINGS: Record<string, Lowering> = {
  Conv: conv,
  ConvTranspose: convTranspose,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalPool('ReduceMean', 'GlobalAveragePooling'),
  GlobalMaxPool: globalPool('ReduceMax', 'GlobalMaxPooling'),
};
