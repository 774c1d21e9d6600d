/**
 * Batched gradient ascent on feature maps: for every (class, restart) pair, maximise
 * J(H) = S_c(H) − λ‖H‖² from a standard-normal start, with the authors' step schedule and
 * patience rule, keeping the final iterate. Pairs run together in a chunk; a pair that stops
 * leaves the chunk and the next pending pair takes its slot, so the batch stays full.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from './head';
import { runBatched, type AscentProblem } from './batched-ascent';
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
  /**
   * The class number the start is drawn for (default `cls`): the class's index among the units
   * of all the model's outputs, so that a class starts alike whichever outputs are selected.
   */
  seedClass?: number;
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

/** Step size of iteration t (0-based): η until iteration 500, then η·(t − 500)^−0.2, at least 10⁻⁶. */
export function stepSize(lr: number, t: number): number {
  return t <= SCHEDULE_KNEE ? lr : Math.max(lr * Math.pow(t - SCHEDULE_KNEE, -0.2), MIN_STEP);
}

/** The deterministic start of a pair: depends only on the seed, class and restart. */
export function startOf(pair: Pair, seed: number, size: number): Float32Array {
  return fillNormal(new Float32Array(size), hashSeed(seed, pair.seedClass ?? pair.cls, pair.restart));
}

export function pushTrace(trace: Trace, t: number, score: number) {
  if (t % trace.stride !== 0) return;
  trace.scores.push(score);
  if (trace.scores.length > TRACE_POINTS) {
    trace.scores = trace.scores.filter((_, i) => i % 2 === 0);
    trace.stride *= 2;
  }
}

export const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The direct ascent: a pair's state is its feature map H, stepped by the head's gradient. */
export function ascend(head: Head, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const size = head.featureShape.reduce((a, b) => a * b, 1);
  const { l2 } = settings;
  const axes = head.featureShape.map((_, i) => i + 1);
  const problem: AscentProblem = {
    width: size,
    start: (pair) => startOf(pair, settings.seed, size),
    step(state, classes, eta) {
      const h = tf.reshape(state, [state.shape[0], ...head.featureShape]);
      let kept: tf.Tensor | undefined;
      const grad = tf.grad((x: tf.Tensor): tf.Tensor => {
        kept = tf.keep(head.classScores(x, classes));
        return tf.sum(kept as tf.Tensor);
      })(h);
      const scores = kept as unknown as tf.Tensor1D;
      const objective = tf.sub(scores, tf.mul(l2, tf.sum(tf.square(h), axes))) as tf.Tensor1D;
      const step = tf.mul(tf.reshape(eta, [-1, 1]), tf.reshape(tf.sub(grad, tf.mul(2 * l2, h)), [state.shape[0], size]));
      return { scores, objective, next: tf.add(state, step) as tf.Tensor2D };
    },
    finish: (_pair, map) => ({
      fiv: featureImportance(map, head.channels),
      featureMap: settings.keepFeatureMaps ? map.slice() : undefined,
    }),
  };
  return runBatched(problem, pairs, settings, hooks);
}
