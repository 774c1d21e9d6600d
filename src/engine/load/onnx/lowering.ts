/** The type of one lowering, shared by the table (lowerings.ts) and the files of lowerings it collects. */
import type { Context, Val } from './context';
import type { AttrValue, Node } from './proto';

/** One node → its output values. `ins` follows node.input (undefined for an omitted optional input). */
export type Lowering = (ctx: Context, node: Node, ins: (Val | undefined)[], attrs: Record<string, AttrValue>, info?: unknown) => Val[];
