/** What a loader returns: the TF.js model, where it came from, and how its input is laid out. */
import type { LayersModel } from '@tensorflow/tfjs-layers';

export type ModelFormat = 'tfjs-layers' | 'keras-h5' | 'keras-json-h5' | 'keras-v3';

/** Where the sequence and the alphabet are in the model's input (shape without the batch axis). */
export interface InputLayout {
  shape: (number | null)[];
  /** Axis of `shape` along the sequence, or null when the input is not one-hot DNA. */
  sequenceAxis: number | null;
  /** Axis of `shape` holding the 4 letters A, C, G, T, or null when the input is not one-hot DNA. */
  alphabetAxis: number | null;
  /** Sequence length analysed (the declared one, or the one chosen for an unspecified length). */
  length: number | null;
  oneHotDna: boolean;
}

export interface LoadedModel {
  model: LayersModel;
  /** Short name for display (the file or folder name). */
  name: string;
  path: string;
  format: ModelFormat;
  input?: InputLayout;
  /** Things the user should know about the import (e.g. a default length was used). */
  notes?: string[];
}
