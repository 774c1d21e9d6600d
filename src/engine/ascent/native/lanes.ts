/**
 * The direct ascent on ONNX Runtime in lanes: the pairs dealt to several threads — worker threads
 * (lane-worker.ts) and this one — each with its own session on one ONNX Runtime thread, instead of
 * one session whose threads split every product of a step.
 *
 * Why: a convolutional head's step is many small products; ONNX Runtime's threads meet after
 * each one, and one lane per core gains more (measured on this project's 2-core machine, one
 * step of 10 rows, onnxruntime-node 1.20: Basset at conv1 108.6 ms on one
 * thread, 68.4 ms on one session of two, 56.4 ms on two lanes; BPNet at 20 rows 124.5 / 73.8 /
 * 66.0 ms). A head whose weights stream from memory (DeepSEA's 188 MB dense layer) is the other
 * way round: every lane streams them again (25.9 ms on one session of two threads, 35.8 ms on
 * two lanes), so lanes are for heads whose weights are at most `laneTuning.maxWeightBytes`.
 *
 * The rows of such a step do not depend on the other rows of the batch (bitwise; the unit
 * tests check it on every lane count), and a pair's start depends only on (seed, class,
 * restart), so the results equal those of one session.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { listLayers } from '../../layers';
import type { AscentHooks, AscentSettings, Pair, PairResult } from '../pairs';
import { estimatedSeconds, poolTuning } from '../pool';
import { runShares, type Share } from '../shares';
import type { StepGraph } from './head-graph';
import type { LaneRun } from './lane-worker';
import { ascendNative, openSession } from './run';
import { threadsFor } from '../../threads';

const BUNDLED = path.join(__dirname, 'native-lane-worker.js');
const SOURCE = path.join(__dirname, 'lane-worker.ts');

export const laneTuning = {
  /** Heads with more weight bytes than this run on one session of several threads (see above). */
  maxWeightBytes: 64 * 2 ** 20,
  /**
   * Least estimated seconds of ascent (pool.ts's single-thread TensorFlow.js estimate, which is
   * ~3× ONNX Runtime's) for lanes: a lane worker costs ~0.1 s to start (thread, ONNX Runtime,
   * the session). Tests set 0.
   */
  minSeconds: 1,
};

/** Lane workers started so far and still running (tests: none may outlive a run). */
export const laneWorkers = { started: 0, running: 0 };

function startWorker(): Worker {
  const worker = fs.existsSync(BUNDLED)
    ? new Worker(BUNDLED)
    : new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(SOURCE)});`, { eval: true });
  laneWorkers.started++;
  laneWorkers.running++;
  worker.once('exit', () => laneWorkers.running--);
  return worker;
}

/** Bytes of the weights of the layers after the analysed one (what each lane's session holds). */
function headWeightBytes(model: LayersModel, layerIndex: number): number {
  return listLayers(model)
    .filter((l) => l.index > layerIndex)
    .reduce((a, l) => a + 4 * model.layers[l.index].countParams(), 0);
}

/** How many lanes the direct ascent of these pairs runs in (1: one session on every thread). */
export function laneCount(model: LayersModel, layerIndex: number, pairs: number, settings: Pick<AscentSettings, 'workers'>): number {
  const threads = threadsFor(settings.workers);
  const lanes = Math.min(threads, pairs);
  if (lanes < 2 || !(fs.existsSync(BUNDLED) || fs.existsSync(SOURCE))) return 1;
  if (headWeightBytes(model, layerIndex) > laneTuning.maxWeightBytes) return 1;
  if (estimatedSeconds('direct', model, layerIndex, pairs) < laneTuning.minSeconds) return 1;
  return lanes;
}

/** Pairs per step in each of `lanes` lanes: the chunk's memory budget is shared. */
export const laneChunk = (chunkSize: number, lanes: number) => Math.max(1, Math.ceil(chunkSize / lanes));

/**
 * The direct ascent of `pairs` in `lanes` lanes (lanes − 1 worker threads and this thread), each
 * stepping its share `laneChunk(settings.chunkSize, lanes)` rows at a time. Results in the order
 * of `pairs`; stops as every ascent does (AscentCancelled with the finished pairs). Null when a
 * worker could not make its session (the caller then runs one session here).
 */
export async function ascendOnLanes(graph: StepGraph, lanes: number, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[] | null> {
  const chunkSize = laneChunk(settings.chunkSize, lanes);
  const laneSettings: AscentSettings = { ...settings, chunkSize, workers: 1 };
  const local = await openSession(graph, 1);
  if ('unsupported' in local) throw new Error(local.unsupported);
  try {
    // Pairs dealt in turn, so that every lane gets every class alike.
    const shares: Share[] = Array.from({ length: lanes }, (_, w) => {
      const some = pairs.filter((_, i) => i % lanes === w);
      if (w === lanes - 1) return { pairs: some, local: (p: Pair[], h: AscentHooks) => ascendNative(local, p, laneSettings, h) };
      const run: LaneRun = { type: 'run', graph, pairs: some, settings: laneSettings };
      return { pairs: some, worker: startWorker(), message: run };
    });
    const outcome = await runShares(shares, pairs, hooks, { progressMs: poolTuning.progressMs, chunkSize: settings.chunkSize });
    return 'loadFailed' in outcome ? null : outcome.results;
  } finally {
    await local.session.release?.();
  }
}
