/**
 * Messages between the HDF5 reader thread (hdf5-reader.ts) and its users (hdf5.ts), and the
 * snapshot of a file's structure the reader sends back. Plain data only: everything crosses by
 * structured clone; dataset values cross as transferred Float32Array buffers.
 */

/** Attributes the loaders use; no other attribute is read. */
export const WANTED_ATTRIBUTES = ['model_config', 'keras_version', 'backend', 'layer_names', 'weight_names'] as const;

/** Top-level groups never walked: optimiser state is not needed to run a model. */
export const SKIPPED_GROUPS = ['/optimizer_weights', '/optimizer'] as const;

export interface GroupNode {
  kind: 'group';
  path: string;
  keys: string[];
  /** Values of the WANTED_ATTRIBUTES the group has, as h5wasm returns them (strings, byte arrays, lists). */
  attrs: Record<string, unknown>;
}

export interface DatasetNode {
  kind: 'dataset';
  path: string;
  shape: number[];
  /** h5wasm's dtype string, for messages. */
  dtype: string;
  /** HDF5 class (0 integer, 1 float, …) and element size in bytes. */
  type: number;
  size: number;
  vlen: boolean;
  /** Bytes of the values in memory (shape × size), checked against the file size. */
  bytes: number;
}

export type Node = GroupNode | DatasetNode;

/** Every group and dataset of a file by absolute path ('/' is the root). */
export type Snapshot = Record<string, Node>;

export type ToReader =
  | { type: 'open'; id: number; path: string; maxBytes: number }
  | { type: 'read'; id: number; handle: number; datasets: string[] }
  | { type: 'close'; id: number; handle: number };

export type FromReader =
  /** The library is loaded (id 0). */
  | { type: 'ready'; id: number }
  | { type: 'opened'; id: number; handle: number; snapshot: Snapshot }
  /** A sign of life during a long open or read (the watchdog restarts on each); `where`: the object read next. */
  | { type: 'progress'; id: number; where?: string }
  | { type: 'values'; id: number; values: Float32Array[] }
  | { type: 'closed'; id: number }
  /**
   * `cause` completes `<file>: <cause>`. `fresh`: the file failed earlier in this reader, which
   * may still hold it open: retry on a fresh reader. `fatal`: the library crashed; retire the reader.
   */
  | { type: 'failed'; id: number; cause: string; fresh?: boolean; fatal?: boolean };
