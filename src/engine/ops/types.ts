/** The types shared by the op table (index.ts) and the files of ops it collects. */
import type * as tf from '@tensorflow/tfjs-core';

export type OpAttrs = Record<string, unknown>;
export type OpFn = (x: tf.Tensor[], attrs: OpAttrs) => tf.Tensor | tf.Tensor[];

/** A small constant kept in an op's attributes (integers, booleans, indices). */
export interface ConstSpec {
  shape: number[];
  dtype: 'float32' | 'int32' | 'bool';
  values: number[];
}
