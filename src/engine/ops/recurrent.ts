/** Recurrent ops (LSTM, GRU): filled in by the recurrent lowering. */
import type { OpFn } from './index';

export const RECURRENT_OPS: Record<string, OpFn> = {};
