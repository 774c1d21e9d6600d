/**
 * Runs batches of hidden-space pairs on worker threads, so that both cores of a laptop work
 * (the analysis itself may already be in a worker: nested workers are fine in Node). Each pair's
 * computation is the same wherever it runs, so results do not depend on the number of workers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../errors';
import type { PairOutcome, PairSettings, PairWeights } from './hidden-pair';
import type { PairBatch, PairWorkerData } from './hidden-pair-worker';

const BUNDLED = path.join(__dirname, 'hidden-pair-worker.js');
const SOURCE = path.join(__dirname, 'hidden-pair-worker.ts');

/** A worker on the script next to the bundle (dist/), or on the TypeScript source through tsx (tests). */
function startWorker(workerData: PairWorkerData): Worker {
  if (fs.existsSync(BUNDLED)) return new Worker(BUNDLED, { workerData });
  return new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(SOURCE)});`, { eval: true, workerData });
}

export class PairPool {
  /** Whether a worker script is at hand (a bundle shipped without it runs on one thread). */
  static available(): boolean {
    return fs.existsSync(BUNDLED) || fs.existsSync(SOURCE);
  }

  private workers: Worker[];
  private nextId = 0;

  constructor(size: number, data: PairWorkerData) {
    this.workers = Array.from({ length: size }, () => startWorker(data));
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs the pairs split evenly over the workers; outcomes in the pairs' order. `onDone` hears the
   * number of pairs finished so far, a few times a second.
   */
  async run(classes: number[], p0: Float32Array, n0: Float64Array, hidden: number, signal?: AbortSignal, onDone?: (pairs: number) => void): Promise<PairOutcome[]> {
    const done = this.workers.map(() => 0);
    const parts = this.workers.map((worker, w) => {
      const from = Math.floor((w * classes.length) / this.workers.length);
      const to = Math.floor(((w + 1) * classes.length) / this.workers.length);
      const batch: PairBatch = { id: this.nextId++, classes: classes.slice(from, to), p0: p0.slice(from * hidden, to * hidden), n0: n0.slice(from, to) };
      return new Promise<PairOutcome[]>((resolve, reject) => {
        const onMessage = (m: { id: number; outcomes?: PairOutcome[]; done?: number }) => {
          if (m.id !== batch.id) return;
          if (!m.outcomes) {
            done[w] = m.done ?? 0;
            onDone?.(done.reduce((a, b) => a + b, 0));
            return;
          }
          worker.off('message', onMessage);
          worker.off('error', reject);
          done[w] = m.outcomes.length;
          onDone?.(done.reduce((a, b) => a + b, 0));
          resolve(m.outcomes);
        };
        worker.on('message', onMessage);
        worker.once('error', reject);
        worker.postMessage(batch);
      });
    });
    let onAbort = () => {};
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new CancelledError());
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return (await Promise.race([Promise.all(parts), aborted])).flat();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      // A rejection nobody awaits any more must not surface as an unhandled one.
      aborted.catch(() => {});
      Promise.all(parts).catch(() => {});
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export type { PairSettings, PairWeights };
