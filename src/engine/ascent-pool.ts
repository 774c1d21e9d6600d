/**
 * The ascents that run on TensorFlow.js — the direct ascent (ascent.ts) and the hidden-space
 * ascent's TensorFlow.js steps (ascent-hidden.ts, heads whose rest is not ReLU → Dense) — on
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
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { AscentHooks, AscentProgress, AscentSettings, Pair, PairResult } from './ascent';
import { ascendHidden } from './ascent-hidden';
import type { AscentRun, AscentWorkerMessage, SerialisedModel } from './ascent-worker';
import type { BackendName } from './backend-names';
import { CancelledError, UserError, oneLine } from './errors';
import type { FirstDense } from './first-dense';
import type { GramStore } from './gram-store';
import type { LoadedModel } from './load/model';

const BUNDLED = path.join(__dirname, 'ascent-worker.js');
const SOURCE = path.join(__dirname, 'ascent-worker.ts');

/**
 * When workers pay. A worker costs a start (thread, TensorFlow.js and its backend, the model),
 * measured at about 0.5 s plus 0.3–1 s for a DeepSEA-sized model (200 MB of weights), so the pool
 * runs only when the estimated work on one thread is several starts long. The estimate: per pair
 * and step, 4 FLOPs per multiply-add of the part of the head the step runs (forward and input
 * gradient) at a single-core rate, plus the batching loop's own cost; times typical iterations.
 * Tests set `minSeconds` to 0 to force the pool on small models.
 */
export const poolTuning = {
  /** Estimated single-thread seconds of ascent below which one thread is used. */
  minSeconds: 10,
  /** Typical gradient evaluations per restart (DeepSEA-sized models: 150–250). */
  iterations: 150,
  /** Single-core FLOP/s of the wasm backend on large dense layers (bench batch-16/64: 10–12 GFLOP/s). */
  flopsPerSecond: 1e10,
  /** Per pair and step: the batching loop's own cost, whatever the model (seconds). */
  stepOverhead: 2e-5,
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

/** Multiply-adds of one forward pass of a layer for one sample: its weights times its output positions. */
function layerMacs(model: LayersModel, index: number): number {
  const layer = model.layers[index];
  const shape = (layer.outputShape as (number | null)[]).slice(1, -1);
  return layer.countParams() * shape.reduce<number>((a, d) => a * (d ?? 1), 1);
}

/** Multiply-adds of one step of one pair: the head after the analysis layer, or after the first dense layer plus G. */
function stepMacs(kind: 'direct' | 'hidden', model: LayersModel, layerIndex: number, dense?: FirstDense | null): number {
  if (kind === 'hidden' && dense) {
    const first = model.layers.findIndex((l, i) => i > layerIndex && l.getClassName() === 'Dense');
    let macs = dense.hidden * dense.hidden;
    for (let i = first + 1; i < model.layers.length; i++) macs += layerMacs(model, i);
    return macs;
  }
  let macs = 0;
  for (let i = layerIndex + 1; i < model.layers.length; i++) macs += layerMacs(model, i);
  return macs;
}

/** Estimated seconds of the whole ascent on one thread. */
export function estimatedSeconds(kind: 'direct' | 'hidden', model: LayersModel, layerIndex: number, pairs: number, dense?: FirstDense | null): number {
  const t = poolTuning;
  return pairs * t.iterations * ((4 * stepMacs(kind, model, layerIndex, dense)) / t.flopsPerSecond + t.stepOverhead);
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

/** G of the hidden-space ascent, as ascent-hidden.ts computes (or finds) it; kept per weight tensor. */
const grams = new WeakMap<tf.Tensor, Float32Array>();

/**
 * G exactly as the calling thread's ascent uses it: ascendHidden on no pairs prepares it (or takes
 * it from the caller's store) and hands it to our store. When ascent-hidden.ts has it cached from a
 * run on this thread it asks no store; it is then prepared again for a clone of W₁ (same bits, so
 * the same G; paid once per model, as the result is kept here).
 */
async function gramOf(dense: FirstDense, featureShape: number[], pairsTotal: number, settings: AscentSettings, hooks: AscentHooks): Promise<Float32Array | null> {
  const known = grams.get(dense.w1);
  if (known) return known;
  let captured: Float32Array | undefined;
  const store: GramStore = {
    get(key) {
      const g = hooks.gramStore?.get(key);
      if (g) captured = g;
      return g;
    },
    set(key, g) {
      captured = g;
      hooks.gramStore?.set(key, g);
    },
  };
  const onProgress = (p: AscentProgress) => {
    if (p.stage) hooks.onProgress?.({ ...p, pairsTotal });
  };
  const prepare = (d: FirstDense) => ascendHidden(d, featureShape, [], settings, { gramStore: store, signal: hooks.signal, onProgress });
  await prepare(dense);
  if (!captured) {
    const w1 = tf.clone(dense.w1);
    try {
      await prepare({ ...dense, w1 });
    } finally {
      w1.dispose();
    }
  }
  if (captured?.length !== dense.hidden * dense.hidden) return null;
  grams.set(dense.w1, captured);
  return captured;
}

interface Share {
  worker: Worker;
  pairs: Pair[];
  done: number;
  fraction: number;
  active: number;
}

export interface PoolOptions {
  /** The first dense layer (hidden kind): its W₁ identifies G. */
  dense?: FirstDense | null;
  /** Where the pool says why it fell back to one thread. */
  notes?: string[];
  /** Hears every worker started (tests). */
  onWorker?: (worker: Worker) => void;
}

/**
 * Runs `ascend` (direct) or `ascendHidden` (hidden, TensorFlow.js steps) on worker threads.
 * Returns the PairResults in the order of `pairs`, or null when workers would not pay or are not
 * available (the caller then runs the ascent on this thread). The chunk of pairs optimised at once
 * is shared by the workers, so the ascent's memory stays within the same budget.
 */
export async function ascendOnWorkers(
  kind: 'direct' | 'hidden',
  loaded: LoadedModel,
  layerIndex: number,
  pairs: Pair[],
  settings: AscentSettings & { backend: BackendName },
  hooks: AscentHooks = {},
  options: PoolOptions = {},
): Promise<PairResult[] | null> {
  // Native TensorFlow already uses every core.
  if (settings.backend === 'tensorflow' || !ascentPoolAvailable()) return null;
  const { model } = loaded;
  const dense = options.dense;
  if (kind === 'hidden' && (!dense || dense.reluDense)) return null;
  const wanted = settings.workers || Math.min(4, os.availableParallelism());
  const count = Math.min(wanted, pairs.length);
  if (count < 2) return null;
  if (estimatedSeconds(kind, model, layerIndex, pairs.length, dense) < poolTuning.minSeconds) return null;
  if (hooks.signal?.aborted) throw new CancelledError();

  const started = Date.now();
  const stage = (text: string) =>
    hooks.onProgress?.({ pairsDone: 0, pairsTotal: pairs.length, fraction: 0, active: 0, chunkSize: settings.chunkSize, elapsedSeconds: (Date.now() - started) / 1000, etaSeconds: null, stage: text });
  let gram: Float32Array | undefined;
  if (kind === 'hidden') {
    const featureShape = (model.layers[layerIndex].outputShape as number[]).slice(1);
    gram = (await gramOf(dense!, featureShape, pairs.length, settings, hooks)) ?? undefined;
    if (!gram) return null;
  }
  const prepared = Date.now();
  stage(`starting ${count} worker threads`);
  let serialised: SerialisedModel | null;
  try {
    serialised = serialise(model);
  } catch (err) {
    options.notes?.push(`the ascent ran on one thread: the model could not be handed to worker threads (${oneLine(err)})`);
    return null;
  }

  const serialisedAt = Date.now();
  let readyAt = 0;
  // Pairs dealt in turn, so that every worker gets every class alike.
  const chunkSize = Math.max(1, Math.ceil(settings.chunkSize / count));
  const shares: Share[] = Array.from({ length: count }, (_, w) => ({ worker: startWorker(), pairs: pairs.filter((_, i) => i % count === w), done: 0, fraction: 0, active: 0 }));
  shares.forEach((s) => options.onWorker?.(s.worker));
  let lastReport = 0;
  let ready = 0;
  const report = (force: boolean) => {
    const now = Date.now();
    if (!hooks.onProgress || ready < count || (!force && now - lastReport < 200)) return;
    lastReport = now;
    const fraction = shares.reduce((a, s) => a + s.fraction * s.pairs.length, 0) / pairs.length;
    const elapsed = (now - started) / 1000;
    hooks.onProgress({
      pairsDone: shares.reduce((a, s) => a + s.done, 0),
      pairsTotal: pairs.length,
      fraction,
      active: shares.reduce((a, s) => a + s.active, 0),
      chunkSize: settings.chunkSize,
      elapsedSeconds: elapsed,
      etaSeconds: fraction > 0.01 ? (elapsed * (1 - fraction)) / fraction : null,
    });
  };

  const failure = (why: string) =>
    new UserError(`an ascent worker thread failed: ${why} (--workers 1 runs the ascent on one thread)`);
  let loadFailed: string | null = null;
  let onAbort = () => {};
  try {
    const runs = shares.map(
      (share) =>
        new Promise<PairResult[]>((resolve, reject) => {
          const { worker } = share;
          worker.on('message', (m: AscentWorkerMessage) => {
            if (m.type === 'ready') {
              ready++;
              if (ready === count) {
                readyAt = Date.now();
                stage(`running on ${count} worker threads`);
              }
            } else if (m.type === 'progress') {
              share.done = m.pairsDone;
              share.fraction = m.fraction;
              share.active = m.active;
              report(false);
            } else if (m.type === 'done') {
              share.done = share.pairs.length;
              share.fraction = 1;
              share.active = 0;
              report(true);
              resolve(m.results);
            } else if (m.stage === 'load') {
              loadFailed = m.message;
              reject(failure(`cannot load the model: ${m.message}`));
            } else {
              reject(m.name === 'UserError' ? new UserError(m.message) : failure(m.message));
            }
          });
          worker.once('error', (err) => reject(failure(oneLine(err))));
          worker.once('exit', (code) => reject(failure(`it stopped unexpectedly (exit code ${code})`)));
          const run: AscentRun = { type: 'run', kind, backend: settings.backend, model: serialised!, layerIndex, pairs: share.pairs, settings: { ...settings, chunkSize, workers: 1 }, gram };
          worker.postMessage(run);
        }),
    );
    serialised = null; // the workers hold the weights now
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new CancelledError());
      if (hooks.signal?.aborted) onAbort();
      hooks.signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    const all = Promise.all(runs);
    all.catch(() => {});
    let parts: PairResult[][];
    try {
      parts = await Promise.race([all, aborted]);
    } catch (err) {
      if (loadFailed !== null) {
        options.notes?.push(`the ascent ran on one thread: worker threads could not load the model (${loadFailed})`);
        return null;
      }
      throw err;
    }
    ascentPoolWorkers.last = {
      workers: count,
      prepareSeconds: (prepared - started) / 1000,
      serialiseSeconds: (serialisedAt - prepared) / 1000,
      readySeconds: (readyAt - serialisedAt) / 1000,
      seconds: (Date.now() - started) / 1000,
    };
    const byPair = new Map(parts.flat().map((r) => [`${r.cls}:${r.restart}`, r]));
    return pairs.map((p) => byPair.get(`${p.cls}:${p.restart}`)!);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
    await Promise.all(shares.map((s) => s.worker.terminate()));
  }
}
