/** Type names tfjs-layers does not export from its package root. */
import type { LayersModel } from '@tensorflow/tfjs-layers';

export type Layer = LayersModel['layers'][number];
export type Shape = (number | null)[];
