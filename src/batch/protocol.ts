/**
 * Messages between a batch (pool.ts) and its model processes (child.ts), over Node's IPC channel.
 * A process takes one job at a time; it answers `skipped`, `done` or `failed`, with `progress` in
 * between. Plain data only.
 */
import type { ModelJob } from './resolve-model';

export interface ChildJob extends ModelJob {
  /** Redo the model even when its result is current. */
  force: boolean;
}

export type ToChild = { type: 'run'; job: ChildJob } | { type: 'cancel' };

/** Why a model ran: it had no result, its settings or its model changed, or --force. */
export type RunReason = 'new' | 'settings' | 'model' | 'forced';

export type FromChild =
  | { type: 'skipped' }
  | { type: 'started'; reason: RunReason; detail?: string }
  | { type: 'progress'; fraction: number; stage?: string }
  | { type: 'done'; seconds: number; classes: number; backend: string }
  /** kind as in the CLI: 'user' (the input's fault), 'cancelled', 'internal' (a bug). `message` is one line. */
  | { type: 'failed'; kind: 'user' | 'cancelled' | 'internal'; message: string; details?: string };
