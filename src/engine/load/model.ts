/** What a loader returns: the TF.js model, where it came from, and how its input is laid out. */
import type { LayersModel } from '@tensorflow/tfjs-layers';

export type ModelFormat = 'tfjs-layers' | 'keras-h5' | 'keras-json-h5' | 'keras-v3' | 'onnx';

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

/** One output of the model as the file names and lays it out. */
export interface OutputInfo {
  /** The name the user sees and passes to --output (Keras output layer name, ONNX graph output name). */
  name: string;
  /**
   * Axis order (batch axis included) that turns the TF.js output tensor into the file's own layout,
   * or null when they agree. ONNX channels-first maps are held channels-last inside (as Keras
   * channels-first models are), so `predict` transposes an (N, L, C) output back to (N, C, L).
   */
  toNative: number[] | null;
}

export interface LoadedModel {
  model: LayersModel;
  /** Short name for display (the file or folder name). */
  name: string;
  path: string;
  format: ModelFormat;
  input?: InputLayout;
  /** Per output of `model.outputs`, in order; absent: named after the output layers, no transposition. */
  outputs?: OutputInfo[];
  /** Names the file uses for layers, when they differ from the TF.js layer names (ONNX node output names → layer name). */
  layerAliases?: Record<string, string>;
  /** Things the user should know about the import (e.g. a default length was used). */
  notes?: string[];
}
