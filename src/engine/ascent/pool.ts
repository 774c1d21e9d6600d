/**
 * The ascents that run on TensorFlow.js — the direct ascent (direct.ts) and the hidden-space
 * ascent's TensorFlow.js steps (hidden.ts, heads whose rest is not ReLU → Dense) — on
 * worker threads: the wasm backend cannot use threads in Node, so one thread would leave the
 * other cores idle.
 *
 * Each worker has its own backend (the one the caller uses) and its own copy of the model, built
 * from serialised artifacts (topology JSON + one shared weight buffer; no code from the model),
 * and runs the same ascent function on its share of the (class, restart) pairs. A pair's start
 * depends only on (seed, class, restart) and batch rows are independent, so the results equal
 * those of one thread. The hidden-space workers receive G = W₁ᵀW₁ from the calling thread.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { AscentHooks, AscentSettings, Pair, PairResult } from './pairs';
import { runShares, type Share } from './shares';
import { preparedGram } from './hidden';
import type { AscentRun, SerialisedModel } from './worker';
import type { BackendName } from '../backend-names';
import { CancelledError, oneLine } from '../errors';
import type { FirstDense } from './first-dense';
import { listLayers } from '../layers';
import type { LoadedModel } from '../load/model';
import type { OutputSelection } from '../outputs';
import { threadsFor } from '../threads';

const BUNDLED = path.join(__dirname, 'ascent-worker.js');
const SOURCE = path.join(__dirname, 'worker.ts');

/**
 * When workers pay. A worker costs a start (thread, TensorFlow.js and its backend, the model:
 * measured 0.4 s, 0.8–1.1 s with a DeepSEA-sized model) and, on the hidden path, its own
 * preparation of the start sampler (~1–2 s for DeepSEA), so the pool runs only when the ascent
 * would take at least `minSeconds` on one thread. The estimate, per pair and step: 4 FLOPs per
 * multiply-add of the layers the step runs (forward and input gradient) at a single-core rate
 * that depends on whether the layer's weights stay in cache, plus the batching loop's own cost;
 * times typical iterations. Tests set `minSeconds` to 0 to force the pool on small models.
 */
export const poolTuning = {
  /**
   * Estimated single-thread seconds of ascent below which one thread is used. Measured on the
   * bench models: the hidden path breaks even at ~8 s of real work (100 deep-tail pairs, 8.0 s on
   * one thread, 8.3 s on two workers); DeepSEA's direct path gains from 3 pairs (15.3 → 14.2 s).
   */
  minSeconds: 15,
  /**
   * Least milliseconds between two progress reports of the pool (the end of a thread's share is
   * reported at once). Tests set 0 to be told of every finished pair, so that a stop comes at an
   * exact count of them and not at whatever count the next report brings.
   */
  progressMs: 200,
  /** Typical gradient evaluations per restart (DeepSEA-sized bench models: ~215). */
  iterations: 200,
  /** Single-core FLOP/s of the wasm backend on layers whose weights exceed `cacheBytes` (DeepSEA's first dense layer: ~10). */
  flopsPerSecond: 1e10,
  /** The same on smaller layers (the deep-tail bench model's hidden-space steps: ~36 G). */
  cachedFlopsPerSecond: 3e10,
  cacheBytes: 16 * 2 ** 20,
  /** Per pair and step: the batching loop's own cost, whatever the model (seconds). */
  stepOverhead: 2e-5,
  /**
   * Memory of one worker, in multiples of the model's weight bytes, plus a fixed part: loading
   * (zero-initialised variables, then the decoded weights), a transposed copy of dense kernels and
   * the wasm matMul's own copies. Measured on DeepSEA (211 MB of weights): ~0.95 GB per worker on
   * the direct path, ~0.7 GB on the hidden one.
   */
  workerWeightCopies: 4,
  workerFixedBytes: 100 * 2 ** 20,
  /** Share of the free memory the workers may take. */
  memoryShare: 0.5,
};

const live = new Set<Worker>();

/** Worker threads started and still running (tests: none may outlive a call), and the last run's timings. */
export const ascentPoolWorkers = {
  started: 0,
  get running() {
    return live.size;
  },
  last: null as null | { workers: number; prepareSeconds: number; serialiseSeconds: number; readySeconds: number; seconds: number },
};

/** Whether a worker script is at hand (a bundle shipped without it runs on one thread). */
export function ascentPoolAvailable(): boolean {
  return fs.existsSync(BUNDLED) || fs.existsSync(SOURCE);
}

function startWorker(): Worker {
  const worker = fs.existsSync(BUNDLED)
    ? new Worker(BUNDLED)
    : new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(SOURCE)});`, { eval: true });
  ascentPoolWorkers.started++;
  live.add(worker);
  worker.once('exit', () => live.delete(worker));
  return worker;
}

const product = (shape: (number | null)[]) => shape.reduce<number>((a, d) => a * (d ?? 1), 1);

/** Seconds of one step of one pair through the layers from index `from` on (forward and input gradient). */
function stepSeconds(model: LayersModel, from: number): number {
  const t = poolTuning;
  let seconds = t.stepOverhead;
  for (const l of listLayers(model)) {
    if (l.index < from) continue;
    const params = model.layers[l.index].countParams();
    const flops = 4 * params * product(l.outputShape.slice(0, -1));
    seconds += flops / (4 * params > t.cacheBytes ? t.flopsPerSecond : t.cachedFlopsPerSecond);
  }
  return seconds;
}

/** Estimated seconds of the whole ascent on one thread. */
export function estimatedSeconds(kind: 'direct' | 'hidden', model: LayersModel, layerIndex: number, pairs: number, dense?: FirstDense | null): number {
  const t = poolTuning;
  let step: number;
  if (kind === 'hidden' && dense) {
    // A hidden-space step: a product with G (U × U), then the layers after the first dense one.
    const first = model.layers.findIndex((l, i) => i > layerIndex && l.getClassName() === 'Dense');
    const gramBytes = 4 * dense.hidden * dense.hidden;
    step = (2 * gramBytes) / (gramBytes > t.cacheBytes ? t.flopsPerSecond : t.cachedFlopsPerSecond) + stepSeconds(model, first + 1);
  } else {
    step = stepSeconds(model, layerIndex + 1);
  }
  return pairs * t.iterations * step;
}

/**
 * Pairs per chunk on each of `count` workers (direct path): the chunk's memory budget is shared,
 * counting a pair's bytes as resolve.ts's chunkSizeFor does (6 feature maps, 2 + 1 copies of every
 * head activation); never more than the caller's chunk.
 */
function workerChunk(model: LayersModel, layerIndex: number, chunkSize: number, count: number, maxMemoryMB?: number): number {
  if (!maxMemoryMB) return Math.max(1, Math.ceil(chunkSize / count));
  const layers = listLayers(model);
  const mapSize = product(layers.find((l) => l.index === layerIndex)?.outputShape ?? []);
  const activations = layers.filter((l) => l.index > layerIndex).reduce((a, l) => a + product(l.outputShape), 0);
  const pairBytes = 4 * (6 * mapSize + 3 * activations);
  return Math.max(1, Math.min(chunkSize, Math.floor((maxMemoryMB * 2 ** 20) / (count * pairBytes))));
}

/** Estimated memory of one worker (bytes). */
export function workerBytes(model: LayersModel): number {
  const weightBytes = model.weights.reduce((a, w) => a + 4 * product(w.shape), 0);
  return poolTuning.workerWeightCopies * weightBytes + poolTuning.workerFixedBytes;
}

/**
 * The model as artifacts a worker loads with tf.io.fromMemory: the topology JSON (what
 * LayersModel.save writes) and the weights, named as save names them, in one SharedArrayBuffer
 * that every worker reads (written a weight at a time: no second copy of the whole model here).
 */
function serialise(model: LayersModel): SerialisedModel {
  const weights = model.weights.map((w) => {
    const value = w.read();
    if (value.dtype !== 'float32' && value.dtype !== 'int32') throw new Error(`weight ${w.originalName} has dtype ${value.dtype}`);
    return { name: w.originalName, shape: value.shape, dtype: value.dtype, value };
  });
  const bytes = weights.reduce((a, w) => a + 4 * w.value.size, 0);
  const shared = new SharedArrayBuffer(bytes);
  let offset = 0;
  for (const w of weights) {
    const View = w.dtype === 'float32' ? Float32Array : Int32Array;
    new View(shared as unknown as ArrayBuffer, offset, w.value.size).set(w.value.dataSync() as Float32Array | Int32Array);
    offset += 4 * w.value.size;
  }
  return {
    modelTopology: model.toJSON(null, false) as object,
    weightSpecs: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
    weightData: shared,
  };
}

export interface PoolOptions {
  /** The first dense layer (hidden kind): its W₁ identifies G. */
  dense?: FirstDense | null;
  /** The outputs analysed (and a profile's window): the workers build the same head. */
  selection?: OutputSelection;
  /** Where the pool says why it fell back to one thread. */
  notes?: string[];
  /** Hears every worker started (tests). */
  onWorker?: (worker: Worker) => void;
  /**
   * Runs a share of the pairs on the calling thread (the same ascent as a worker's). With it, the
   * calling thread is one of the threads: one worker fewer, so one copy of the model less.
   */
  local?: (pairs: Pair[], hooks: AscentHooks, chunkSize: number) => Promise<PairResult[]>;
}

/**
 * Runs `ascend` (direct) or `ascendHidden` (hidden, TensorFlow.js steps) on worker threads.
 * Returns the PairResults in the order of `pairs`, or null when workers would not pay or are not
 * available (the caller then runs the ascent on this thread). The memory budget of the chunk of
 * pairs optimised at once (`maxMemoryMB`) is shared by the workers.
 */
export async function ascendOnWorkers(
  kind: 'direct' | 'hidden',
  loaded: LoadedModel,
  layerIndex: number,
  pairs: Pair[],
  settings: AscentSettings & { backend: BackendName; maxMemoryMB?: number },
  hooks: AscentHooks = {},
  options: PoolOptions = {},
): Promise<PairResult[] | null> {
  // Native TensorFlow already uses every core.
  if (settings.backend === 'tensorflow' || !ascentPoolAvailable()) return null;
  const { model } = loaded;
  const dense = options.dense;
  if (kind === 'hidden' && (!dense || dense.reluDense)) return null;
  const wanted = threadsFor(settings.workers);
  if (Math.min(wanted, pairs.length) < 2) return null;
  if (estimatedSeconds(kind, model, layerIndex, pairs.length, dense) < poolTuning.minSeconds) return null;
  // Each worker holds its own copy of the model (and of what the backend makes of it).
  const perWorker = workerBytes(model);
  const self = options.local ? 1 : 0;
  const fit = Math.floor((poolTuning.memoryShare * os.freemem()) / perWorker) + self;
  if (fit < 2) {
    const gb = (b: number) => (b / 2 ** 30).toFixed(1);
    const n = Math.min(wanted, pairs.length);
    options.notes?.push(`the ascent ran on one thread: ${n - self} worker threads would need about ${gb((n - self) * perWorker)} GB and ${gb(os.freemem())} GB is free`);
    return null;
  }
  const count = Math.min(wanted, pairs.length, fit);
  if (hooks.signal?.aborted) throw new CancelledError();

  const started = Date.now();
  const stage = (text: string) =>
    hooks.onProgress?.({ pairsDone: 0, pairsTotal: pairs.length, fraction: 0, active: 0, chunkSize: settings.chunkSize, elapsedSeconds: (Date.now() - started) / 1000, etaSeconds: null, stage: text });
  let gram: Float32Array | undefined;
  if (kind === 'hidden') {
    const featureShape = (model.layers[layerIndex].outputShape as number[]).slice(1);
    gram = await preparedGram(dense!, featureShape, pairs.length, settings, hooks);
  }
  const prepared = Date.now();
  const workers = count - self;
  stage(`starting ${workers} worker thread${workers === 1 ? '' : 's'}`);
  let serialised: SerialisedModel | null;
  try {
    serialised = serialise(model);
  } catch (err) {
    options.notes?.push(`the ascent ran on one thread: the model could not be handed to worker threads (${oneLine(err)})`);
    return null;
  }

  const serialisedAt = Date.now();
  let readyAt = 0;
  // Pairs dealt in turn, so that every worker gets every class alike. (The hidden path steps its
  // small states in batches of its own size.)
  const chunkSize = kind === 'direct' ? workerChunk(model, layerIndex, settings.chunkSize, count, settings.maxMemoryMB) : settings.chunkSize;
  const shares: Share[] = Array.from({ length: count }, (_, w) => {
    const some = pairs.filter((_, i) => i % count === w);
    if (w >= workers) return { pairs: some, local: (p: Pair[], h: AscentHooks) => options.local!(p, h, chunkSize) };
    const run: AscentRun = { type: 'run', kind, backend: settings.backend, model: serialised!, layerIndex, selection: options.selection ?? {}, pairs: some, settings: { ...settings, chunkSize, workers: 1 }, gram };
    return { pairs: some, worker: startWorker(), message: run };
  });
  serialised = null; // the workers hold the weights now
  shares.forEach((s) => s.worker && options.onWorker?.(s.worker));
  const outcome = await runShares(shares, pairs, hooks, {
    progressMs: poolTuning.progressMs,
    chunkSize: settings.chunkSize,
    onReady: () => {
      readyAt = Date.now();
      stage(self ? `running on this thread and ${workers} worker thread${workers === 1 ? '' : 's'}` : `running on ${count} worker threads`);
    },
  });
  if ('loadFailed' in outcome) {
    options.notes?.push(`the ascent ran on one thread: worker threads could not load the model (${outcome.loadFailed})`);
    return null;
  }
  ascentPoolWorkers.last = {
    workers: count,
    prepareSeconds: (prepared - started) / 1000,
    serialiseSeconds: (serialisedAt - prepared) / 1000,
    readySeconds: (readyAt - serialisedAt) / 1000,
    seconds: (Date.now() - started) / 1000,
  };
  return outcome.results;
}
