/**
 * Local max/average pooling on channels-last maps with explicit padding (ceil mode arrives as
 * extra padding at the end), dilations and count_include_pad.
 */
import * as tf from '@tensorflow/tfjs-core';
import { padSpatial } from './conv';
import type { OpAttrs, OpFn } from './types';

/** A value below any activation: max pooling pads with it. */
const LOWEST = -3.4e38;

const pair = (v: number[], rank: number): [number, number] => (rank === 1 ? [1, v[0]] : [v[0], v[1]]);

function pool(xs: tf.Tensor[], a: OpAttrs): tf.Tensor {
  const rank = a.rank as number;
  const kernel = pair(a.kernel as number[], rank);
  const strides = pair(a.strides as number[], rank);
  const dilations = pair((a.dilations as number[] | undefined) ?? (a.kernel as number[]).map(() => 1), rank);
  const pads = a.pads as [number, number][];
  /** Extra padding at the end from ceil mode: never counted as input. */
  const ceil = (a.ceilPads as number[] | undefined) ?? pads.map(() => 0);
  const total = pads.map(([p, q], i) => [p, q + ceil[i]] as [number, number]);
  const max = a.type === 'max';
  const run = (t: tf.Tensor) => {
    const t4 = (rank === 1 ? tf.expandDims(t, 1) : t) as tf.Tensor4D;
    const y = dilations.some((d) => d > 1)
      ? tf.pool(t4, kernel, max ? 'max' : 'avg', 'valid', dilations, strides)
      : max
        ? tf.maxPool(t4, kernel, strides, 'valid')
        : tf.avgPool(t4, kernel, strides, 'valid');
    return rank === 1 ? tf.squeeze(y, [1]) : y;
  };
  if (max) return run(padSpatial(xs[0], total, LOWEST));
  const padded = run(padSpatial(xs[0], total, 0));
  if (!total.some(([p, q]) => p || q)) return padded;
  // Average over the cells that count: the input, and the explicit pads when count_include_pad.
  const ones = tf.onesLike(xs[0]);
  const countPads = a.countIncludePad ? pads : pads.map(() => [0, 0] as [number, number]);
  const mask = padSpatial(padSpatial(ones, countPads, 1), total.map(([p, q], i) => [p - countPads[i][0], q - countPads[i][1]] as [number, number]), 0);
  return tf.div(padded, run(mask));
}

export const POOL_OPS: Record<string, OpFn> = { Pool: pool };
