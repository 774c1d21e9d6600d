/**
 * Convolutions on channels-last maps ([N, L, C] or [N, H, W, C]): ONNX Conv with explicit
 * padding, strides, dilations and groups (depthwise included), and ConvTranspose. A 1-D map runs
 * as a 2-D map of height 1. Kernels arrive in TF.js layout: Conv [kh, kw, in/group, out]
 * (depthwise: [kh, kw, in, multiplier]); ConvTranspose [kh, kw, out, in].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OpAttrs, OpFn } from './types';
import { stepSlice } from './shape';

const pair = (v: number[], rank: number): [number, number] => (rank === 1 ? [1, v[0]] : [v[0], v[1]]);

/** Zero padding (or cropping, for negative pads) of the spatial axes of a channels-last map. */
export function padSpatial(x: tf.Tensor, pads: [number, number][], value = 0): tf.Tensor {
  if (!pads.some(([b, e]) => b || e)) return x;
  let y = x;
  if (pads.some(([b, e]) => b < 0 || e < 0)) {
    const begin = [0, ...pads.map(([b]) => Math.max(-b, 0)), 0];
    const size = [-1, ...pads.map(([b, e], i) => x.shape[i + 1] - Math.max(-b, 0) - Math.max(-e, 0)), -1];
    y = tf.slice(x, begin, size);
  }
  const grow = pads.map(([b, e]) => [Math.max(b, 0), Math.max(e, 0)] as [number, number]);
  return grow.some(([b, e]) => b || e) ? tf.pad(y, [[0, 0], ...grow, [0, 0]], value) : y;
}

function to4d(x: tf.Tensor, rank: number): tf.Tensor4D {
  return (rank === 1 ? tf.expandDims(x, 1) : x) as tf.Tensor4D;
}
function from4d(y: tf.Tensor, rank: number): tf.Tensor {
  return rank === 1 ? tf.squeeze(y, [1]) : y;
}

function conv(xs: tf.Tensor[], a: OpAttrs): tf.Tensor {
  const rank = a.rank as number;
  const [x0, w0, b] = xs;
  const strides = pair(a.strides as number[], rank);
  const dilations = pair(a.dilations as number[], rank);
  const x = to4d(padSpatial(x0, a.pads as [number, number][]), rank);
  const w = (rank === 1 ? tf.expandDims(w0, 0) : w0) as tf.Tensor4D;
  // TF.js convolutions take strides or dilations, not both: dilate at stride 1, then subsample.
  const both = strides.some((s) => s > 1) && dilations.some((d) => d > 1);
  const s = both ? ([1, 1] as [number, number]) : strides;
  let y: tf.Tensor4D;
  if (a.depthwise) y = tf.depthwiseConv2d(x, w, s, 'valid', 'NHWC', dilations);
  else if ((a.group as number) > 1) {
    const g = a.group as number;
    const xsG = tf.split(x, g, 3);
    const wsG = tf.split(w, g, 3);
    y = tf.concat(xsG.map((xg, i) => tf.conv2d(xg as tf.Tensor4D, wsG[i] as tf.Tensor4D, s, 'valid', 'NHWC', dilations)), 3) as tf.Tensor4D;
  } else y = tf.conv2d(x, w, s, 'valid', 'NHWC', dilations);
  if (both) y = stepSlice(y, [0, 0, 0, 0], [null, null, null, null], [1, strides[0], strides[1], 1]) as tf.Tensor4D;
  const out = b ? tf.add(y, b) : y;
  return from4d(out, rank);
}

function convTranspose(xs: tf.Tensor[], a: OpAttrs): tf.Tensor {
  const rank = a.rank as number;
  const [x0, w0, b] = xs;
  const strides = pair(a.strides as number[], rank);
  const x = to4d(x0, rank);
  const w = (rank === 1 ? tf.expandDims(w0, 0) : w0) as tf.Tensor4D;
  const [kh, kw, out] = w.shape;
  const full: [number, number, number, number] = [x.shape[0], (x.shape[1] - 1) * strides[0] + kh, (x.shape[2] - 1) * strides[1] + kw, out];
  let y: tf.Tensor = tf.conv2dTranspose(x, w, full, strides, 'valid');
  // ONNX pads crop the full output; output_padding adds rows at the end.
  const pads = a.pads as [number, number][];
  const extra = (a.outputPadding as number[] | undefined) ?? pads.map(() => 0);
  const spatial = rank === 1 ? [[0, 0] as [number, number], [-pads[0][0], extra[0] - pads[0][1]] as [number, number]] : pads.map(([p, q], i) => [-p, extra[i] - q] as [number, number]);
  y = padSpatial(y, spatial);
  if (b) y = tf.add(y, b);
  return from4d(y, rank);
}

export const CONV_OPS: Record<string, OpFn> = {
  Conv: conv,
  ConvTranspose: convTranspose,
};
