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

interface Precomputed {
  /** W₁ᵀW₁, [U, U] row-major (float32: half the memory traffic of the flip updates, which dominate). */
  gram: Float32Array;
  /** W₁ averaged over positions, [K, U] row-major. */
  meanW1: Float32Array;
}

/**
 * G costs D·U² multiply-adds (87 GFLOP for DeepSEA's head): computed once per weight tensor and
 * kept while the model lives, so a session's second analysis of the same model skips it.
 */
const cache = new WeakMap<tf.Tensor, Precomputed>();

function precompute(dense: DenseReluHead, featureShape: number[]): Precomputed {
  const cached = cache.get(dense.w1);
  if (cached) return cached;
  const channels = featureShape[featureShape.length - 1];
  const positions = dense.w1.shape[0] / channels;
  // An explicit transpose first: matMul with transposeA is far slower on the wasm backend.
  const gram = tf.tidy(() => tf.matMul(tf.transpose(dense.w1), dense.w1).dataSync() as Float32Array);
  const meanW1 = tf.tidy(() => tf.mean(tf.reshape(dense.w1, [positions, channels, dense.hidden]), 0).dataSync() as Float32Array);
  const computed = { gram, meanW1 };
  cache.set(dense.w1, computed);
  return computed;
}

interface PairOutcome {
  a: number;
  y: Float64Array;
  score: number;
  objective: number;
  iterations: number;
  trace?: Trace;
}

/** One pair's ascent in hidden space, given p₀ = W₁ᵀH₀ and ‖H₀‖². */
function ascendPair(dense: DenseReluHead, gram: Float32Array, cls: number, p0: Float32Array, n0: number, settings: AscentSettings): PairOutcome {
  const U = dense.hidden;
  const b1 = dense.b1;
  const { l2, lr, maxIter, patience } = settings;
  const w2c = Float64Array.from({ length: U }, (_, j) => dense.w2[j * dense.classes + cls]);
  const b2c = dense.b2[cls];
  const y = new Float64Array(U);
  const gy = new Float64Array(U);
  const gv = new Float64Array(U);
  const v = new Float64Array(U);
  const flips: number[] = [];
  let a = 1;
  let best = -Infinity;
  let wait = 0;
  const trace: Trace | undefined = settings.keepTrace ? { stride: 1, scores: [] } : undefined;
  for (let t = 0; ; t++) {
    let score = b2c;
    let p0y = 0;
    let ygy = 0;
    flips.length = 0;
    for (let j = 0; j < U; j++) {
      const z = a * p0[j] + gy[j] + b1[j];
      const vj = z > 0 ? w2c[j] : 0;
      if (z > 0) score += w2c[j] * z;
      if (vj !== v[j]) flips.push(j);
      p0y += p0[j] * y[j];
      ygy += y[j] * gy[j];
    }
    const norm = a * a * n0 + 2 * a * p0y + ygy;
    const objective = score - l2 * norm;
    const j32 = Math.fround(objective);
    if (trace) pushTrace(trace, t, score);
    if (j32 > best) {
      best = j32;
      wait = 0;
    } else {
      wait++;
    }
    if (wait >= patience || t + 1 >= maxIter || !Number.isFinite(objective)) {
      return { a, y, score, objective, iterations: t + 1, trace };
    }
    // G v changes only in the columns of the units that flipped.
    for (const j of flips) {
      const vj = v[j] === 0 ? w2c[j] : 0;
      const delta = vj - v[j];
      v[j] = vj;
      const row = j * U;
      for (let i = 0; i < U; i++) gv[i] += delta * gram[row + i];
    }
    const eta = stepSize(lr, t);
    const c = 1 - 2 * l2 * eta;
    a *= c;
    for (let i = 0; i < U; i++) {
      y[i] = c * y[i] + eta * v[i];
      gy[i] = c * gy[i] + eta * gv[i];
    }
  }
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
  const { gram, meanW1 } = precompute(dense, featureShape);
  const results: PairResult[] = [];
  let lastYield = Date.now();
  for (let first = 0; first < pairs.length; first += settings.chunkSize) {
    const chunk = pairs.slice(first, first + settings.chunkSize);
    const starts = chunk.map((pair) => startOf(pair, settings.seed, size));
    const flat = new Float32Array(chunk.length * size);
    starts.forEach((s, i) => flat.set(s, i * size));
    const p0 = tf.tidy(() => tf.matMul(tf.tensor2d(flat, [chunk.length, size]), dense.w1).dataSync() as Float32Array);
    const outcomes: PairOutcome[] = [];
    for (let i = 0; i < chunk.length; i++) {
      if (hooks.signal?.aborted) throw new CancelledError();
      const h0 = starts[i];
      let n0 = 0;
      for (let k = 0; k < size; k++) n0 += h0[k] * h0[k];
      outcomes.push(ascendPair(dense, gram, chunk[i].cls, p0.subarray(i * dense.hidden, (i + 1) * dense.hidden), n0, settings));
      if (Date.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = Date.now();
        report(first + i + 1);
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
      const q0 = featureImportance(starts[i], channels);
      const fiv = q0.map((q, k) => o.a * q + projected[i * channels + k]);
      const featureMap = maps ? Float32Array.from(starts[i], (h, k) => o.a * h + maps[i * size + k]) : undefined;
      results.push({ ...chunk[i], fiv, featureMap, score: o.score, objective: o.objective, iterations: o.iterations, trace: o.trace });
    });
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
