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
import { runShares, type Share, type ShareWorkerMessage } from '../shares';
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
  /** Tests: the source of the lane threads instead of lane-worker (e.g. one that ends at once). */
  script: undefined as string | undefined,
};

/**
 * The lane threads of this process, started when first needed and then reused, never ended.
 * Why: onnxruntime-node up to 1.24 does not survive threads that load it and end — with 1.20.1 on
 * this machine, the process crashed (`free(): invalid pointer`) after 2–10 cycles of one thread
 * loading it and ending (terminate(), its own exit or closing its port), and a thread could not
 * load it at all once none held it (`Module did not self-register`; also 1.22 and 1.24). 1.31,
 * which this project ships, passed both (15 cycles; 8 rounds of three threads side by side), but
 * a crew that never ends does not depend on it, and saves each analysis the threads' start.
 * Idle, a lane thread holds its ONNX Runtime library and nothing else, and does not keep the
 * process alive (unref).
 */
interface Lane {
  worker: Worker;
  /** Handed to a run (startLanes) and not given back yet (stopLanes / the end of ascendOnLanes). */
  reserved: boolean;
  /** Sent a run that has not answered done, cancelled or failed yet (a late cancel still runs). */
  running: boolean;
  /** Failed or ended (never handed out again). */
  dead: boolean;
}
const crewPool: Lane[] = [];
/** Why lanes are not used any more in this process (a lane thread could not make its session). */
export const laneRefusal: { reason?: string } = {};
const laneOf = new WeakMap<Worker, Lane>();

/** Lane threads started in this process, those alive, and those handed to a run now (tests). */
export const laneWorkers = {
  started: 0,
  get alive() {
    return crewPool.filter((l) => !l.dead).length;
  },
  get busy() {
    return crewPool.filter((l) => !l.dead && (l.reserved || l.running)).length;
  },
};

function startWorker(): Lane {
  const worker = laneTuning.script
    ? new Worker(laneTuning.script, { eval: true })
    : fs.existsSync(BUNDLED)
      ? new Worker(BUNDLED)
      : new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(SOURCE)});`, { eval: true });
  laneWorkers.started++;
  const lane: Lane = { worker, reserved: false, running: false, dead: false };
  const gone = () => {
    lane.dead = true;
    const i = crewPool.indexOf(lane);
    if (i >= 0) crewPool.splice(i, 1);
  };
  // A thread that fails (also before a run listens, while the graph is built) must neither crash
  // the process (an 'error' without a listener) nor be handed out again.
  worker.on('error', gone);
  worker.once('exit', gone);
  worker.on('message', (m: ShareWorkerMessage) => {
    if (m.type === 'done' || m.type === 'cancelled' || m.type === 'failed') lane.running = false;
    // A lane thread that cannot make the session the calling thread made (ONNX Runtime refused
    // this thread): no lanes for the rest of the process, one session on every core instead.
    if (m.type === 'failed' && m.stage === 'load') laneRefusal.reason ??= m.message;
  });
  crewPool.push(lane);
  laneOf.set(worker, lane);
  return lane;
}

/**
 * The worker threads of `lanes` lanes (the last lane is the calling thread): idle lane threads of
 * this process, and new ones where there are too few — started before the step graph is built,
 * so that their start (thread, ONNX Runtime's library) overlaps that work. Every crew goes back
 * with `stopLanes` (ascendOnLanes does it; so must a caller that does not get that far).
 */
export function startLanes(lanes: number): Worker[] {
  const crew: Lane[] = [];
  for (const lane of crewPool) if (crew.length < lanes - 1 && !lane.dead && !lane.reserved && !lane.running) crew.push(lane);
  while (crew.length < lanes - 1) crew.push(startWorker());
  for (const lane of crew) {
    lane.reserved = true;
    lane.worker.ref();
  }
  return crew.map((l) => l.worker);
}

/** Gives a crew back: its threads idle (never ended, see crewPool) and let the process exit. */
export async function stopLanes(crew: Worker[]): Promise<void> {
  for (const worker of crew) {
    const lane = laneOf.get(worker);
    if (!lane) continue;
    lane.reserved = false;
    worker.unref();
  }
}

const dead = (worker: Worker) => laneOf.get(worker)?.dead ?? true;

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
  if (lanes < 2 || laneRefusal.reason !== undefined || !(fs.existsSync(BUNDLED) || fs.existsSync(SOURCE))) return 1;
  if (headWeightBytes(model, layerIndex) > laneTuning.maxWeightBytes) return 1;
  if (estimatedSeconds('direct', model, layerIndex, pairs) < laneTuning.minSeconds) return 1;
  return lanes;
}

/** Pairs per step in each of `lanes` lanes: the chunk's memory budget is shared. */
export const laneChunk = (chunkSize: number, lanes: number) => Math.max(1, Math.ceil(chunkSize / lanes));

/**
 * The direct ascent of `pairs` in the lanes of `crew` (startLanes: lanes − 1 worker threads) and
 * this thread, each stepping its share `laneChunk(settings.chunkSize, lanes)` rows at a time. Results in the order
 * of `pairs`; stops as every ascent does (AscentCancelled with the finished pairs). Null when a
 * worker could not make its session (the caller then runs one session here).
 */
export async function ascendOnLanes(graph: StepGraph, crew: Worker[], pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[] | null> {
  const lanes = crew.length + 1;
  const chunkSize = laneChunk(settings.chunkSize, lanes);
  const laneSettings: AscentSettings = { ...settings, chunkSize, workers: 1 };
  const local = await openSession(graph, 1).catch(async (err: unknown) => {
    await stopLanes(crew);
    throw err;
  });
  if ('unsupported' in local) {
    await stopLanes(crew);
    throw new Error(local.unsupported);
  }
  try {
    // A crew thread that died at its start: one session here instead (the caller's fallback).
    if (crew.some(dead)) {
      await stopLanes(crew);
      return null;
    }
    // Pairs dealt in turn, so that every lane gets every class alike.
    const shares: Share[] = Array.from({ length: lanes }, (_, w) => {
      const some = pairs.filter((_, i) => i % lanes === w);
      if (w === lanes - 1) return { pairs: some, local: (p: Pair[], h: AscentHooks) => ascendNative(local, p, laneSettings, h) };
      const run: LaneRun = { type: 'run', graph, pairs: some, settings: laneSettings };
      laneOf.get(crew[w])!.running = true;
      return { pairs: some, worker: crew[w], message: run };
    });
    const outcome = await runShares(shares, pairs, hooks, { progressMs: poolTuning.progressMs, chunkSize: settings.chunkSize, keepWorkers: true });
    return 'loadFailed' in outcome ? null : outcome.results;
  } finally {
    await stopLanes(crew);
    await local.session.release?.();
  }
}
