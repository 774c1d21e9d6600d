/**
 * Normalisations. Their parameters arrive already shaped to broadcast against the input as held
 * (the loader reshapes a channel vector to (1, 1, C) for a channels-last map, and so on).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OpFn } from './types';

export const NORM_OPS: Record<string, OpFn> = {
  /** x, scale, bias, mean, variance; attrs.epsilon. */
  BatchNormalization: (x, a) => {
    const [v, scale, bias, mean, variance] = x;
    const inv = tf.div(scale, tf.sqrt(tf.add(variance, (a.epsilon as number) ?? 1e-5)));
    return tf.add(tf.mul(tf.sub(v, mean), inv), bias);
  },
  /** x, scale, [bias]; normalised over attrs.axes. */
  LayerNormalization: (x, a) => {
    const axes = a.axes as number[];
    const { mean, variance } = tf.moments(x[0], axes, true);
    const y = tf.mul(tf.div(tf.sub(x[0], mean), tf.sqrt(tf.add(variance, (a.epsilon as number) ?? 1e-5))), x[1]);
    return x[2] ? tf.add(y, x[2]) : y;
  },
  /** x, scale, bias (shaped like a channel vector); normalised over attrs.axes (the spatial axes). */
  InstanceNormalization: (x, a) => {
    const { mean, variance } = tf.moments(x[0], a.axes as number[], true);
    return tf.add(tf.mul(tf.div(tf.sub(x[0], mean), tf.sqrt(tf.add(variance, (a.epsilon as number) ?? 1e-5))), x[1]), x[2]);
  },
};
