/**
 * Normalisations. BatchNormalization on the held last axis (channels-last maps, dense features)
 * is the TF.js BatchNormalization layer; elsewhere, and LayerNormalization/InstanceNormalization,
 * an OnnxOp with its parameters shaped to broadcast against the held tensor.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { isConst, isData, type ConstVal, type Context, type DataVal } from './context';
import { full, heldAxis } from './layout';
import type { Lowering } from './lowering';
import type { Node } from './proto';

/** A per-channel vector shaped [C, 1, …] (native, channel axis 1 of a rank-r map) and held like x. */
function perChannel(ctx: Context, c: ConstVal, x: DataVal): ConstVal {
  const rank = x.t.shape.length;
  const native = { kind: 'const' as const, t: tf.reshape(c.t, [c.t.size, ...new Array(Math.max(rank - 2, 0)).fill(1)]) };
  return ctx.constIn(native, rank, x.perm);
}

function constants(ctx: Context, node: Node, vals: unknown[]): ConstVal[] {
  if (!vals.every((v) => isConst(v as never))) throw ctx.refuse(node, 'its parameters are computed from the data; only constant parameters are supported');
  return vals as ConstVal[];
}

const batchNorm: Lowering = (ctx, node, ins, attrs) => {
  const [x, ...rest] = ins;
  if (!isData(x)) throw ctx.refuse(node, 'batch normalisation of constants; not supported');
  if (attrs.training_mode === 1) throw ctx.refuse(node, 'batch normalisation in training mode; export the model in eval mode');
  const [scale, bias, mean, variance] = constants(ctx, node, rest.slice(0, 4));
  const epsilon = (attrs.epsilon as number) ?? 1e-5;
  const rank = x.t.shape.length;
  const params = [scale, bias, mean, variance].map((c) => (x.flat ? tf.gather(c.t, tf.tensor1d(x.flat, 'int32')) : c.t));
  if (x.flat || heldAxis(x.perm, 1) === rank - 1) {
    const layer = tfl.layers.batchNormalization({ axis: -1, epsilon, name: ctx.layerName(node) });
    return [ctx.layer(node, layer, x, params, x.perm, x.flat)];
  }
  const shaped = [scale, bias, mean, variance].map((c) => perChannel(ctx, c, x));
  return ctx.op(node, 'BatchNormalization', 'BatchNormalization', [x, ...shaped], { epsilon }, [x.perm]);
};

const layerNorm: Lowering = (ctx, node, ins, attrs) => {
  const [x, ...rest] = ins;
  if (!isData(x)) throw ctx.refuse(node, 'layer normalisation of constants; not supported');
  if (node.output!.slice(1).some((o) => o && ctx.readers.get(o))) throw ctx.refuse(node, 'its mean or inverse deviation output is used; not supported');
  const d = x.flat ? ctx.restoreFlat(node, x) : x;
  const rank = d.t.shape.length;
  const axis = ((attrs.axis as number) ?? -1) < 0 ? ((attrs.axis as number) ?? -1) + rank : (attrs.axis as number);
  if (axis === 0) throw ctx.refuse(node, 'it normalises over the batch axis; not supported');
  const axes = full(null, rank).slice(axis).map((a) => heldAxis(d.perm, a));
  const params = constants(ctx, node, rest.filter(Boolean)).map((c) => ctx.constIn(c, rank, d.perm));
  return ctx.op(node, 'LayerNormalization', 'LayerNormalization', [d, ...params], { axes, epsilon: (attrs.epsilon as number) ?? 1e-5 }, [d.perm]);
};

const instanceNorm: Lowering = (ctx, node, ins, attrs) => {
  const [x, ...rest] = ins;
  if (!isData(x) || x.t.shape.length < 3) throw ctx.refuse(node, 'instance normalisation needs a data map with spatial axes');
  const [scale, bias] = constants(ctx, node, rest.slice(0, 2));
  const rank = x.t.shape.length;
  const axes = full(null, rank).slice(2).map((a) => heldAxis(x.perm, a));
  return ctx.op(node, 'InstanceNormalization', 'InstanceNormalization', [x, perChannel(ctx, scale, x), perChannel(ctx, bias, x)], { axes, epsilon: (attrs.epsilon as number) ?? 1e-5 }, [x.perm]);
};

export const NORM_LOWERINGS: Record<string, Lowering> = {
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  InstanceNormalization: instanceNorm,
};
