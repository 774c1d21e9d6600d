/**
 * Worker thread of the ascent pool (pool.ts): its own TensorFlow.js backend and its own
 * copy of the model, rebuilt from serialised artifacts (topology JSON + weight buffer; nothing
 * from the model is executed), running the same ascent as the calling thread on its share of the
 * (class, restart) pairs.
 *
 * Protocol (shares.ts): one `run` message in; `ready` once the model is loaded, `progress` a few
 * times a second, then `done` with the PairResults or `failed`. A `cancel` message stops the
 * ascent at its next step: `cancelled` then carries the pairs that had finished.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
// The custom layer classes (Keras layers TF.js lacks, ONNX ops), so the model's JSON resolves here.
import '../custom-layers/index';
import { AscentCancelled, type AscentProgress, type AscentSettings, type Pair, type PairResult } from './pairs';
import { ascend } from './direct';
import { ascendHidden } from './hidden';
import { useBackend, type BackendName } from '../backend';
import { firstDense } from './first-dense';
import { splitModel } from '../head';
import type { OutputSelection } from '../outputs';
import type { ShareWorkerMessage } from './shares';

export interface SerialisedModel {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  /** All weights, in weightSpecs order; shared by the workers, never written. */
  weightData: SharedArrayBuffer | ArrayBuffer;
}

export interface AscentRun {
  type: 'run';
  kind: 'direct' | 'hidden';
  backend: BackendName;
  model: SerialisedModel;
  layerIndex: number;
  /** Which outputs the head scores (as the calling thread's head). */
  selection: OutputSelection;
  pairs: Pair[];
  settings: AscentSettings;
  /** hidden: G = W₁ᵀW₁ as the calling thread computed it (the worker must not recompute it). */
  gram?: Float32Array;
}

const post = (m: ShareWorkerMessage) => parentPort!.postMessage(m);
const stop = new AbortController();

async function loadModel(run: AscentRun): Promise<tfl.LayersModel> {
  await useBackend(run.backend);
  const { modelTopology, weightSpecs, weightData } = run.model;
  // fromMemory only hands the artifacts over; tfjs-layers builds the layers from their configs.
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData: weightData as ArrayBuffer }));
}

async function ascent(run: AscentRun, model: tfl.LayersModel): Promise<PairResult[]> {
  const settings = { ...run.settings, workers: 1 };
  const onProgress = (p: AscentProgress) => {
    if (p.stage === undefined) post({ type: 'progress', pairsDone: p.pairsDone, fraction: p.fraction, active: p.active, etaSeconds: p.etaSeconds });
  };
  const head = splitModel(model, run.layerIndex, run.selection);
  try {
    const signal = stop.signal;
    if (run.kind === 'direct') return await ascend(head, run.pairs, settings, { onProgress, signal });
    const dense = firstDense(model, run.layerIndex, run.selection);
    if (!dense || dense.reluDense || !run.gram) throw new Error('the hidden-space TensorFlow.js ascent does not apply to this model');
    const gram = run.gram;
    try {
      // G comes from the calling thread: every key finds it.
      return await ascendHidden(dense, head.featureShape, run.pairs, settings, { onProgress, signal, gramStore: { get: () => gram, set: () => {} } });
    } finally {
      dense.dispose();
    }
  } finally {
    head.dispose();
  }
}

parentPort!.on('message', (m: AscentRun | { type: 'cancel' }) => {
  if (m.type === 'cancel') stop.abort();
  else void runOnce(m);
});

async function runOnce(run: AscentRun) {
  const started = Date.now();
  let model: tfl.LayersModel;
  try {
    model = await loadModel(run);
  } catch (err) {
    post({ type: 'failed', stage: 'load', name: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err) });
    return;
  }
  // Drop the artifacts: the weights now live in the backend.
  run.model = undefined as unknown as SerialisedModel;
  post({ type: 'ready', seconds: (Date.now() - started) / 1000 });
  try {
    post({ type: 'done', results: await ascent(run, model) });
  } catch (err) {
    if (err instanceof AscentCancelled) post({ type: 'cancelled', results: err.done });
    else post({ type: 'failed', stage: 'ascent', name: (err as Error)?.name ?? 'Error', message: String((err as Error)?.message ?? err) });
  } finally {
    model.dispose();
  }
}
