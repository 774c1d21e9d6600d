/** Reductions over axes and the (log-)softmax, as the ONNX ops define them. */
import * as tf from '@tensorflow/tfjs-core';
import type { OpAttrs, OpFn } from './types';

type Reducer = (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor;

const reduce = (f: Reducer): OpFn => (x, a: OpAttrs) => {
  const axes = (a.axes as number[] | undefined) ?? x[0].shape.map((_, i) => i);
  const keep = a.keepdims !== false;
  if (axes.length === 0) return tf.clone(x[0]);
  return f(tf.cast(x[0], 'float32'), axes, keep);
};

/** Softmax over the rows that `axis` and every later axis span (opset < 13 coerces to 2-D). */
function coerced(x: tf.Tensor, axis: number, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const rows = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  return tf.reshape(f(tf.reshape(x, [rows, -1])), x.shape);
}

/** Applies f along `axis` by moving it last (tf.softmax works on the last axis). */
function alongAxis(x: tf.Tensor, axis: number, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const last = x.rank - 1;
  if (axis === last) return f(x);
  const perm = x.shape.map((_, i) => i);
  [perm[axis], perm[last]] = [perm[last], perm[axis]];
  return tf.transpose(f(tf.transpose(x, perm)), perm);
}

const softmaxLike = (f: (t: tf.Tensor) => tf.Tensor): OpFn => (x, a) =>
  a.coerce ? coerced(x[0], a.axis as number, f) : alongAxis(x[0], a.axis as number, f);

export const REDUCE_OPS: Record<string, OpFn> = {
  ReduceMean: reduce((x, ax, k) => tf.mean(x, ax, k)),
  ReduceSum: reduce((x, ax, k) => tf.sum(x, ax, k)),
  ReduceMax: reduce((x, ax, k) => tf.max(x, ax, k)),
  ReduceMin: reduce((x, ax, k) => tf.min(x, ax, k)),
  ReduceProd: reduce((x, ax, k) => tf.prod(x, ax, k)),
  ReduceL1: reduce((x, ax, k) => tf.sum(tf.abs(x), ax, k)),
  ReduceL2: reduce((x, ax, k) => tf.sqrt(tf.sum(tf.square(x), ax, k))),
  ReduceSumSquare: reduce((x, ax, k) => tf.sum(tf.square(x), ax, k)),
  ReduceLogSum: reduce((x, ax, k) => tf.log(tf.sum(x, ax, k))),
  ReduceLogSumExp: reduce((x, ax, k) => tf.logSumExp(x, ax, k)),
  Softmax: softmaxLike((t) => tf.softmax(t)),
  LogSoftmax: softmaxLike((t) => tf.logSoftmax(t)),
};
