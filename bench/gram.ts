/**
 * Timing of G = W₁ᵀW₁ for a DeepSEA-sized first dense layer (50,880 × 925, seeded normal
 * weights): gram.ts with 1 and 2 threads, and the tfjs wasm matMul it replaces. Not part of
 * npm test. Run: node --import tsx bench/gram.ts [--rows N] [--cols N] [--no-baseline]
 *
 * The first gramMatrix call of the process is timed apart (it compiles the kernel, which V8
 * then optimises while it runs, and starts the workers); the error is measured against a
 * float64 product on a sample of G's rows.
 */
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/engine/backend';
import { gramMatrix } from '../src/engine/ascent/gram';
import { fillNormal } from '../src/engine/rng';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const ROWS = option('--rows', 50880);
const COLS = option('--cols', 925);
const REPEATS = option('--repeats', 3);
const SAMPLE = 48;

const seconds = (ms: number) => (ms / 1000).toFixed(3);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
/** rows·cols·(cols+1): the multiply-adds of the upper triangle, two flops each. */
const halfFlops = ROWS * COLS * (COLS + 1);
const fullFlops = 2 * ROWS * COLS * COLS;
const rates = (ms: number) =>
  `${(halfFlops / ms / 1e6).toFixed(1)} GFLOP/s counted as rows·cols·(cols+1), ${(fullFlops / ms / 1e6).toFixed(1)} as 2·rows·cols²`;

async function time(threads: number, w: Float32Array): Promise<{ ms: number; g: Float32Array }> {
  const t0 = performance.now();
  const g = await gramMatrix(w, ROWS, COLS, { threads });
  return { ms: performance.now() - t0, g };
}

/** Max |G − G₆₄| / √(G₆₄[i][i]·G₆₄[j][j]) and max |G − G₆₄| over SAMPLE rows i of G. */
function error(w: Float32Array, g: Float32Array): { relative: number; absolute: number; diagonal: number } {
  let relative = 0;
  let absolute = 0;
  let diagonal = 0;
  const diag = new Float64Array(COLS);
  for (let k = 0; k < ROWS; k++) for (let j = 0; j < COLS; j++) diag[j] += w[k * COLS + j] * w[k * COLS + j];
  const row = new Float64Array(COLS);
  for (let s = 0; s < SAMPLE; s++) {
    const i = Math.floor((s * COLS) / SAMPLE);
    row.fill(0);
    for (let k = 0; k < ROWS; k++) {
      const a = w[k * COLS + i];
      const o = k * COLS;
      for (let j = 0; j < COLS; j++) row[j] += a * w[o + j];
    }
    for (let j = 0; j < COLS; j++) {
      const e = Math.abs(g[i * COLS + j] - row[j]);
      absolute = Math.max(absolute, e);
      relative = Math.max(relative, e / Math.sqrt(diag[i] * diag[j]));
    }
    diagonal = Math.max(diagonal, Math.abs(g[i * COLS + i] - diag[i]) / diag[i]);
  }
  return { relative, absolute, diagonal };
}

async function main() {
  console.log(`G = W₁ᵀW₁ for W₁ ${ROWS} × ${COLS} (float32); ${os.cpus()[0]?.model}, ${os.availableParallelism()} cores; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const w = fillNormal(new Float32Array(ROWS * COLS), 7);
  const rss0 = process.memoryUsage().rss;
  const peak0 = process.resourceUsage().maxRSS * 1024;
  const cold = await time(2, w);
  const peak1 = process.resourceUsage().maxRSS * 1024;
  console.log(`first call, 2 threads (compiles the kernel, starts workers): ${seconds(cold.ms)} s; peak RSS +${mb(Math.max(0, peak1 - Math.max(peak0, rss0)))} MB over the ${mb(rss0)} MB before (W₁ is ${mb(w.byteLength)} MB, G ${mb(cold.g.byteLength)} MB)`);
  let reference: Float32Array | undefined;
  for (const threads of [1, 2]) {
    const runs: number[] = [];
    for (let r = 0; r < REPEATS; r++) {
      const { ms, g } = await time(threads, w);
      runs.push(ms);
      if (!reference) reference = g;
      else if (!g.every((v, i) => Object.is(v, reference![i]))) throw new Error(`${threads} threads: result differs from 1 thread`);
    }
    const best = Math.min(...runs);
    console.log(`${threads} thread${threads > 1 ? 's' : ' '}: best ${seconds(best)} s of ${runs.map(seconds).join(', ')}; ${rates(best)}`);
  }
  console.log('1 and 2 threads: bitwise identical');
  console.log(`load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const e = error(w, reference!);
  console.log(`error vs float64 on ${SAMPLE} rows of G: max |ΔG_ij|/√(G_ii·G_jj) ${e.relative.toExponential(2)}, max |ΔG_ii|/G_ii ${e.diagonal.toExponential(2)}, max |ΔG_ij| ${e.absolute.toExponential(2)}`);
  if (!args.includes('--no-baseline')) {
    await useBackend('wasm');
    const t = tf.tensor2d(w, [ROWS, COLS]);
    for (let r = 0; r < 2; r++) {
      const t0 = performance.now();
      tf.tidy(() => tf.matMul(tf.transpose(t), t).dataSync());
      const ms = performance.now() - t0;
      console.log(`tfjs ${tf.getBackend()} matMul(transpose(W₁), W₁): ${seconds(ms)} s; ${(fullFlops / ms / 1e6).toFixed(1)} GFLOP/s`);
    }
    t.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
