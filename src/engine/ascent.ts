/**
 * Batched gradient ascent on feature maps: for every (class, restart) pair, maximise
 * J(H) = S_c(H) − λ‖H‖² from a standard-normal start, with the authors' step schedule and
 * patience rule, keeping the final iterate. Pairs run together in a chunk; a pair that stops
 * leaves the chunk and the next pending pair takes its slot, so the batch stays full.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from './head';
import { CancelledError } from './errors';
import { fillNormal, hashSeed } from './rng';
import { featureImportance } from './statistics';
import type { GramStore } from './gram-store';

export interface AscentSettings {
  /** λ, the L2 coefficient. */
  l2: number;
  /** η, the initial step size. */
  lr: number;
  maxIter: number;
  patience: number;
  seed: number;
  /** Most pairs optimised at once (the chunk size). */
  chunkSize: number;
  /** Keep the class score of every iteration (thinned to at most TRACE_POINTS). */
  keepTrace: boolean;
  /** Keep each pair's final feature map (large: positions × channels floats per pair). */
  keepFeatureMaps: boolean;
  /**
   * 'explicit': draw every start H₀ in full (the direct path always does). 'auto': the hidden-space
   * path may draw only the statistics of H₀ it needs, with the same distribution (start-sampler.ts).
   */
  starts?: 'auto' | 'explicit';
  /** Worker threads for the hidden-space path (0: one per core, at most 4). */
  workers?: number;
}

export interface Pair {
  cls: number;
  restart: number;
}

export interface Trace {
  /** Iterations between kept points. */
  stride: number;
  scores: number[];
}

export interface PairResult extends Pair {
  /** Feature importance vector of the final iterate: its mean over positions per channel. */
  fiv: number[];
  /** Final iterate H, row-major over featureShape (only with keepFeatureMaps). */
  featureMap?: Float32Array;
  /** Class score S_c(H) at the final iterate. */
  score: number;
  /** Objective J(H) = S_c(H) − λ‖H‖² at the final iterate. */
  objective: number;
  /** Gradient evaluations used. */
  iterations: number;
  trace?: Trace;
}

export interface AscentProgress {
  pairsDone: number;
  pairsTotal: number;
  /** Estimated fraction of the work done, in [0, 1]. */
  fraction: number;
  /** Pairs being optimised now, and the chunk's capacity. */
  active: number;
  chunkSize: number;
  elapsedSeconds: number;
  /** Estimated seconds left (null until something is known). */
  etaSeconds: number | null;
  /** Set while a one-off preparation runs before the first pair (e.g. the Gram matrix). */
  stage?: string;
}

export interface AscentHooks {
  signal?: AbortSignal;
  onProgress?: (p: AscentProgress) => void;
  /** Where Gram matrices are kept between runs (hidden-space path); optional. */
  gramStore?: GramStore;
}

export const TRACE_POINTS = 200;
const SCHEDULE_KNEE = 500;
const MIN_STEP = 1e-6;
const PROGRESS_INTERVAL_MS = 200;

/** Step size of iteration t (0-based): η until iteration 500, then η·(t − 500)^−0.2, at least 10⁻⁶. */
export function stepSize(lr: number, t: number): number {
  return t <= SCHEDULE_KNEE ? lr : Math.max(lr * Math.pow(t - SCHEDULE_KNEE, -0.2), MIN_STEP);
}

/** The deterministic start of a pair: depends only on the seed, class and restart. */
export function startOf(pair: Pair, seed: number, size: number): Float32Array {
  return fillNormal(new Float32Array(size), hashSeed(seed, pair.cls, pair.restart));
}

interface Slot {
  pair: Pair;
  t: number;
  best: number;
  wait: number;
  trace?: Trace;
}

export function pushTrace(trace: Trace, t: number, score: number) {
  if (t % trace.stride !== 0) return;
  trace.scores.push(score);
  if (trace.scores.length > TRACE_POINTS) {
    trace.scores = trace.scores.filter((_, i) => i % 2 === 0);
    trace.stride *= 2;
  }
}

/** [rows, depth] with a 1 at each row's class (tf.oneHot refuses depth 1: single-output models). */
function oneHotRows(classes: number[], depth: number): tf.Tensor2D {
  const data = new Float32Array(classes.length * depth);
  classes.forEach((c, i) => (data[i * depth + c] = 1));
  return tf.tensor2d(data, [classes.length, depth]);
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function ascend(head: Head, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const size = head.featureShape.reduce((a, b) => a * b, 1);
  const { l2, maxIter, patience } = settings;
  const results: PairResult[] = [];
  const started = Date.now();
  let lastProgress = 0;
  let next = 0;
  let slots: Slot[] = [];
  let iterationsDone = 0;

  const newSlot = (): Slot => {
    const pair = pairs[next++];
    return { pair, t: 0, best: -Infinity, wait: 0, trace: settings.keepTrace ? { stride: 1, scores: [] } : undefined };
  };
  const batchTensors = (data: Float32Array) => {
    const n = slots.length;
    const shape = [n, ...head.featureShape];
    const etaShape = [n, ...head.featureShape.map(() => 1)];
    return {
      h: tf.tensor(data, shape),
      mask: oneHotRows(slots.map((s) => s.pair.cls), head.numClasses),
      eta: tf.tensor(slots.map((s) => stepSize(settings.lr, s.t)), etaShape),
    };
  };

  const report = (force: boolean) => {
    const now = Date.now();
    if (!hooks.onProgress || (!force && now - lastProgress < PROGRESS_INTERVAL_MS)) return;
    lastProgress = now;
    // A running pair counts by its iterations against the mean length of the pairs finished so far.
    const meanIters = results.length ? iterationsDone / results.length : Math.min(maxIter, 200);
    const partial = slots.reduce((a, s) => a + Math.min(s.t / meanIters, 0.95), 0);
    const fraction = Math.min(1, (results.length + partial) / pairs.length);
    const elapsed = (now - started) / 1000;
    hooks.onProgress({
      pairsDone: results.length,
      pairsTotal: pairs.length,
      fraction,
      active: slots.length,
      chunkSize: settings.chunkSize,
      elapsedSeconds: elapsed,
      etaSeconds: fraction > 0.01 ? (elapsed * (1 - fraction)) / fraction : null,
    });
  };

  while (next < pairs.length && slots.length < settings.chunkSize) slots.push(newSlot());
  const initial = new Float32Array(slots.length * size);
  slots.forEach((s, i) => initial.set(startOf(s.pair, settings.seed, size), i * size));
  let batch = batchTensors(initial);

  try {
    while (slots.length) {
      if (hooks.signal?.aborted) throw new CancelledError();
      const { scores, objective, hNext } = tf.tidy(() => {
        let kept: tf.Tensor | undefined;
        const grad = tf.grad((h: tf.Tensor): tf.Tensor => {
          kept = tf.keep(tf.sum(tf.mul(head.scores(h), batch.mask), 1));
          return tf.sum(kept as tf.Tensor);
        })(batch.h);
        const s = kept as unknown as tf.Tensor1D;
        const axes = head.featureShape.map((_, i) => i + 1);
        const j = tf.sub(s, tf.mul(l2, tf.sum(tf.square(batch.h), axes)));
        const step = tf.mul(batch.eta, tf.sub(grad, tf.mul(2 * l2, batch.h)));
        return { scores: s, objective: j, hNext: tf.add(batch.h, step) };
      });
      const [sv, jv] = (await Promise.all([scores.data(), objective.data()])) as Float32Array[];
      scores.dispose();
      objective.dispose();

      const finished: number[] = [];
      slots.forEach((slot, i) => {
        const j = jv[i];
        if (slot.trace) pushTrace(slot.trace, slot.t, sv[i]);
        if (j > slot.best) {
          slot.best = j;
          slot.wait = 0;
        } else {
          slot.wait++;
        }
        if (slot.wait >= patience || slot.t + 1 >= maxIter || !Number.isFinite(j)) finished.push(i);
        slot.t++;
      });

      if (finished.length === 0) {
        batch.h.dispose();
        batch.eta.dispose();
        batch.h = hNext;
        batch.eta = tf.tensor(slots.map((s) => stepSize(settings.lr, s.t)), batch.eta.shape);
      } else {
        // Record the finished pairs' final iterates, then refill their slots or drop them.
        const current = (await batch.h.data()) as Float32Array;
        const stepped = (await hNext.data()) as Float32Array;
        hNext.dispose();
        const keep: Float32Array[] = [];
        const kept: Slot[] = [];
        slots.forEach((slot, i) => {
          if (finished.includes(i)) {
            const map = current.subarray(i * size, (i + 1) * size);
            results.push({
              ...slot.pair,
              fiv: featureImportance(map, head.channels),
              featureMap: settings.keepFeatureMaps ? map.slice() : undefined,
              score: sv[i],
              objective: jv[i],
              iterations: slot.t,
              trace: slot.trace,
            });
            iterationsDone += slot.t;
            if (next < pairs.length) {
              const fresh = newSlot();
              kept.push(fresh);
              keep.push(startOf(fresh.pair, settings.seed, size));
            }
          } else {
            kept.push(slot);
            keep.push(stepped.subarray(i * size, (i + 1) * size));
          }
        });
        tf.dispose([batch.h, batch.mask, batch.eta]);
        slots = kept;
        if (!slots.length) break;
        const data = new Float32Array(slots.length * size);
        keep.forEach((row, i) => data.set(row, i * size));
        batch = batchTensors(data);
      }
      report(finished.length > 0);
      await yieldToEventLoop();
    }
  } finally {
    tf.dispose([batch.h, batch.mask, batch.eta]);
  }
  report(true);
  return results;
}
