/**
 * The Gram matrix G = W₁ᵀW₁ of a dense layer's weights (rows × cols, row-major float32), as
 * needed by the hidden-space ascent: only the tiles on and above the diagonal are computed, by a
 * WebAssembly SIMD kernel (kernels/gram.wat), on worker threads sharing one WebAssembly memory.
 *
 * W₁ goes into the shared memory a chunk of rows at a time (a few MB, in a ring of SLOTS
 * chunks), so the copy overlaps the computation and the memory added stays small. Every worker
 * runs every chunk, each on its own range of 4-row groups of G (balanced by tile count); every
 * K-block of KC rows is packed into 8-column strips and each 4 × 8 tile's share is summed in
 * float32 from zero and then added to the tile, in K-block order. A tile is computed by one
 * thread, so the result does not depend on the number of threads (bitwise).
 *
 * Small matrices (fewer than SMALL multiply-adds) run on the calling thread, as does everything
 * when workers cannot be started.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../errors';
import { WASM_BASE64 } from './kernels/gram-wasm';

export interface GramOptions {
  /** Worker threads (default: one per core, at most 4); 1 runs on the calling thread. */
  threads?: number;
  signal?: AbortSignal;
}

/** Rows of W₁ per K-block: one packed block (KC × cols floats) sits in L2, one strip in L1. */
const KC = 256;
/** Bytes of W₁ copied into the shared memory at a time, and how many such chunks are in flight. */
const CHUNK_BYTES = 8 << 20;
const SLOTS = 3;
/** Below this many multiply-adds (rows · cols²) starting workers costs more than it saves. */
const SMALL = 2e8;
const MAX_PAGES = 65536;

let compiled: WebAssembly.Module | undefined;
/** The compiled kernel (once per process; workers receive the same module). */
function gramModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')));
}

interface BlockExports {
  block(src: number, kn: number, cols: number, kc: number, pack: number, g0: number, g1: number, gbase: number): void;
}

/** A worker: instantiates the kernel on the shared memory, then runs each chunk it is sent. */
const WORKER = `
const { parentPort, workerData: d } = require('node:worker_threads');
const { block } = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports;
parentPort.on('message', (m) => {
  for (let r = 0; r < m.rows; r += d.kc) block(m.src + r * d.cols * 4, Math.min(d.kc, m.rows - r), d.cols, d.kc, d.pack, d.g0, d.g1, d.gbase);
  parentPort.postMessage(m.id);
});
`;

/** Splits the row groups [0, groups) into `parts` ranges with about equal numbers of tiles. */
function splitGroups(groups: number, strips: number, parts: number): number[] {
  const tiles = (g: number) => strips - (g >> 1);
  let total = 0;
  for (let g = 0; g < groups; g++) total += tiles(g);
  const bounds = [0];
  let sum = 0;
  for (let g = 0; g < groups && bounds.length < parts; g++) {
    sum += tiles(g);
    if (sum >= (total * bounds.length) / parts) bounds.push(g + 1);
  }
  while (bounds.length <= parts) bounds.push(groups);
  return bounds;
}

/** Worker threads started so far and still running (for tests: none may outlive a call). */
export const gramWorkers = { started: 0, running: 0 };

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * G = W₁ᵀW₁ as a full symmetric cols × cols row-major matrix (float32; both triangles hold the
 * same bits). w1 is read, never kept or changed.
 */
export async function gramMatrix(
  w1: Float32Array,
  rows: number,
  cols: number,
  options: { threads?: number; signal?: AbortSignal } = {},
): Promise<Float32Array> {
  const { signal } = options;
  if (w1.length !== rows * cols) throw new Error(`gramMatrix: ${w1.length} weights are not ${rows} × ${cols}`);
  if (signal?.aborted) throw new CancelledError();
  if (rows === 0 || cols === 0) return new Float32Array(cols * cols);
  const strips = Math.ceil(cols / 8);
  const groups = Math.ceil(cols / 4);
  let threads = Math.max(1, Math.floor(options.threads ?? Math.min(os.availableParallelism(), 4)));
  if (rows * cols * cols < SMALL) threads = 1;
  threads = Math.min(threads, groups);
  const chunkRows = Math.min(Math.ceil(rows / KC), Math.max(1, Math.floor(CHUNK_BYTES / (KC * cols * 4)))) * KC;
  const slots = threads > 1 ? SLOTS : 1;

  // Memory: the tiles of G, one packed K-block per thread, the chunks of W₁ in flight.
  const gbase = 0;
  const packBase = gbase + align(groups * strips * 128);
  const packBytes = align(strips * KC * 32);
  const slotBase = packBase + threads * packBytes;
  const slotBytes = align(chunkRows * cols * 4);
  const pages = Math.ceil((slotBase + slots * slotBytes) / 65536);
  let memory: WebAssembly.Memory;
  try {
    if (pages > MAX_PAGES) throw new RangeError('too large');
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    return gramPlain(w1, rows, cols); // no shared memory here, or a matrix beyond 4 GB of it
  }
  const f32 = new Float32Array(memory.buffer);
  const module = gramModule();
  const bounds = splitGroups(groups, strips, threads);

  /** Copies chunk c of W₁ into its slot; returns its byte offset and row count. */
  const load = (c: number) => {
    const first = c * chunkRows;
    const n = Math.min(chunkRows, rows - first);
    const src = slotBase + (c % slots) * slotBytes;
    f32.set(w1.subarray(first * cols, (first + n) * cols), src / 4);
    return { src, n };
  };
  const chunks = Math.ceil(rows / chunkRows);

  if (threads > 1) {
    const workers = startWorkers(threads, (t) => ({ module, memory, cols, kc: KC, pack: packBase + t * packBytes, g0: bounds[t], g1: bounds[t + 1], gbase }));
    if (workers.length) {
      try {
        await runWorkers(workers, chunks, slots, load, signal);
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        // a worker failed: compute it all again here
        return gramMatrix(w1, rows, cols, { threads: 1, signal });
      }
      return mirror(new Float32Array(memory.buffer, gbase, groups * strips * 32), cols, strips);
    }
  }
  const { block } = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as BlockExports;
  // Lets the event loop (and an abort) in after the first chunk, then every 50 ms or so.
  let lastYield = 0;
  for (let c = 0; c < chunks; c++) {
    if (c > 0 && Date.now() - lastYield > 50) {
      await yieldToEventLoop();
      lastYield = Date.now();
    }
    if (signal?.aborted) throw new CancelledError();
    const { src, n } = load(c);
    for (let r = 0; r < n; r += KC) block(src + r * cols * 4, Math.min(KC, n - r), cols, KC, packBase, 0, groups, gbase);
  }
  return mirror(new Float32Array(memory.buffer, gbase, groups * strips * 32), cols, strips);
}

/** Starts the workers; none when worker threads are not available here. */
function startWorkers(threads: number, data: (t: number) => object): Worker[] {
  const workers: Worker[] = [];
  try {
    for (let t = 0; t < threads; t++) {
      const worker = new Worker(WORKER, { eval: true, workerData: data(t) });
      gramWorkers.started++;
      gramWorkers.running++;
      worker.once('exit', () => gramWorkers.running--);
      workers.push(worker);
    }
    return workers;
  } catch {
    for (const w of workers) void w.terminate();
    return [];
  }
}

/**
 * Sends every chunk of rows to every worker, `slots` chunks in flight: chunk c + slots is copied
 * into the slot of chunk c once all workers are done with c. Stops the workers in any case.
 */
async function runWorkers(workers: Worker[], chunks: number, slots: number, load: (c: number) => { src: number; n: number }, signal?: AbortSignal): Promise<void> {
  let onAbort = () => {};
  try {
    await new Promise<void>((resolve, reject) => {
      const done = new Array<number>(chunks).fill(0);
      const post = (c: number) => {
        const { src, n } = load(c);
        for (const w of workers) w.postMessage({ id: c, src, rows: n });
      };
      onAbort = () => reject(new CancelledError());
      signal?.addEventListener('abort', onAbort, { once: true });
      for (const w of workers) {
        w.on('message', (c: number) => {
          if (++done[c] < workers.length) return;
          try {
            if (c + slots < chunks) post(c + slots);
            else if (c === chunks - 1) resolve();
          } catch (err) {
            reject(err);
          }
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`gram worker stopped (exit code ${code})`)));
      }
      try {
        for (let c = 0; c < Math.min(slots, chunks); c++) post(c);
      } catch (err) {
        reject(err);
      }
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** The full matrix from the tile-major upper triangle: G[j][i] = G[i][j] for i ≤ j. */
function mirror(tiles: Float32Array, cols: number, strips: number): Float32Array {
  const g = new Float32Array(cols * cols);
  for (let i = 0; i < cols; i++) {
    const row = (i >> 2) * strips * 32 + (i & 3) * 8;
    for (let j = i; j < cols; j++) {
      const v = tiles[row + (j >> 3) * 32 + (j & 7)];
      g[i * cols + j] = v;
      g[j * cols + i] = v;
    }
  }
  return g;
}

/**
 * The same product in plain JavaScript (float64 sums rounded once), for hosts without shared
 * WebAssembly memory. Much slower; not bitwise equal to the kernel's float32 sums.
 */
export function gramPlain(w1: Float32Array, rows: number, cols: number): Float32Array {
  const acc = new Float64Array(cols * cols);
  for (let k = 0; k < rows; k++) {
    const o = k * cols;
    for (let i = 0; i < cols; i++) {
      const a = w1[o + i];
      if (a === 0) continue;
      const r = i * cols;
      for (let j = i; j < cols; j++) acc[r + j] += a * w1[o + j];
    }
  }
  const g = new Float32Array(cols * cols);
  for (let i = 0; i < cols; i++) for (let j = i; j < cols; j++) g[i * cols + j] = g[j * cols + i] = acc[i * cols + j];
  return g;
}
