/**
 * The op table of ONNX graphs run on TensorFlow.js: one function per op, over tfjs-core ops so
 * that gradients flow. Attributes are plain JSON, already expressed in the layout the tensors are
 * held in (the ONNX loader rewrites axes when it holds channels-first maps channels-last). The
 * same functions fold constant subgraphs at load time and run inside OnnxOp layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CONV_OPS } from './conv';
import { ELEMENTWISE_OPS } from './elementwise';
import { MATMUL_OPS } from './matmul';
import { NORM_OPS } from './norm';
import { POOL_OPS } from './pool';
import { RECURRENT_OPS } from './recurrent';
import { REDUCE_OPS } from './reduce';
import { SHAPE_OPS } from './shape';
import type { ConstSpec, OpAttrs, OpFn } from './types';

export type { ConstSpec, OpAttrs, OpFn };

export const OPS: Record<string, OpFn> = {
  ...ELEMENTWISE_OPS,
  ...SHAPE_OPS,
  ...REDUCE_OPS,
  ...NORM_OPS,
  ...CONV_OPS,
  ...POOL_OPS,
  ...MATMUL_OPS,
  ...RECURRENT_OPS,
};

export function runOp(op: string, operands: tf.Tensor[], attrs: OpAttrs): tf.Tensor | tf.Tensor[] {
  const fn = Object.prototype.hasOwnProperty.call(OPS, op) ? OPS[op] : undefined;
  if (!fn) throw new Error(`no implementation of op ${op}`);
  return fn(operands, attrs);
}

export function constTensor(c: ConstSpec): tf.Tensor {
  return tf.tensor(c.dtype === 'bool' ? c.values.map(Boolean) : c.values, c.shape, c.dtype);
}
