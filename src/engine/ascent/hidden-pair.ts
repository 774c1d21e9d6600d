/**
 * One (class, restart) pair of the hidden-space ascent (see hidden.ts for why it is exact),
 * on plain arrays and the WebAssembly step kernel only — no TensorFlow.js — so that worker threads
 * can run pairs in parallel (hidden-pair-worker.ts).
 */
import { pushTrace, stepSize, type AscentSettings, type Trace } from './pairs';
import { hiddenStepKernel, type HiddenStepKernel } from './kernels/hidden-step';

/** The weights a pair needs: b₁, and W₂ [U, C] and b₂ of the output layer. */
export interface PairWeights {
  hidden: number;
  classes: number;
  b1: Float32Array;
  w2: Float32Array;
  b2: Float32Array;
}

export type PairSettings = Pick<AscentSettings, 'l2' | 'lr' | 'maxIter' | 'patience' | 'keepTrace'>;

export interface PairOutcome {
  a: number;
  y: Float32Array;
  score: number;
  objective: number;
  iterations: number;
  trace?: Trace;
}

/** A kernel holding G (rows padded) and the biases; per pair the caller fills p₀ and W₂[:, c]. */
export function kernelFor(dense: PairWeights, gram: Float32Array): HiddenStepKernel {
  const U = dense.hidden;
  const kernel = hiddenStepKernel(U);
  const { stride } = kernel.layout;
  for (let j = 0; j < U; j++) kernel.f32.set(gram.subarray(j * U, (j + 1) * U), j * stride);
  kernel.f32.set(dense.b1, kernel.layout.b1);
  return kernel;
}

/** One pair's ascent in hidden space, given p₀ = W₁ᵀH₀ and ‖H₀‖². */
export function ascendPair(dense: PairWeights, kernel: HiddenStepKernel, cls: number, p0: Float32Array, n0: number, settings: PairSettings): PairOutcome {
  const U = dense.hidden;
  const { f32, i32, f64, layout: L } = kernel;
  const { l2, lr, maxIter, patience } = settings;
  const b2c = dense.b2[cls];
  f32.set(p0, L.p0);
  for (let j = 0; j < U; j++) f32[L.w2c + j] = dense.w2[j * dense.classes + cls];
  for (const at of [L.y, L.gy, L.gv, L.v]) f32.fill(0, at, at + L.stride);
  let a = 1;
  let best = -Infinity;
  let wait = 0;
  const trace: Trace | undefined = settings.keepTrace ? { stride: 1, scores: [] } : undefined;
  for (let t = 0; ; t++) {
    const flips = kernel.evaluate(a);
    const score = b2c + f64[L.out / 2];
    const norm = a * a * n0 + 2 * a * f64[L.out / 2 + 1] + f64[L.out / 2 + 2];
    const objective = score - l2 * norm;
    // The patience test on float32 values, as the direct path computes J.
    const j32 = Math.fround(objective);
    if (trace) pushTrace(trace, t, score);
    if (j32 > best) {
      best = j32;
      wait = 0;
    } else {
      wait++;
    }
    if (wait >= patience || t + 1 >= maxIter || !Number.isFinite(objective)) {
      return { a, y: f32.slice(L.y, L.y + U), score, objective, iterations: t + 1, trace };
    }
    // G v changes only by the rows of the units that flipped.
    for (let f = 0; f < flips; f++) {
      const j = i32[L.flips + f];
      const vj = f32[L.v + j] === 0 ? f32[L.w2c + j] : 0;
      kernel.flip(j, vj - f32[L.v + j]);
      f32[L.v + j] = vj;
    }
    const eta = stepSize(lr, t);
    const c = 1 - 2 * l2 * eta;
    a *= c;
    kernel.update(c, eta);
  }
}

