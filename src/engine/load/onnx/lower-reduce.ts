/** Reductions and (log-)softmax; a softmax over the held last axis is the TF.js Softmax layer (stripped as a final activation). */
import * as tfl from '@tensorflow/tfjs-layers';
import { isConst, type DataVal } from './context';
import { dropAxes, full, heldAxis } from './layout';
import type { Lowering } from './lowering';

const REDUCE = ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp'];

const reduce: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const fromInput = ins[1] ? ctx.ints(ins[1], node, 'axes') : undefined;
  const listed = fromInput ?? (attrs.axes as number[] | undefined);
  const keepdims = ((attrs.keepdims as number) ?? 1) === 1;
  if (listed?.length === 0 && attrs.noop_with_empty_axes === 1) return [x];
  const axes = (listed && listed.length ? listed : full(null, rank)).map((a) => (a < 0 ? a + rank : a));
  const op = node.opType!;
  if (isConst(x)) return ctx.fold(node, op, [x], { axes, keepdims });
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  if (axes.includes(full(d.perm, rank)[0])) throw ctx.refuse(node, 'it reduces over the batch axis; not supported');
  const held = axes.map((a) => heldAxis(d.perm, a));
  return ctx.op(node, op, op, [d], { axes: held, keepdims }, [keepdims ? d.perm : dropAxes(d.perm, rank, axes)]);
};

const softmax: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const op = node.opType!;
  const axis0 = (attrs.axis as number | undefined) ?? (ctx.opset < 13 ? 1 : -1);
  const axis = axis0 < 0 ? axis0 + rank : axis0;
  // Before opset 13 the op flattens the axes from `axis` on; on the last axis both agree.
  const coerce = ctx.opset < 13 && axis !== rank - 1;
  if (isConst(x)) return ctx.fold(node, op, [x], { axis, coerce });
  let d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  if (coerce) d = ctx.native(node, d);
  const h = coerce ? axis : heldAxis(d.perm, axis);
  if (h === 0) throw ctx.refuse(node, 'softmax over the batch axis; not supported');
  if (op === 'Softmax' && !coerce && h === rank - 1) return [ctx.layer(node, tfl.layers.softmax({ axis: -1, name: ctx.layerName(node) }), d, null, d.perm)];
  return ctx.op(node, op, op, [d], { axis: h, coerce }, [d.perm]);
};

export const REDUCE_LOWERINGS: Record<string, Lowering> = {
  ...Object.fromEntries(REDUCE.map((op) => [op, reduce])),
  Softmax: softmax,
  LogSoftmax: softmax,
};

