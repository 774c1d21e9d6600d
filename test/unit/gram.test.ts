import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CancelledError } from '../../src/engine/errors';
import { gramMatrix, gramPlain, gramWorkers } from '../../src/engine/ascent/gram';
import { uniform } from '../../src/engine/rng';

function weights(rows: number, cols: number, seed: number): Float32Array {
  const u = uniform(seed);
  return Float32Array.from({ length: rows * cols }, () => 2 * u() - 1);
}

/** WᵀW in float64 (upper triangle and diagonal; the lower triangle mirrored). */
function reference(w: Float32Array, rows: number, cols: number): Float64Array {
  const g = new Float64Array(cols * cols);
  for (let k = 0; k < rows; k++) {
    const o = k * cols;
    for (let i = 0; i < cols; i++) {
      const a = w[o + i];
      for (let j = i; j < cols; j++) g[i * cols + j] += a * w[o + j];
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) g[i * cols + j] = g[j * cols + i];
  return g;
}

/** Max |G − G₆₄| / √(G₆₄[i][i]·G₆₄[j][j]): the error relative to the columns' squared norms. */
function relativeError(g: Float32Array, ref: Float64Array, cols: number): number {
  let worst = 0;
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < cols; j++) {
      const scale = Math.sqrt(ref[i * cols + i] * ref[j * cols + j]) || 1;
      worst = Math.max(worst, Math.abs(g[i * cols + j] - ref[i * cols + j]) / scale);
    }
  return worst;
}

function assertSymmetric(g: Float32Array, cols: number) {
  for (let i = 0; i < cols; i++)
    for (let j = 0; j < i; j++) if (!Object.is(g[i * cols + j], g[j * cols + i])) assert.fail(`G[${i}][${j}] ≠ G[${j}][${i}]`);
}

function assertSameBits(a: Float32Array, b: Float32Array) {
  assert.equal(a.length, b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) assert.fail(`element ${i}: ${a[i]} vs ${b[i]}`);
}

// Uniform(−1, 1) entries: float32 sums of a few hundred to a few thousand products stay within a
// few 1e-7 of the squared column norms; 1e-5 leaves a wide margin.
const BOUND = 1e-5;

test('small odd shapes (not multiples of the 4 × 8 tile or the 256-row K-block) match float64', async () => {
  for (const [rows, cols] of [[37, 13], [129, 67], [1, 1], [3, 8], [300, 9], [257, 33], [5, 70]]) {
    const w = weights(rows, cols, rows * 1000 + cols);
    const g = await gramMatrix(w, rows, cols);
    assert.equal(g.length, cols * cols);
    const ref = reference(w, rows, cols);
    const err = relativeError(g, ref, cols);
    assert.ok(err < BOUND, `${rows} × ${cols}: relative error ${err}`);
    let abs = 0;
    for (let i = 0; i < g.length; i++) abs = Math.max(abs, Math.abs(g[i] - ref[i]));
    assert.ok(abs < 1e-4, `${rows} × ${cols}: absolute error ${abs}`); // entries are at most rows/3 ≈ 100 on average
    assertSymmetric(g, cols);
  }
});

test('exact on small integers, and zero for an empty matrix', async () => {
  // W = [[1, 2], [3, 4], [5, 6]]: WᵀW = [[35, 44], [44, 56]]
  assert.deepEqual(Array.from(await gramMatrix(new Float32Array([1, 2, 3, 4, 5, 6]), 3, 2)), [35, 44, 44, 56]);
  assert.deepEqual(Array.from(await gramMatrix(new Float32Array(0), 0, 3)), new Array(9).fill(0));
  await assert.rejects(gramMatrix(new Float32Array(5), 2, 3), /not 2 × 3/);
});

test('two worker threads: same bits as one thread, and as the float64 product to 1e-5', async () => {
  // 2003 · 317² = 2.01e8 multiply-adds: just above the size below which everything stays on the calling thread
  const rows = 2003;
  const cols = 317;
  const w = weights(rows, cols, 11);
  const copy = w.slice();
  const started = gramWorkers.started;
  const two = await gramMatrix(w, rows, cols, { threads: 2 });
  assert.equal(gramWorkers.started - started, 2, 'two workers ran');
  assert.equal(gramWorkers.running, 0, 'and were stopped');
  const one = await gramMatrix(w, rows, cols, { threads: 1 });
  const three = await gramMatrix(w, rows, cols, { threads: 3 });
  assert.equal(gramWorkers.started - started, 5);
  assertSameBits(two, one);
  assertSameBits(three, one);
  assertSymmetric(one, cols);
  const err = relativeError(one, reference(w, rows, cols), cols);
  assert.ok(err < BOUND, `relative error ${err}`);
  assertSameBits(w, copy); // the input is left alone
});

test('more chunks of rows than the ring of shared memory holds: the same sums in the same order', async () => {
  // 8 MB chunks of 256-row K-blocks, 3 in flight: 70,000 × 100 floats are 4 chunks (20,736 rows
  // each, the last 7,792, ending in a partial K-block)
  const rows = 70000;
  const cols = 100;
  const w = weights(rows, cols, 12);
  const one = await gramMatrix(w, rows, cols, { threads: 1 });
  const two = await gramMatrix(w, rows, cols, { threads: 2 });
  assertSameBits(two, one);
  const err = relativeError(one, reference(w, rows, cols), cols);
  assert.ok(err < BOUND, `relative error ${err}`);
});

test('the plain JavaScript fallback matches float64', () => {
  const w = weights(129, 67, 3);
  assert.ok(relativeError(gramPlain(w, 129, 67), reference(w, 129, 67), 67) < 1e-7);
});

test('cancellation: an aborted signal throws CancelledError and leaves no worker running', async () => {
  const rows = 2003;
  const cols = 317;
  const w = weights(rows, cols, 13);
  const started = gramWorkers.started;
  await assert.rejects(gramMatrix(w, rows, cols, { threads: 2, signal: AbortSignal.abort() }), CancelledError);
  await assert.rejects(gramMatrix(w, rows, cols, { threads: 1, signal: AbortSignal.abort() }), CancelledError);
  assert.equal(gramWorkers.started, started, 'no worker started for an already aborted run');
  // aborted while the workers run
  const controller = new AbortController();
  const running = gramMatrix(w, rows, cols, { threads: 2, signal: controller.signal });
  assert.equal(gramWorkers.running, 2);
  controller.abort();
  await assert.rejects(running, CancelledError);
  assert.equal(gramWorkers.running, 0);
  // aborted on the calling thread: checked between chunks of rows (it yields after the first)
  const big = weights(9000, 600, 14); // two chunks
  const stop = new AbortController();
  const alone = gramMatrix(big, 9000, 600, { threads: 1, signal: stop.signal });
  stop.abort();
  await assert.rejects(alone, CancelledError);
});
