/**
 * Runs shares of the (class, restart) pairs side by side — each on a worker thread, or one on the
 * calling thread — and gathers their results, progress and stops: the common part of the
 * TensorFlow.js ascent pool (pool.ts) and the ONNX Runtime lanes (native/lanes.ts).
 *
 * A worker speaks the protocol below: one run message in (the caller's, posted here); `ready`
 * once it can step, `progress` a few times a second, then `done` with its PairResults, or
 * `failed`. A `cancel` message stops it at its next step; `cancelled` then carries the pairs it
 * had finished. When the run ends, whatever the outcome, every worker is terminated — or, where
 * the caller keeps its threads (`keepWorkers`: ONNX Runtime's lanes, whose threads must never
 * end; native/lanes.ts says why), left with no listener of this run.
 */
import type { Worker } from 'node:worker_threads';
import { AscentCancelled, type AscentHooks, type Pair, type PairResult } from './pairs';
import { CancelledError, UserError, oneLine } from '../errors';

export type ShareWorkerMessage =
  | { type: 'ready'; seconds: number }
  | { type: 'progress'; pairsDone: number; fraction: number; active: number; etaSeconds: number | null }
  | { type: 'done'; results: PairResult[] }
  | { type: 'cancelled'; results: PairResult[] }
  | { type: 'failed'; stage: 'load' | 'ascent'; name: string; message: string };

export interface Share {
  pairs: Pair[];
  /** A started worker thread and the run message it is sent… */
  worker?: Worker;
  message?: unknown;
  /** …or the same run on the calling thread. */
  local?: (pairs: Pair[], hooks: AscentHooks) => Promise<PairResult[]>;
}

export interface SharesOptions {
  /** Least milliseconds between two progress reports (the end of a share is reported at once). */
  progressMs: number;
  /** The chunk size the progress reports give. */
  chunkSize: number;
  /** Told once every worker is ready (it may report a stage). */
  onReady?: () => void;
  /** The workers are the caller's: not terminated at the end (their listeners are removed). */
  keepWorkers?: boolean;
}

/** How long a cancelled run waits for its threads to hand over the pairs they finished. */
const CANCEL_GRACE_MS = 5000;

interface State {
  done: number;
  fraction: number;
  active: number;
  /** The share's own estimate of its seconds left (its thread's measured pace). */
  eta: number | null;
}

/**
 * The results of every share, in the order of `pairs` — or `{ loadFailed }` when a worker could
 * not load what it was sent (the caller may then run everything on one thread). Throws
 * AscentCancelled with the finished pairs when stopped, a UserError when a worker fails.
 */
export async function runShares(shares: Share[], pairs: Pair[], hooks: AscentHooks, options: SharesOptions): Promise<{ results: PairResult[] } | { loadFailed: string }> {
  const started = Date.now();
  const states: State[] = shares.map(() => ({ done: 0, fraction: 0, active: 0, eta: null }));
  const workers = shares.filter((s) => s.worker).length;
  let lastReport = 0;
  let ready = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!hooks.onProgress || ready < workers || (!force && now - lastReport < options.progressMs)) return;
    lastReport = now;
    hooks.onProgress({
      pairsDone: states.reduce((a, s) => a + s.done, 0),
      pairsTotal: pairs.length,
      fraction: states.reduce((a, s, w) => a + s.fraction * shares[w].pairs.length, 0) / pairs.length,
      active: states.reduce((a, s) => a + s.active, 0),
      chunkSize: options.chunkSize,
      elapsedSeconds: (now - started) / 1000,
      // The threads run side by side: the run ends with the slowest one's share.
      etaSeconds: states.some((s) => s.eta === null) ? null : Math.max(...states.map((s) => s.eta!)),
    });
  };
  const finishedShare = (w: number) => {
    states[w] = { done: shares[w].pairs.length, fraction: 1, active: 0, eta: 0 };
    report(true);
  };
  const failure = (why: string) => new UserError(`an ascent worker thread failed: ${why} (--workers 1 runs the ascent on one thread)`);

  let loadFailed: string | null = null;
  // Cancelling asks every thread to stop at its next step and waits for the pairs each had
  // finished (their classes are kept; resolve.ts); a thread that does not answer within
  // CANCEL_GRACE_MS keeps none.
  let stopped = false;
  let graceTimer: NodeJS.Timeout | undefined;
  let onAbort = () => {};
  const kept: PairResult[][] = shares.map(() => []);
  const detach: (() => void)[] = [];
  try {
    const runs = shares.map((share, w) =>
      share.local
        ? share
            .local(share.pairs, {
              signal: hooks.signal,
              onProgress: (p) => {
                if (p.stage) return;
                states[w] = { done: p.pairsDone, fraction: p.fraction, active: p.active, eta: p.etaSeconds };
                report(false);
              },
            })
            .then(
              (results) => {
                finishedShare(w);
                return (kept[w] = results);
              },
              (err: unknown) => {
                if (!(err instanceof AscentCancelled)) throw err;
                return (kept[w] = err.done);
              },
            )
        : new Promise<PairResult[]>((resolve, reject) => {
            const worker = share.worker!;
            const onMessage = (m: ShareWorkerMessage) => {
              if (m.type === 'ready') {
                if (++ready === workers) options.onReady?.();
              } else if (m.type === 'progress') {
                states[w] = { done: m.pairsDone, fraction: m.fraction, active: m.active, eta: m.etaSeconds };
                report(false);
              } else if (m.type === 'done') {
                finishedShare(w);
                resolve((kept[w] = m.results));
              } else if (m.type === 'cancelled') {
                resolve((kept[w] = m.results));
              } else if (m.stage === 'load') {
                loadFailed = m.message;
                reject(failure(`cannot load the model: ${m.message}`));
              } else {
                reject(m.name === 'UserError' ? new UserError(m.message) : failure(m.message));
              }
            };
            const onError = (err: Error) => reject(stopped ? new CancelledError() : failure(oneLine(err)));
            const onExit = (code: number) => reject(stopped ? new CancelledError() : failure(`it stopped unexpectedly (exit code ${code})`));
            worker.on('message', onMessage);
            worker.once('error', onError);
            worker.once('exit', onExit);
            detach.push(() => {
              worker.off('message', onMessage);
              worker.off('error', onError);
              worker.off('exit', onExit);
            });
            worker.postMessage(share.message);
          }),
    );
    // The workers hold what they were sent now.
    for (const s of shares) s.message = undefined;
    const grace = new Promise<'late'>((resolve) => {
      onAbort = () => {
        stopped = true;
        for (const s of shares) s.worker?.postMessage({ type: 'cancel' });
        graceTimer = setTimeout(() => resolve('late'), CANCEL_GRACE_MS);
      };
      if (hooks.signal?.aborted) onAbort();
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const all = Promise.all(runs);
    all.catch(() => {});
    let parts: PairResult[][];
    try {
      const first = await Promise.race([all, grace]);
      if (first === 'late' || stopped) throw new AscentCancelled(kept.flat());
      parts = first;
    } catch (err) {
      if (loadFailed !== null && !stopped) return { loadFailed };
      // Stopped: whatever the threads finished (a worker that failed meanwhile kept nothing).
      if (stopped && !(err instanceof AscentCancelled)) throw new AscentCancelled(kept.flat());
      throw err;
    }
    const byPair = new Map(parts.flat().map((r) => [`${r.cls}:${r.restart}`, r]));
    return { results: pairs.map((p) => byPair.get(`${p.cls}:${p.restart}`)!) };
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    clearTimeout(graceTimer);
    for (const d of detach) d();
    if (!options.keepWorkers) await Promise.all(shares.map((s) => s.worker?.terminate()));
  }
}
