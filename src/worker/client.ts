/**
 * The extension host's side of the analysis worker: starts it on first use, reuses it, restarts it
 * after a crash (the run in flight fails with a one-line error, never hangs), and stops it on
 * dispose. Cancelling asks the worker to stop; if it has not answered within `hardCancelMs`
 * (a stuck load; for an analysis, at least three of its longest steps seen so far), the worker is
 * terminated, so a stop always takes effect. An analysis that answers `stopping` gets
 * `partialMs` more to hand over the classes that finished (a partial result). No vscode import: the unit tests drive it with a fake worker.
 */
import type { Worker } from 'node:worker_threads';
import type { AscentProgress } from '../engine/ascent/pairs';
import { CancelledError, UserError } from '../engine/errors';
import { isFromWorker, type FromWorker, type Task, type TaskResult, type ToWorker } from './protocol';

/** A failure of the worker itself (crash, out of memory, bug): not the user's fault. */
export class WorkerError extends Error {
  constructor(message: string, readonly details?: string) {
    super(message);
    this.name = 'WorkerError';
  }
}

export interface RunHandle<T> {
  id: number;
  promise: Promise<T>;
  cancel(): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  onProgress?: (p: AscentProgress) => void;
  timer?: NodeJS.Timeout;
  /** When the last ascent progress came and the longest gap between two (ms): the pace of its steps. */
  lastStep?: number;
  longestStep: number;
}

export interface ClientOptions {
  /** Creates a worker (the real one runs dist/worker.js). */
  create(): Worker;
  hardCancelMs?: number;
  /** How long a stopping analysis may take to build its partial result before the worker is terminated. */
  partialMs?: number;
  log?: (line: string) => void;
}

export class WorkerClient {
  private worker?: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private disposed = false;
  /** How many workers were started (1 after first use; more after crashes or hard cancels). */
  starts = 0;

  constructor(private readonly options: ClientOptions) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  get busy(): number {
    return this.pending.size;
  }

  run<K extends Task['kind']>(task: Extract<Task, { kind: K }>, onProgress?: (p: AscentProgress) => void): RunHandle<TaskResult[K]> {
    if (this.disposed) throw new WorkerError('DeepResolve is shutting down');
    const id = this.nextId++;
    const promise = new Promise<TaskResult[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, onProgress, longestStep: 0 });
    });
    try {
      const worker = this.ensure();
      // Busy workers keep the process alive; idle ones do not (see settle).
      worker.ref();
      worker.postMessage({ type: 'run', id, task } satisfies ToWorker);
    } catch (err) {
      this.settle(id, (p) => p.reject(new WorkerError(`could not start the analysis worker: ${(err as Error).message}`)));
    }
    return { id, promise, cancel: () => this.cancel(id) };
  }

  cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p || p.timer || !this.worker) return;
    this.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
    // An analysis hears the request between two steps: it gets three of its longest steps to.
    this.hardStop(id, p, Math.max(this.hardCancelMs, 3 * p.longestStep));
  }

  private hardStop(id: number, p: Pending, ms: number) {
    const worker = this.worker;
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      if (!this.pending.has(id) || this.worker !== worker) return;
      this.options.log?.(`worker did not stop run ${id} within ${ms} ms: terminating it`);
      this.settle(id, (q) => q.reject(new CancelledError()));
      if (worker) this.restart(worker, 'a run was stopped');
    }, ms);
  }

  private get hardCancelMs(): number {
    return this.options.hardCancelMs ?? 750;
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = this.options.create();
    this.starts++;
    this.options.log?.(`analysis worker started (thread ${worker.threadId})`);
    worker.on('message', (m: unknown) => {
      if (isFromWorker(m)) this.receive(m);
    });
    worker.on('error', (err: Error) => this.crashed(worker, `the analysis worker failed: ${err.message}`, err.stack));
    worker.on('exit', (code: number) => {
      if (this.worker === worker) this.crashed(worker, `the analysis worker stopped unexpectedly (exit code ${code})`);
    });
    // Do not keep the host process alive just for an idle worker.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private receive(m: FromWorker) {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      if (m.progress.stage === undefined) {
        const now = Date.now();
        if (p.lastStep !== undefined) p.longestStep = Math.max(p.longestStep, now - p.lastStep);
        p.lastStep = now;
      }
      p.onProgress?.(m.progress);
      return;
    }
    if (m.type === 'stopping') {
      if (p.timer) this.hardStop(m.id, p, this.options.partialMs ?? 120_000);
      return;
    }
    if (m.type === 'result') {
      this.settle(m.id, (q) => q.resolve(m.value));
      return;
    }
    const err = m.kind === 'cancelled' ? new CancelledError(m.message) : m.kind === 'user' ? new UserError(m.message) : new WorkerError(m.message, m.stack);
    this.settle(m.id, (q) => q.reject(err));
  }

  private settle(id: number, how: (p: Pending) => void) {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    if (this.pending.size === 0) this.worker?.unref();
    how(p);
  }

  /** Every run in flight fails with one clear line; the next run starts a fresh worker. */
  private crashed(worker: Worker, message: string, details?: string) {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.options.log?.(`${message}; it will be restarted for the next run`);
    for (const id of [...this.pending.keys()]) {
      this.settle(id, (p) => p.reject(p.timer ? new CancelledError() : new WorkerError(`${message}; run the cell again to restart it`, details)));
    }
    void worker.terminate();
  }

  /** Stops the worker on purpose (hard cancel); other runs in flight fail and can be rerun. */
  private restart(worker: Worker, why: string) {
    if (this.worker !== worker) return;
    this.worker = undefined;
    for (const id of [...this.pending.keys()]) {
      this.settle(id, (p) => p.reject(new WorkerError(`the analysis worker was restarted (${why}); run the cell again`)));
    }
    void worker.terminate();
  }

  /** Stops the worker on request (the user's "Restart Analysis Worker"); the next run starts a new one. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker) this.restart(worker, 'on request');
  }

  /** Terminates the worker (extension deactivation). */
  async dispose(): Promise<void> {
    this.disposed = true;
    const worker = this.worker;
    this.worker = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(new CancelledError('DeepResolve was stopped')));
    if (worker) await worker.terminate();
  }
}
