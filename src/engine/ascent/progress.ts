/**
 * Progress of a batched ascent, shared by every loop that keeps a chunk of pairs in flight
 * (batched.ts on TensorFlow.js, native/run.ts on ONNX Runtime). No TensorFlow.js here: the
 * native lanes' worker threads (native/lane-worker.ts) report with it too.
 */
import { AscentEta } from './eta';
import type { AscentHooks, AscentSettings } from './pairs';

const PROGRESS_INTERVAL_MS = 200;

/**
 * Progress of a batched ascent (every ascent that keeps a chunk of pairs in flight reports
 * alike): `finished` once per pair that stops, `update` after each step with the running slots.
 * The share done and the time left are measured on the run itself (eta.ts).
 */
export function progressReporter(total: number, settings: Pick<AscentSettings, 'maxIter' | 'chunkSize'>, hooks: AscentHooks) {
  const started = Date.now();
  const eta = new AscentEta(total, settings.maxIter, settings.chunkSize);
  let lastProgress = 0;
  let done = 0;
  return {
    finished(iterations: number) {
      done++;
      eta.finished(iterations);
    },
    update(slots: { t: number }[], force: boolean) {
      if (slots.length) eta.stepped();
      const now = Date.now();
      if (!hooks.onProgress || (!force && now - lastProgress < PROGRESS_INTERVAL_MS)) return;
      lastProgress = now;
      const elapsed = (now - started) / 1000;
      const { fraction, etaSeconds } = eta.estimate(elapsed, slots.map((s) => s.t));
      hooks.onProgress({ pairsDone: done, pairsTotal: total, fraction, active: slots.length, chunkSize: settings.chunkSize, elapsedSeconds: elapsed, etaSeconds });
    },
  };
}
