/** What a loader returns: the TF.js model and where it came from. */
import type { LayersModel } from '@tensorflow/tfjs-layers';

export interface LoadedModel {
  model: LayersModel;
  /** Short name for display (the file or folder name). */
  name: string;
  path: string;
  format: 'tfjs-layers' | 'keras-h5' | 'keras-json-h5' | 'keras-v3';
}
