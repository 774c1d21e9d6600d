/** A batch's progress (run-batch.ts makes it), in the shape every progress display takes: pairs are models here. */
import type { AscentProgress } from '../engine/ascent/pairs';

export interface BatchCounts {
  /** Models of this batch (this shard). */
  total: number;
  done: number;
  skipped: number;
  failed: number;
  /** Models running now, with the fraction of each that is done. */
  running: { name: string; fraction: number }[];
}

export interface BatchProgress extends AscentProgress {
  batch: BatchCounts;
}

export function isBatchProgress(p: AscentProgress): p is BatchProgress {
  return (p as Partial<BatchProgress>).batch !== undefined;
}
