/**
 * Gemm and MatMul with a constant weight become TF.js Dense layers (the engine's hidden-space
 * ascent recognises Flatten → Dense). A Dense layer that reads a flattened channels-first map
 * held channels-last has its kernel rows permuted into the held order, as the Keras loader does
 * for Keras 1 channels-first models. A MatMul followed by the Add of a bias vector is one Dense.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { isConst, isData, type Context, type DataVal, type Val } from './context';
import type { Lowering } from './lowering';
import type { Node } from './proto';

function dense(ctx: Context, node: Node, x: DataVal, kernel: tf.Tensor2D, bias: tf.Tensor | null): DataVal {
  const units = kernel.shape[1];
  let rows = kernel as tf.Tensor;
  let input = x;
  if (x.flat) rows = tf.gather(kernel, tf.tensor1d(x.flat, 'int32'));
  const rank = input.t.shape.length;
  if (rank > 2 && input.perm && input.perm[rank - 1] !== rank - 1) input = ctx.native(node, input);
  const layer = tfl.layers.dense({ units, useBias: true, name: ctx.layerName(node) });
  const b = bias ? tf.reshape(tf.broadcastTo(bias, [units]), [units]) : tf.zeros([units]);
  const out = ctx.layer(node, layer, input, [rows, b], input.flat ? null : input.perm);
  if (!bias) ctx.openDense.set(node.output![0], { layer, kernel: rows });
  return out;
}

const gemm: Lowering = (ctx, node, ins, attrs) => {
  const [a, b, c] = ins as (Val | undefined)[];
  const alpha = (attrs.alpha as number) ?? 1;
  const beta = (attrs.beta as number) ?? 1;
  const opAttrs = { alpha, beta, transA: attrs.transA ?? 0, transB: attrs.transB ?? 0 };
  if ([a, b, c].every((v) => !v || isConst(v))) return ctx.fold(node, 'Gemm', [a, b, c].filter(Boolean) as Val[] as never, opAttrs);
  if (isData(a) && isConst(b) && (!c || isConst(c)) && !attrs.transA && a.t.shape.length === 2) {
    let k = attrs.transB ? tf.transpose(b.t) : b.t;
    if (alpha !== 1) k = tf.mul(k, alpha);
    const bias = c ? (beta !== 1 ? tf.mul(c.t, beta) : c.t) : null;
    return [dense(ctx, node, a, k as tf.Tensor2D, bias)];
  }
  const operands = [a, b, c].filter(Boolean).map((v) => (isData(v) ? ctx.native(node, v) : v)) as Val[];
  return ctx.op(node, 'Gemm', 'Gemm', operands, opAttrs, [null]);
};

const matMul: Lowering = (ctx, node, ins) => {
  const [a, b] = ins as Val[];
  if (isConst(a) && isConst(b)) return ctx.fold(node, 'MatMul', [a, b], {});
  if (isData(a) && isConst(b) && b.t.rank === 2 && a.t.shape.length >= 2) return [dense(ctx, node, a, b.t as tf.Tensor2D, null)];
  const operands = [a, b].map((v) => (isData(v) ? ctx.native(node, v) : v));
  return ctx.op(node, 'MatMul', 'MatMul', operands, {}, [null]);
};

export const DENSE_LOWERINGS: Record<string, Lowering> = { Gemm: gemm, MatMul: matMul };
