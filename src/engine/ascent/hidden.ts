/**
 * The same gradient ascent as direct.ts — same starts, step schedule and stopping rule — computed
 * in the space of the first dense layer after the analysis layer (first-dense.ts).
 *
 * Why it is exact: whatever follows the dense layer z = W₁ᵀH + b₁, the gradient of S_c is W₁ g_t
 * with g_t = ∂S_c/∂z, so each step H ← (1 − 2λη)H + η W₁ g_t keeps H_t = a_t H₀ + W₁ y_t with a
 * scalar a_t and a hidden-space vector y_t (a ← (1 − 2λη)a, y ← (1 − 2λη)y + η g). Everything the
 * ascent needs follows from p₀ = W₁ᵀH₀, ‖H₀‖² and G = W₁ᵀW₁:
 *   pre-activation z_t = a_t p₀ + G y_t + b₁,  ‖H_t‖² = a_t²‖H₀‖² + 2a_t p₀·y_t + y_tᵀ G y_t,
 *   FIV = a_t mean_pos(H₀) + W̄₁ y_t  (W̄₁: W₁ averaged over positions).
 * A step then costs a product with the U × U matrix G plus the rest of the head from z, instead of
 * two products with the D × U matrix W₁ (D = 50,880 and U = 925 for DeepSEA).
 *
 * Two ways to run the steps:
 * - rest = ReLU → Dense (the commonest head): g = mask ⊙ W₂[:, c] changes only where a unit
 *   flips, so G g is updated by the rows of the flipped units (hidden-pair.ts, WebAssembly,
 *   worker threads).
 * - any other rest: batched, with the gradient of the rest: on ONNX Runtime's native kernels when
 *   the caller passes `native` (native/head-graph.ts builds the same step), else on TensorFlow.js
 *   (batched.ts) with tf.grad through the rest.
 * The objective is rounded to float32 before the patience test, as the direct path computes it,
 * so both stop alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyData } from '../tidy-data';
import { AscentCancelled, startOf, yieldToEventLoop, type AscentHooks, type AscentSettings, type Pair, type PairResult } from './pairs';
import { runBatched, type AscentProblem } from './batched';
import type { FirstDense } from './first-dense';
import { CancelledError } from '../errors';
import { featureImportance } from '../statistics';
import { ascendPair, kernelFor, type PairOutcome } from './hidden-pair';
import { PairPool } from './hidden-pair-pool';
import { startSampler, type StartSampler, type StartStatistics } from './start-sampler';
import { gramKey } from './gram-store';
import { gramMatrix } from './gram';
import { mark } from '../timing';
import { runNative, type NativeHead } from './native/run';
import { threadsFor } from '../threads';

/** Compiles the hidden-space step for ONNX Runtime once G is known (resolve.ts decides whether to try). */
export type NativeHiddenStep = (gram: Float32Array) => Promise<NativeHead | null>;

/** Below this many pairs per worker, one thread is faster than starting workers. */
const MIN_PAIRS_PER_WORKER = 64;
/** Pairs stepped together on TensorFlow.js: their states are small (3U + 2 floats). */
const TFJS_BATCH = 256;
/**
 * Rows per step on ONNX Runtime: its products of 925-wide layers run at ~380 GFLOP/s on two cores
 * at 1,000 rows against ~300 at 256, and every step has a fixed cost (deep tail 100 × 10: 10.3 s at
 * 512 rows, 9.9 s at 1,024, 11.6 s at 256). The rows do not change each other's numbers.
 */
const NATIVE_BATCH = 1024;

interface Precomputed {
  /** W₁ᵀW₁, [U, U] row-major (float32: half the memory traffic of the flip updates, which dominate). */
  gram: Float32Array;
  /** W₁ averaged over positions, [K, U] row-major, and its transpose [U, K]. */
  meanW1: Float32Array;
  meanW1T: Float32Array;
  /** W̄₁ᵀW̄₁, [U, U] (for the start sampler). */
  meanGram: Float32Array;
  /** Exact sampler of the start statistics (made on first use). */
  sampler?: StartSampler;
}

/** A finished pair, before its FIV is projected back to the features. */
interface HiddenOutcome extends Omit<PairOutcome, 'y'> {
  pair: Pair;
  y: Float32Array;
  /** mean_pos(H₀) of the pair's start, K values. */
  q0: ArrayLike<number>;
  /** The start itself (only when feature maps are kept). */
  h0?: Float32Array;
}

/** A hidden-space run stopped on its signal, with the pairs that finished (their FIVs not yet projected). */
class HiddenCancelled extends CancelledError {
  constructor(readonly outcomes: HiddenOutcome[]) {
    super();
  }
}

/**
 * G costs D·U² multiply-adds (87 GFLOP for DeepSEA's head): computed once per weight tensor and
 * kept while the model lives, so a session's second analysis of the same model skips it.
 */
const cache = new WeakMap<tf.Tensor, Precomputed>();

async function precompute(dense: FirstDense, featureShape: number[], hooks: AscentHooks, threads?: number): Promise<Precomputed> {
  const store = hooks.gramStore;
  const cached = cache.get(dense.w1);
  if (cached) return cached;
  const channels = featureShape[featureShape.length - 1];
  const [D, U] = dense.w1.shape;
  const positions = D / channels;
  // One copy of W₁ for everything below (188 MB for DeepSEA), dropped when done.
  const w1 = dense.w1.dataSync() as Float32Array;
  const key = store ? gramKey(w1, [D, U]) : '';
  const stored = store?.get(key);
  mark('W1 read');
  const gram = stored?.length === U * U ? stored : await gramMatrix(w1, D, U, { threads, signal: hooks.signal });
  mark(gram === stored ? 'Gram matrix (from the cache)' : 'Gram matrix');
  if (store && gram !== stored) store.set(key, gram);
  const meanW1 = positionMean(w1, positions, channels * U);
  const meanW1T = new Float32Array(U * channels);
  for (let k = 0; k < channels; k++) for (let j = 0; j < U; j++) meanW1T[j * channels + k] = meanW1[k * U + j];
  // W̄₁ᵀW̄₁ is small (K·U² multiply-adds, 0.8 G for DeepSEA): 30–40 ms on this thread, where
  // starting and stopping two workers for it took 75–100 ms (the same bits either way, gram.ts).
  const meanGram = await gramMatrix(meanW1, channels, U, { threads: channels * U * U < 4e9 ? 1 : threads, signal: hooks.signal });
  mark('W1 averaged over positions, its Gram matrix');
  const computed = { gram, meanW1, meanW1T, meanGram };
  cache.set(dense.w1, computed);
  return computed;
}

/**
 * W̄₁: the mean over `positions` rows of `width` values each, summed in float64 in position order.
 * In plain loops (tf.mean over the outer axis takes seconds on the wasm backend here), a block of
 * columns at a time so that the sums stay in cache: summing whole rows into one 7 MB array of
 * sums read and wrote it once per position (0.25 s for DeepSEA, now ~0.05 s). Each sum adds the
 * same values in the same order as before, so W̄₁ is bitwise the same.
 */
export function positionMean(w1: Float32Array, positions: number, width: number): Float32Array {
  const BLOCK = 8192;
  const sums = new Float64Array(BLOCK);
  const mean = new Float32Array(width);
  for (let start = 0; start < width; start += BLOCK) {
    const n = Math.min(BLOCK, width - start);
    sums.fill(0);
    for (let p = 0; p < positions; p++) {
      const base = p * width + start;
      for (let i = 0; i < n; i++) sums[i] += w1[base + i];
    }
    for (let i = 0; i < n; i++) mean[start + i] = sums[i] / positions;
  }
  return mean;
}

/** p₀, q₀ and ‖H₀‖² of explicitly drawn starts. */
function explicitStatistics(starts: Float32Array[], dense: FirstDense, channels: number): StartStatistics {
  const size = starts[0].length;
  const flat = new Float32Array(starts.length * size);
  starts.forEach((s, i) => flat.set(s, i * size));
  const p0 = tidyData(() => tf.matMul(tf.tensor2d(flat, [starts.length, size]), dense.w1));
  const q0 = Float64Array.from(starts.flatMap((s) => featureImportance(s, channels)));
  const n0 = Float64Array.from(starts, (s) => s.reduce((a, x) => a + x * x, 0));
  return { p0, q0, n0 };
}

/** The one-off preparation (G, W̄₁), announced as a stage of the run when it is not cached. */
async function prepare(dense: FirstDense, featureShape: number[], pairsTotal: number, settings: AscentSettings, hooks: AscentHooks): Promise<Precomputed> {
  if (!cache.has(dense.w1)) {
    hooks.onProgress?.({ pairsDone: 0, pairsTotal, fraction: 0, active: 0, chunkSize: settings.chunkSize, elapsedSeconds: 0, etaSeconds: null, stage: 'preparing the Gram matrix W₁ᵀW₁ (once per model)' });
    await yieldToEventLoop();
  }
  return precompute(dense, featureShape, hooks, settings.workers || undefined);
}

/** G = W₁ᵀW₁ exactly as the ascent uses it (cached, from the store, or computed), e.g. for worker threads. */
export async function preparedGram(dense: FirstDense, featureShape: number[], pairsTotal: number, settings: AscentSettings, hooks: AscentHooks = {}): Promise<Float32Array> {
  return (await prepare(dense, featureShape, pairsTotal, settings, hooks)).gram;
}

export async function ascendHidden(
  dense: FirstDense,
  featureShape: number[],
  pairs: Pair[],
  settings: AscentSettings,
  hooks: AscentHooks = {},
  native?: NativeHiddenStep,
): Promise<PairResult[]> {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const channels = featureShape[featureShape.length - 1];
  const U = dense.hidden;
  const pre = await prepare(dense, featureShape, pairs.length, settings, hooks);
  // The pace is measured from the first pair on (the Gram matrix is a stage of its own).
  const started = Date.now();
  const { gram, meanW1T } = pre;
  // Drawing only the start statistics pays when the feature map is much larger than what the
  // ascent sees of it; feature maps need the full starts.
  const sampled = settings.starts !== 'explicit' && !settings.keepFeatureMaps && size > 2 * (U + channels);
  if (sampled) pre.sampler ??= startSampler(gram, pre.meanW1, U, channels, size / channels, pre.meanGram);
  mark('start sampler');
  /** Start statistics of some pairs, and their starts when drawn in full. */
  const startsOf = (chunk: Pair[]) => {
    const starts = sampled ? null : chunk.map((pair) => startOf(pair, settings.seed, size));
    const stats = starts ? explicitStatistics(starts, dense, channels) : pre.sampler!.sample(chunk, settings.seed);
    const q0 = (i: number) => stats.q0.subarray(i * channels, (i + 1) * channels);
    return { starts, stats, q0 };
  };

  let outcomes: HiddenOutcome[];
  let cancelled = false;
  try {
    outcomes = dense.reluDense
      ? await kernelPairs(dense, dense.reluDense, gram, pairs, settings, hooks, startsOf, report)
      : await tfjsPairs(dense, gram, pairs, settings, hooks, startsOf, native);
    report(pairs.length);
  } catch (err) {
    // Stopped: the pairs that finished get their FIVs all the same (resolve.ts keeps the classes they complete).
    if (!(err instanceof HiddenCancelled)) throw err;
    outcomes = err.outcomes;
    cancelled = true;
  }

  // FIV = a·mean_pos(H₀) + W̄₁ y, projected for many pairs at once.
  const results: PairResult[] = [];
  for (let first = 0; first < outcomes.length; first += TFJS_BATCH) {
    const part = outcomes.slice(first, first + TFJS_BATCH);
    const ys = new Float32Array(part.length * U);
    part.forEach((o, i) => ys.set(o.y, i * U));
    // Plain products with transposed copies: the wasm backend's matMul with transposeB is slow.
    const projected = tidyData(() => tf.matMul(tf.tensor2d(ys, [part.length, U]), tf.tensor2d(meanW1T, [U, channels])));
    const maps = settings.keepFeatureMaps ? tidyData(() => tf.matMul(tf.tensor2d(ys, [part.length, U]), tf.transpose(dense.w1))) : undefined;
    part.forEach((o, i) => {
      const fiv = Array.from({ length: channels }, (_, k) => o.a * o.q0[k] + projected[i * channels + k]);
      const featureMap = maps && o.h0 ? Float32Array.from(o.h0, (h, k) => o.a * h + maps[i * size + k]) : undefined;
      results.push({ ...o.pair, fiv, featureMap, score: o.score, objective: o.objective, iterations: o.iterations, trace: o.trace });
    });
  }
  if (cancelled) throw new AscentCancelled(results);
  return results;

  function report(done: number) {
    if (!hooks.onProgress) return;
    const elapsed = (Date.now() - started) / 1000;
    const fraction = done / pairs.length;
    // The kernel runs the pairs one after another, in order: pairs done per second is its pace.
    hooks.onProgress({
      pairsDone: done,
      pairsTotal: pairs.length,
      fraction,
      active: 1,
      chunkSize: settings.chunkSize,
      elapsedSeconds: elapsed,
      etaSeconds: done > 0 ? (elapsed / done) * (pairs.length - done) : null,
    });
  }
}

type StartsOf = (chunk: Pair[]) => { starts: Float32Array[] | null; stats: StartStatistics; q0: (i: number) => ArrayLike<number> };

/** Rest = ReLU → Dense: the flip-based kernel, on worker threads when there are enough pairs. */
async function kernelPairs(
  dense: FirstDense,
  second: NonNullable<FirstDense['reluDense']>,
  gram: Float32Array,
  pairs: Pair[],
  settings: AscentSettings,
  hooks: AscentHooks,
  startsOf: StartsOf,
  report: (done: number) => void,
): Promise<HiddenOutcome[]> {
  const U = dense.hidden;
  const workers = Math.min(threadsFor(settings.workers), Math.ceil(pairs.length / MIN_PAIRS_PER_WORKER));
  const weights = { hidden: U, classes: dense.classes, b1: dense.b1, w2: second.w2, b2: second.b2 };
  const pairSettings = { l2: settings.l2, lr: settings.lr, maxIter: settings.maxIter, patience: settings.patience, keepTrace: settings.keepTrace };
  const pool = workers > 1 && PairPool.available() ? new PairPool(workers, { weights, gram, settings: pairSettings }) : null;
  const kernel = pool ? null : kernelFor(weights, gram);
  const outcomes: HiddenOutcome[] = [];
  let lastYield = Date.now();
  try {
    report(0);
    for (let first = 0; first < pairs.length; first += settings.chunkSize) {
      const chunk = pairs.slice(first, first + settings.chunkSize);
      const { starts, stats, q0 } = startsOf(chunk);
      let done: PairOutcome[];
      if (pool) {
        // A chunk cancelled on the pool keeps none of its pairs (the workers answer per chunk).
        done = await pool.run(chunk.map((p) => p.cls), stats.p0, stats.n0, U, hooks.signal, (n) => report(first + n)).catch((err: unknown) => {
          throw err instanceof CancelledError ? new HiddenCancelled(outcomes) : err;
        });
      } else {
        done = [];
        for (let i = 0; i < chunk.length; i++) {
          if (hooks.signal?.aborted) {
            done.forEach((o, j) => outcomes.push({ ...o, pair: chunk[j], q0: q0(j), h0: starts?.[j] }));
            throw new HiddenCancelled(outcomes);
          }
          done.push(ascendPair(weights, kernel!, chunk[i].cls, stats.p0.subarray(i * U, (i + 1) * U), stats.n0[i], settings));
          if (Date.now() - lastYield > 50) {
            await yieldToEventLoop();
            lastYield = Date.now();
            report(first + i + 1);
          }
        }
      }
      done.forEach((o, i) => outcomes.push({ ...o, pair: chunk[i], q0: q0(i), h0: starts?.[i] }));
    }
  } finally {
    await pool?.close();
  }
  return outcomes;
}

/**
 * Any other rest: a pair's state row is [a, ‖H₀‖², p₀, y, G y] (3U + 2 floats), stepped in
 * batches on TensorFlow.js with the gradient of the rest of the head at z.
 */
async function tfjsPairs(dense: FirstDense, gram: Float32Array, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks, startsOf: StartsOf, native?: NativeHiddenStep): Promise<HiddenOutcome[]> {
  const U = dense.hidden;
  const { l2 } = settings;
  const pending = new Map<Pair, { q0: ArrayLike<number>; h0?: Float32Array }>();
  const drawn = new Map<Pair, { p0: Float32Array; n0: number; q0: ArrayLike<number>; h0?: Float32Array }>();
  let cursor = 0;
  /** What a stopped pair leaves for its FIV, in the order runBatched records the pairs. */
  const ends: Omit<HiddenOutcome, 'score' | 'objective' | 'iterations'>[] = [];
  const g = tf.tensor2d(gram, [U, U]);
  const b1 = tf.tensor1d(dense.b1);
  const problem: AscentProblem = {
    width: 3 * U + 2,
    start(pair) {
      // Pairs start in order: draw the statistics of the next batch of them at once.
      if (!drawn.has(pair)) {
        const from = pairs.indexOf(pair, cursor);
        const batch = pairs.slice(from, from + TFJS_BATCH);
        const { starts, stats, q0 } = startsOf(batch);
        cursor = from + batch.length;
        batch.forEach((p, i) => drawn.set(p, { p0: stats.p0.subarray(i * U, (i + 1) * U), n0: stats.n0[i], q0: q0(i), h0: starts?.[i] }));
      }
      const { p0, n0, q0, h0 } = drawn.get(pair)!;
      drawn.delete(pair);
      pending.set(pair, { q0, h0 });
      const row = new Float32Array(3 * U + 2);
      row[0] = 1;
      row[1] = n0;
      row.set(p0, 2);
      return row;
    },
    step(state, classes, eta) {
      const n = state.shape[0];
      const [a, n0, p0, y, gy] = tf.split(state, [1, 1, U, U, U], 1);
      const z = tf.add(tf.add(tf.mul(a, p0), gy), b1) as tf.Tensor2D;
      let kept: tf.Tensor | undefined;
      const grad = tf.grad((x: tf.Tensor): tf.Tensor => {
        kept = tf.keep(dense.rest(x as tf.Tensor2D, classes));
        return tf.sum(kept as tf.Tensor);
      })(z);
      const scores = kept as unknown as tf.Tensor1D;
      const norm = tf.add(tf.add(tf.mul(tf.square(a), n0), tf.mul(tf.mul(2, a), tf.sum(tf.mul(p0, y), 1, true))), tf.sum(tf.mul(y, gy), 1, true));
      const objective = tf.sub(scores, tf.mul(l2, tf.reshape(norm, [n]))) as tf.Tensor1D;
      const e = tf.reshape(eta, [n, 1]);
      const c = tf.sub(1, tf.mul(2 * l2, e));
      const next = tf.concat([tf.mul(c, a), n0, p0, tf.add(tf.mul(c, y), tf.mul(e, grad)), tf.add(tf.mul(c, gy), tf.mul(e, tf.matMul(grad, g)))], 1) as tf.Tensor2D;
      return { scores, objective, next };
    },
    finish(pair, state) {
      const { q0, h0 } = pending.get(pair)!;
      pending.delete(pair);
      ends.push({ pair, a: state[0], y: state.slice(2 + U, 2 + 2 * U), q0, h0 });
      return { fiv: [] }; // projected by the caller, for many pairs at once
    },
  };
  const onnx = native ? await native(gram) : null;
  try {
    // runBatched records each pair right after calling finish on it: done[i] is ends[i]'s pair.
    const outcomes = (done: PairResult[]) => done.map((r, i) => ({ ...ends[i], score: r.score, objective: r.objective, iterations: r.iterations, trace: r.trace }));
    try {
      return outcomes(onnx ? await runNative(onnx, problem, pairs, { ...settings, chunkSize: NATIVE_BATCH }, hooks) : await runBatched(problem, pairs, { ...settings, chunkSize: TFJS_BATCH }, hooks));
    } catch (err) {
      throw err instanceof AscentCancelled ? new HiddenCancelled(outcomes(err.done)) : err;
    }
  } finally {
    tf.dispose([g, b1]);
    await onnx?.session.release?.();
  }
}
