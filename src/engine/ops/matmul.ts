/** Matrix products: ONNX MatMul (NumPy semantics, batch axes broadcast) and Gemm. */
import * as tf from '@tensorflow/tfjs-core';
import { broadcastShape } from './elementwise';
import type { OpFn } from './types';

function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  if (a.rank === 2 && b.rank === 2) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  // A stack of rows times one matrix: one 2-D product.
  if (b.rank === 2) {
    const lead = a.shape.slice(0, -1);
    const y = tf.matMul(tf.reshape(a, [-1, a.shape[a.rank - 1]]) as tf.Tensor2D, b as tf.Tensor2D);
    return tf.reshape(y, [...lead, b.shape[1] as number]);
  }
  const av = a.rank === 1 ? tf.reshape(a, [1, -1]) : a;
  const bv = b.rank === 1 ? tf.reshape(b, [-1, 1]) : b;
  const batch = broadcastShape(av.shape.slice(0, -2), bv.shape.slice(0, -2));
  const [m, k] = av.shape.slice(-2);
  const n = bv.shape[bv.rank - 1];
  const a3 = tf.reshape(tf.broadcastTo(av, [...batch, m, k]), [-1, m, k]) as tf.Tensor3D;
  const b3 = tf.reshape(tf.broadcastTo(bv, [...batch, k, n]), [-1, k, n]) as tf.Tensor3D;
  let y = tf.reshape(tf.matMul(a3, b3), [...batch, m, n]);
  if (a.rank === 1) y = tf.squeeze(y, [y.rank - 2]);
  if (b.rank === 1) y = tf.squeeze(y, [y.rank - 1]);
  return y;
}

export const MATMUL_OPS: Record<string, OpFn> = {
  MatMul: (x) => matMul(x[0], x[1]),
  Gemm: (x, a) => {
    const A = a.transA ? tf.transpose(x[0]) : x[0];
    const B = a.transB ? tf.transpose(x[1]) : x[1];
    const y = tf.mul((a.alpha as number) ?? 1, tf.matMul(A as tf.Tensor2D, B as tf.Tensor2D));
    return x[2] ? tf.add(y, tf.mul((a.beta as number) ?? 1, x[2])) : y;
  },
};
