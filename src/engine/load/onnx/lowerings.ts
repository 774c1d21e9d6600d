/** The table of ONNX op types the loader can lower, one family per file. */
import type { Context, Val } from './context';
import type { AttrValue, Node } from './proto';
import { CONV_LOWERINGS } from './lower-conv';
import { DENSE_LOWERINGS } from './lower-dense';
import { ELEMENTWISE_LOWERINGS } from './lower-elementwise';
import { NORM_LOWERINGS } from './lower-norm';
import { RECURRENT_LOWERINGS } from './lower-recurrent';
import { REDUCE_LOWERINGS } from './lower-reduce';
import { SHAPE_LOWERINGS } from './lower-shape';

/** One node → its output values. `ins` follows node.input (undefined for an omitted optional input). */
export type Lowering = (ctx: Context, node: Node, ins: (Val | undefined)[], attrs: Record<string, AttrValue>, info?: unknown) => Val[];

export const LOWERINGS: Record<string, Lowering> = {
  ...ELEMENTWISE_LOWERINGS,
  ...SHAPE_LOWERINGS,
  ...DENSE_LOWERINGS,
  ...CONV_LOWERINGS,
  ...NORM_LOWERINGS,
  ...REDUCE_LOWERINGS,
  ...RECURRENT_LOWERINGS,
};
