import * as os from 'node:os';

/**
 * The threads an analysis computes on: `--workers` when given, else one per core, at most 4
 * (worker threads each hold a copy of the model, and the measured gains stop before that).
 */
export const threadsFor = (workers?: number): number => workers || Math.min(4, os.availableParallelism());
