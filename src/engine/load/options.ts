/** Options every loader takes, their defaults, and the memory check done before allocation. */
import { UserError } from '../errors';

export interface LoadOptions {
  /** Sequence length for models whose input length is unspecified (None). */
  length?: number;
  /** Refuse models whose weights need more than this many megabytes (default 1024). */
  maxMemoryMB?: number;
  /**
   * Nothing else runs on TensorFlow.js in this process while the model loads (the CLI's run, a
   * batch's model process): the model may be built on the cpu backend (backend.ts
   * buildOnPlainBackend says why). Not for the extension's worker, which serves tasks at once.
   */
  alone?: boolean;
}

/** Length used for a fully convolutional model when no length is given (documented in docs/formats.md). */
export const DEFAULT_LENGTH = 1000;
export const DEFAULT_MAX_MEMORY_MB = 1024;

/**
 * Refuses a model whose float32 weights exceed the limit. Called with the parameter count read
 * from the file's metadata (HDF5 dataset shapes, TF.js manifest) before any weight is read or
 * any tensor is allocated.
 */
export function checkMemory(file: string, parameters: number, options: LoadOptions = {}): void {
  const limit = options.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB;
  const mb = (parameters * 4) / (1024 * 1024);
  if (mb > limit) {
    const size = mb >= 10 ? mb.toFixed(0) : mb.toPrecision(2);
    throw new UserError(
      `${file}: model too large: its ${parameters.toLocaleString('en-US')} weights need ${size} MB, more than the limit of ${limit} MB (maxMemoryMB)`,
    );
  }
}

export function validLength(options: LoadOptions): number | undefined {
  const n = options.length;
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1) throw new UserError(`length must be a positive whole number (got ${n})`);
  return n;
}
