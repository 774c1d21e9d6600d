/** The table of ONNX op types the loader can lower, one family per file. */
import { CONV_LOWERINGS } from './lower-conv';
import { DENSE_LOWERINGS } from './lower-dense';
import { ELEMENTWISE_LOWERINGS } from './lower-elementwise';
import { NORM_LOWERINGS } from './lower-norm';
import { RECURRENT_LOWERINGS } from './lower-recurrent';
import { REDUCE_LOWERINGS } from './lower-reduce';
import { SHAPE_LOWERINGS } from './lower-shape';
import type { Lowering } from './lowering';

export type { Lowering };

export const LOWERINGS: Record<string, Lowering> = {
  ...ELEMENTWISE_LOWERINGS,
  ...SHAPE_LOWERINGS,
  ...DENSE_LOWERINGS,
  ...CONV_LOWERINGS,
  ...NORM_LOWERINGS,
  ...REDUCE_LOWERINGS,
  ...RECURRENT_LOWERINGS,
};
