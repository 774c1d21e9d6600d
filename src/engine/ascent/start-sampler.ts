/**
 * Exact sampling of what the hidden-space ascent needs from a random start, without drawing it.
 *
 * The ascent sees H₀ ~ N(0, I_D) only through p₀ = W₁ᵀH₀ (U values), q₀ = mean over positions of
 * H₀ (K values, for the FIV) and ‖H₀‖². These are jointly Gaussian/chi-square with known law:
 *   q₀ ~ N(0, I/P);   p₀ | q₀ ~ N(P·W̄₁ᵀq₀, S) with S = G − P·W̄₁ᵀW̄₁ (W̄₁: W₁ averaged over positions);
 *   ‖H₀‖² = ‖ξ‖² + χ²(D − r), where ξ are the r standard normals that generated (q₀, p₀) (r = K + rank S)
 *   and the chi-square term is the part of H₀ orthogonal to everything the ascent looks at.
 * So drawing K + U normals and one chi-square gives starts with exactly the distribution of
 * H₀ ~ N(0, I), at a cost of (K + U)·U per start instead of D·U (50,880 × 925 for DeepSEA). The
 * draws differ from the explicit starts of the same seed, so this is used only where it pays.
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyData } from '../tidy-data';
import { chiSquare, hashSeed, normal, uniform } from '../rng';
import { gramPlain } from './gram';
import type { Pair } from './pairs';

export interface StartStatistics {
  /** W₁ᵀH₀ per start, [N, U] row-major. */
  p0: Float32Array;
  /** Mean over positions of H₀ per start, [N, K] row-major. */
  q0: Float64Array;
  /** ‖H₀‖² per start. */
  n0: Float64Array;
}

export interface StartSampler {
  sample(pairs: Pair[], seed: number): StartStatistics;
}

/**
 * Cholesky factor (lower, row-major) of a symmetric positive semi-definite matrix; pivots below
 * `tol`·max diagonal are treated as zero (their column stays zero). Returns the factor and rank.
 * Column j's entries are computed four rows at a time: four independent running sums give the
 * CPU four chains to overlap instead of one (about 2× faster for DeepSEA's 925 × 925), and each
 * sum subtracts the same products in the same order as one row at a time, so the bits are equal.
 */
export function choleskySemidefinite(a: Float64Array, n: number, tol = 1e-9): { l: Float64Array; rank: number } {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]);
  let rank = 0;
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= l[rj + k] * l[rj + k];
    if (d <= tol * maxDiag) continue;
    rank++;
    const ljj = Math.sqrt(d);
    l[rj + j] = ljj;
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      const r0 = i * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      let s0 = a[r0 + j];
      let s1 = a[r1 + j];
      let s2 = a[r2 + j];
      let s3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const x = l[rj + k];
        s0 -= l[r0 + k] * x;
        s1 -= l[r1 + k] * x;
        s2 -= l[r2 + k] * x;
        s3 -= l[r3 + k] * x;
      }
      l[r0 + j] = s0 / ljj;
      l[r1 + j] = s1 / ljj;
      l[r2 + j] = s2 / ljj;
      l[r3 + j] = s3 / ljj;
    }
    for (; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j];
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k];
      l[ri + j] = s / ljj;
    }
  }
  return { l, rank };
}

/** `meanGram` is W̄₁ᵀW̄₁ ([U, U]; computed here when not given). */
export function startSampler(gram: Float32Array, meanW1: Float32Array, hidden: number, channels: number, positions: number, meanGram?: Float32Array): StartSampler {
  const U = hidden;
  const K = channels;
  const P = positions;
  const D = P * K;
  // S = G − P · W̄₁ᵀ W̄₁ (the same kind of symmetric product as G).
  const wtw = meanGram ?? gramPlain(meanW1, K, U);
  const s = new Float64Array(U * U);
  for (let i = 0; i < s.length; i++) s[i] = gram[i] - P * wtw[i];
  const { l, rank } = choleskySemidefinite(s, U);
  const used = new Uint8Array(U).map((_, j) => (l[j * U + j] > 0 ? 1 : 0));
  const freeDims = Math.max(0, D - K - rank);
  // Lᵀ, so that ξ_p Lᵀ is a plain product (the wasm backend's matMul with transposeB is slow).
  const lt32 = new Float32Array(U * U);
  for (let i = 0; i < U; i++) for (let j = 0; j <= i; j++) lt32[j * U + i] = l[i * U + j];
  return {
    sample(pairs, seed) {
      const N = pairs.length;
      const xq = new Float32Array(N * K);
      const xp = new Float32Array(N * U);
      const n0 = new Float64Array(N);
      pairs.forEach((pair, i) => {
        // Offset the stream from the explicit starts' (same seed, different draws by design).
        const u = uniform(hashSeed(seed, pair.seedClass ?? pair.cls, pair.restart, 0x5eed));
        let norm = 0;
        for (let k = 0; k < K; k++) {
          const z = normal(u);
          xq[i * K + k] = z;
          norm += z * z;
        }
        for (let j = 0; j < U; j++) {
          const z = normal(u);
          xp[i * U + j] = z;
          if (used[j]) norm += z * z;
        }
        n0[i] = norm + chiSquare(freeDims, u);
      });
      // p₀ = √P · ξ_q W̄₁ + ξ_p Lᵀ;  q₀ = ξ_q / √P.
      const p0 = tidyData(() => {
        const fromQ = tf.mul(Math.sqrt(P), tf.matMul(tf.tensor2d(xq, [N, K]), tf.tensor2d(meanW1, [K, U])));
        const fromP = tf.matMul(tf.tensor2d(xp, [N, U]), tf.tensor2d(lt32, [U, U]));
        return tf.add(fromQ, fromP);
      });
      const q0 = Float64Array.from(xq, (z) => z / Math.sqrt(P));
      return { p0, q0, n0 };
    },
  };
}
