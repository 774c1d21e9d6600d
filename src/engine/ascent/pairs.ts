/**
 * What every ascent shares: a (class, restart) pair and its result, the settings, progress, the
 * authors' step schedule, starts and traces. Every ascent maximises J(H) = S_c(H) − λ‖H‖² per pair
 * from a standard-normal start and keeps the final iterate; how it steps is its own business
 * (direct.ts, hidden.ts, hidden-pair.ts).
 */
import { CancelledError } from '../errors';
import { fillNormal, hashSeed } from '../rng';
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

/**
 * How every ascent stops on its signal: with the pairs that had finished before it stopped (in
 * the order they finished), so that the caller can keep the classes whose restarts all finished.
 */
export class AscentCancelled extends CancelledError {
  constructor(readonly done: PairResult[]) {
    super();
  }
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
