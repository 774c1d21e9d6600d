/** Lowering of element-wise ONNX nodes: activations, arithmetic with broadcasting, Where, Cast. */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { AttrValue, Node } from './proto';
import { isConst, isData, type Context, type DataVal, type Val } from './context';
import type { Perm } from './layout';
import type { Lowering } from './lowering';

/** Activations that are TF.js Activation layers (the engine's rules know them: final sigmoid, ReLU after Dense). */
const KERAS_ACTIVATION: Record<string, string> = { Relu: 'relu', Sigmoid: 'sigmoid', Tanh: 'tanh', Softplus: 'softplus', Softsign: 'softsign' };

const UNARY = ['Relu', 'Sigmoid', 'Tanh', 'Elu', 'Celu', 'Selu', 'LeakyRelu', 'ThresholdedRelu', 'Softplus', 'Softsign', 'HardSigmoid', 'HardSwish', 'Mish', 'Gelu', 'Exp', 'Log', 'Sqrt', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sin', 'Cos', 'Erf', 'Sign', 'Not', 'IsNaN'];
const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual', 'And', 'Or', 'Xor', 'PRelu', 'Where'];

const ONNX_TO_DTYPE: Record<number, 'float32' | 'int32' | 'bool'> = { 1: 'float32', 10: 'float32', 11: 'float32', 16: 'float32', 2: 'int32', 3: 'int32', 4: 'int32', 5: 'int32', 6: 'int32', 7: 'int32', 12: 'int32', 13: 'int32', 9: 'bool' };

function plain(attrs: Record<string, AttrValue>) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) if (typeof v === 'number' || typeof v === 'string') out[k] = v;
  return out;
}

/** Unary op on a data value: keeps its layout (a flattened map keeps its order too). */
function unary(ctx: Context, node: Node, x: DataVal, op: string, attrs: Record<string, unknown>): Val {
  const act = KERAS_ACTIVATION[op];
  const simpleElu = op === 'Elu' && (attrs.alpha ?? 1) === 1;
  const simpleSelu = op === 'Selu' && attrs.alpha === undefined && attrs.gamma === undefined;
  if (act || simpleElu || simpleSelu) {
    const layer = tfl.layers.activation({ activation: (act ?? op.toLowerCase()) as 'relu', name: ctx.layerName(node) });
    return ctx.layer(node, layer, x, null, x.perm, x.flat);
  }
  if (op === 'LeakyRelu') return ctx.layer(node, tfl.layers.leakyReLU({ alpha: (attrs.alpha as number) ?? 0.01, name: ctx.layerName(node) }), x, null, x.perm, x.flat);
  const [out] = ctx.op(node, op, op, [{ ...x, flat: null }], attrs, [x.perm]);
  return { ...(out as DataVal), flat: x.flat };
}

/**
 * Operands of a broadcasting op in one layout: data operands in the layout of the first one of
 * highest rank, constants broadcast to that rank and held the same way. Data operands of a lower
 * rank would align their batch axis with another axis: those run in the native layout.
 */
export function unify(ctx: Context, node: Node, ins: Val[]): { operands: Val[]; perm: Perm } {
  const data = ins.filter(isData);
  const rank = Math.max(...ins.map((v) => ctx.rank(v)));
  const lead = data.find((d) => ctx.rank(d) === rank && !d.flat) ?? data[0];
  let perm = lead.flat ? null : lead.perm;
  if (data.some((d) => ctx.rank(d) !== rank)) perm = null;
  const operands = ins.map((v) => (isData(v) ? ctx.toPerm(node, v, perm) : isConst(v) && perm ? ctx.constIn(v, rank, perm) : v));
  return { operands, perm };
}

const elementwise: Lowering = (ctx, node, ins, attrs) => {
  const op = node.opType!;
  const a = plain(attrs);
  if (op === 'Clip') {
    // opset ≥ 11: min and max are inputs.
    if (ins[1]) a.min = ctx.ints(ins[1], node, 'minimum')[0];
    if (ins[2]) a.max = ctx.ints(ins[2], node, 'maximum')[0];
  }
  if (op === 'Cast') a.to = ONNX_TO_DTYPE[attrs.to as number] ?? 'float32';
  const present = ins.filter((v): v is Val => v !== undefined);
  if (UNARY.includes(op) || op === 'Clip' || op === 'Cast') {
    const x = present[0];
    if (op === 'Cast' && isData(x) && a.to === x.t.dtype) return [x];
    if (isData(x)) return [unary(ctx, node, x, op, a)];
    return ctx.fold(node, op, [x], a);
  }
  if (present.every(isConst)) return ctx.fold(node, op, present, a);
  const { operands, perm } = unify(ctx, node, present);
  const flatSame = present.every((v) => isData(v) && v.flat && v.flat === (present[0] as DataVal).flat);
  if (flatSame) {
    // Both operands flattened in the same held order: the op is indifferent to the order.
    const [out] = ctx.op(node, op, op, present.map((v) => ({ ...(v as DataVal), flat: null })), a, [null]);
    return [{ ...(out as DataVal), flat: (present[0] as DataVal).flat }];
  }
  return ctx.op(node, op, op, operands, a, [perm]);
};

/** Add of a constant vector right after a MatMul made into Dense: the Dense layer's bias. */
const add: Lowering = (ctx, node, ins, attrs, context) => {
  const [x, y] = ins;
  const pick = isData(x) && isConst(y) ? { d: x, c: y, name: node.input![0] } : isData(y) && isConst(x) ? { d: y, c: x, name: node.input![1] } : null;
  const open = pick ? ctx.openDense.get(pick.name) : undefined;
  if (pick && open && ctx.readers.get(pick.name) === 1 && !pick.c.t3) {
    const units = open.kernel.shape[1] as number;
    const shape = pick.c.t.shape;
    if (pick.c.t.size === units && shape[shape.length - 1] === units) {
      open.layer.setWeights([open.kernel, tf.reshape(pick.c.t, [units])]);
      ctx.openDense.delete(pick.name);
      ctx.nameLayer(node, open.layer.name);
      return [pick.d];
    }
  }
  return elementwise(ctx, node, ins, attrs, context);
};

export const ELEMENTWISE_LOWERINGS: Record<string, Lowering> = {
  ...Object.fromEntries([...UNARY, ...BINARY, 'Clip', 'Cast'].map((op) => [op, elementwise])),
  Add: add,
  Identity: (_ctx, _node, ins) => [ins[0]!],
  Dropout: (ctx, node, ins) => {
    if (node.output![1] && ctx.readers.get(node.output![1])) throw ctx.refuse(node, 'its dropout mask output is used; not supported');
    return [ins[0]!];
  },
};
