/**
 * Worker thread of the ONNX Runtime lanes (lanes.ts): a session on one ONNX Runtime thread, made
 * from the step graph's bytes (an ONNX graph this project built from the weights; nothing from
 * the model is executed), runs the direct ascent (run.ts) on its share of the pairs. No
 * TensorFlow.js here, so a lane starts in a few tens of milliseconds.
 *
 * Protocol (shares.ts): a `run` message in (one after another); `ready` once the session is made, `progress` a few
 * times a second, then `done` with the PairResults or `failed`. `cancel` stops the ascent at its
 * next step: `cancelled` then carries the pairs that had finished.
 */
import { parentPort } from 'node:worker_threads';
import { AscentCancelled, type AscentProgress, type AscentSettings, type Pair } from '../pairs';
import type { ShareWorkerMessage } from '../shares';
import type { StepGraph } from './head-graph';
import { ascendNative, openSession } from './run';
import { onnxRuntime } from './runtime';

export interface LaneRun {
  type: 'run';
  graph: StepGraph;
  pairs: Pair[];
  settings: AscentSettings;
}

// ONNX Runtime's library is loaded while the calling thread builds the step graph (lanes.ts).
onnxRuntime();

const post = (m: ShareWorkerMessage) => parentPort!.postMessage(m);
/** The run in progress's stop (a cancel that comes after its run ended is for no one). */
let stop: AbortController | null = null;
const failed = (stage: 'load' | 'ascent', err: unknown) => post({ type: 'failed', stage, name: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err) });

// This thread serves one run after another for the life of the process (lanes.ts says why it
// never ends); the caller sends a run only once the previous one has answered.
parentPort!.on('message', (m: LaneRun | { type: 'cancel' }) => {
  if (m.type === 'cancel') stop?.abort();
  else {
    stop = new AbortController();
    void runOnce(m, stop.signal);
  }
});

async function runOnce(run: LaneRun, signal: AbortSignal) {
  const started = Date.now();
  const head = await openSession(run.graph, 1).catch((err: unknown) => ({ unsupported: String((err as Error)?.message ?? err) }));
  if ('unsupported' in head) return failed('load', head.unsupported);
  run.graph = undefined as unknown as StepGraph; // the session holds the weights now
  post({ type: 'ready', seconds: (Date.now() - started) / 1000 });
  const onProgress = (p: AscentProgress) => {
    if (p.stage === undefined) post({ type: 'progress', pairsDone: p.pairsDone, fraction: p.fraction, active: p.active, etaSeconds: p.etaSeconds });
  };
  try {
    post({ type: 'done', results: await ascendNative(head, run.pairs, run.settings, { onProgress, signal }) });
  } catch (err) {
    if (err instanceof AscentCancelled) post({ type: 'cancelled', results: err.done });
    else failed('ascent', err);
  } finally {
    await head.session.release?.();
  }
}
