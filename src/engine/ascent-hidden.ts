/**
 * The same gradient ascent as ascent.ts — same starts, step schedule and stopping rule — computed
 * in the hidden layer's space when the head is Dense(W₁, b₁) → ReLU → Dense(W₂, b₂).
 *
 * Why it is exact: with v_t = mask_t ⊙ W₂[:, c] the gradient of S_c is W₁ v_t, so each step
 * H ← (1 − 2λη)H + η W₁ v_t keeps H_t = a_t H₀ + W₁ y_t with a scalar a_t and a hidden-space
 * vector y_t (a ← (1 − 2λη)a, y ← (1 − 2λη)y + η v). Everything the ascent needs follows from
 * p₀ = W₁ᵀH₀, ‖H₀‖² and G = W₁ᵀW₁:
 *   pre-activation z_t = a_t p₀ + G y_t + b₁,  ‖H_t‖² = a_t²‖H₀‖² + 2a_t p₀·y_t + y_tᵀ G y_t,
 *   FIV = a_t mean_pos(H₀) + W̄₁ y_t  (W̄₁: W₁ averaged over positions).
 * G y_t is updated with G v_t, which changes only where a hidden unit flips, so a step costs
 * O(hidden units) instead of two products with W₁. The objective is rounded to float32 before the
 * patience test, as the direct path computes it, so both stop alike.
 */
import * as tf from '@tensorflow/tfjs-core';
import { pushTrace, startOf, stepSize, yieldToEventLoop, type AscentHooks, type AscentSettings, type Pair, type PairResult, type Trace } from './ascent';
import type { DenseReluHead } from './dense-relu-head';
import { CancelledError } from './errors';
import { featureImportance } from './statistics';
import { ascendPair, kernelFor, type PairOutcome } from './hidden-pair';
import { PairPool } from './hidden-pair-pool';
import * as os from 'node:os';

/** Below this many pairs per worker, one thread is faster than starting workers. */
const MIN_PAIRS_PER_WORKER = 64;
import { startSampler, type StartSampler, type StartStatistics } from './start-sampler';
import { gramKey, type GramStore } from './gram-store';

interface Precomputed {
  /** W₁ᵀW₁, [U, U] row-major (float32: half the memory traffic of the flip updates, which dominate). */
  gram: Float32Array;
  /** W₁ averaged over positions, [K, U] row-major. */
  meanW1: Float32Array;
  /** Exact sampler of the start statistics (made on first use). */
  sampler?: StartSampler;
}

/**
 * G costs D·U² multiply-adds (87 GFLOP for DeepSEA's head): computed once per weight tensor and
 * kept while the model lives, so a session's second analysis of the same model skips it.
 */
const cache = new WeakMap<tf.Tensor, Precomputed>();

function precompute(dense: DenseReluHead, featureShape: number[], store?: GramStore): Precomputed {
  const cached = cache.get(dense.w1);
  if (cached) return cached;
  const channels = featureShape[featureShape.length - 1];
  const positions = dense.w1.shape[0] / channels;
  const key = store ? gramKey(dense.w1) : '';
  const stored = store?.get(key);
  const size = dense.hidden * dense.hidden;
  // An explicit transpose first: matMul with transposeA is far slower on the wasm backend.
  const gram =
    stored?.length === size ? stored : tf.tidy(() => tf.matMul(tf.transpose(dense.w1), dense.w1).dataSync() as Float32Array);
  if (store && gram !== stored) store.set(key, gram);
  const meanW1 = tf.tidy(() => tf.mean(tf.reshape(dense.w1, [positions, channels, dense.hidden]), 0).dataSync() as Float32Array);
  const computed = { gram, meanW1 };
  cache.set(dense.w1, computed);
  return computed;
}

/** p₀, q₀ and ‖H₀‖² of explicitly drawn starts. */
function explicitStatistics(starts: Float32Array[], dense: DenseReluHead, channels: number): StartStatistics {
  const size = starts[0].length;
  const flat = new Float32Array(starts.length * size);
  starts.forEach((s, i) => flat.set(s, i * size));
  const p0 = tf.tidy(() => tf.matMul(tf.tensor2d(flat, [starts.length, size]), dense.w1).dataSync() as Float32Array);
  const q0 = Float64Array.from(starts.flatMap((s) => featureImportance(s, channels)));
  const n0 = Float64Array.from(starts, (s) => s.reduce((a, x) => a + x * x, 0));
  return { p0, q0, n0 };
}

export async function ascendHidden(
  dense: DenseReluHead,
  featureShape: number[],
  pairs: Pair[],
  settings: AscentSettings,
  hooks: AscentHooks = {},
): Promise<PairResult[]> {
  const size = featureShape.reduce((a, b) => a * b, 1);
  const channels = featureShape[featureShape.length - 1];
  const started = Date.now();
  if (!cache.has(dense.w1)) {
    hooks.onProgress?.({ pairsDone: 0, pairsTotal: pairs.length, fraction: 0, active: 0, chunkSize: settings.chunkSize, elapsedSeconds: 0, etaSeconds: null, stage: 'preparing the Gram matrix W₁ᵀW₁ (once per model)' });
    await yieldToEventLoop();
  }
  const pre = precompute(dense, featureShape, hooks.gramStore);
  const { gram, meanW1 } = pre;
  // Worker threads pay for their start-up only on larger runs.
  const workers = Math.min(settings.workers || Math.min(4, os.availableParallelism()), Math.ceil(pairs.length / MIN_PAIRS_PER_WORKER));
  const weights = { hidden: dense.hidden, classes: dense.classes, b1: dense.b1, w2: dense.w2, b2: dense.b2 };
  const pairSettings = { l2: settings.l2, lr: settings.lr, maxIter: settings.maxIter, patience: settings.patience, keepTrace: settings.keepTrace };
  const pool = workers > 1 && PairPool.available() ? new PairPool(workers, { weights, gram, settings: pairSettings }) : null;
  const kernel = pool ? null : kernelFor(dense, gram);
  const results: PairResult[] = [];
  let lastYield = Date.now();
  try {
    const positions = size / channels;
    // Drawing only the start statistics pays when the feature map is much larger than what the
    // ascent sees of it; feature maps need the full starts.
    const sampled = settings.starts !== 'explicit' && !settings.keepFeatureMaps && size > 2 * (dense.hidden + channels);
    if (sampled) pre.sampler ??= startSampler(gram, meanW1, dense.hidden, channels, positions);
    report(0);
    for (let first = 0; first < pairs.length; first += settings.chunkSize) {
      const chunk = pairs.slice(first, first + settings.chunkSize);
      const starts = sampled ? null : chunk.map((pair) => startOf(pair, settings.seed, size));
      const stats: StartStatistics = starts ? explicitStatistics(starts, dense, channels) : pre.sampler!.sample(chunk, settings.seed);
      let outcomes: PairOutcome[];
      if (pool) {
        outcomes = await pool.run(chunk.map((p) => p.cls), stats.p0, stats.n0, dense.hidden, hooks.signal, (n) => report(first + n));
      } else {
        outcomes = [];
        for (let i = 0; i < chunk.length; i++) {
          if (hooks.signal?.aborted) throw new CancelledError();
          outcomes.push(ascendPair(dense, kernel!, chunk[i].cls, stats.p0.subarray(i * dense.hidden, (i + 1) * dense.hidden), stats.n0[i], settings));
          if (Date.now() - lastYield > 50) {
            await yieldToEventLoop();
            lastYield = Date.now();
            report(first + i + 1);
          }
        }
      }
      // FIV = a·mean_pos(H₀) + W̄₁ y for the whole chunk at once.
      const ys = new Float32Array(chunk.length * dense.hidden);
      outcomes.forEach((o, i) => ys.set(o.y, i * dense.hidden));
      const projected = tf.tidy(
        () => tf.matMul(tf.tensor2d(ys, [chunk.length, dense.hidden]), tf.tensor2d(meanW1, [channels, dense.hidden]), false, true).dataSync() as Float32Array,
      );
      const maps = settings.keepFeatureMaps
        ? tf.tidy(() => tf.matMul(tf.tensor2d(ys, [chunk.length, dense.hidden]), dense.w1, false, true).dataSync() as Float32Array)
        : undefined;
      outcomes.forEach((o, i) => {
        const fiv = Array.from({ length: channels }, (_, k) => o.a * stats.q0[i * channels + k] + projected[i * channels + k]);
        const featureMap = maps && starts ? Float32Array.from(starts[i], (h, k) => o.a * h + maps[i * size + k]) : undefined;
        results.push({ ...chunk[i], fiv, featureMap, score: o.score, objective: o.objective, iterations: o.iterations, trace: o.trace });
      });
    }
  } finally {
    await pool?.close();
  }
  report(pairs.length);
  return results;

  function report(done: number) {
    if (!hooks.onProgress) return;
    const elapsed = (Date.now() - started) / 1000;
    const fraction = done / pairs.length;
    hooks.onProgress({
      pairsDone: done,
      pairsTotal: pairs.length,
      fraction,
      active: 1,
      chunkSize: settings.chunkSize,
      elapsedSeconds: elapsed,
      etaSeconds: fraction > 0 ? (elapsed * (1 - fraction)) / fraction : null,
    });
  }
}
