/**
 * Worker thread running hidden-space pairs (hidden-pair.ts) for PairPool: no TensorFlow.js, only
 * the WebAssembly step kernel. Receives the weights and G once (workerData), then batches of
 * pairs; answers with their outcomes in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ascendPair, kernelFor, type PairSettings, type PairWeights } from './hidden-pair';

export interface PairWorkerData {
  weights: PairWeights;
  gram: Float32Array;
  settings: PairSettings;
}

export interface PairBatch {
  id: number;
  classes: number[];
  /** p₀ of each pair, [N, U] row-major. */
  p0: Float32Array;
  n0: Float64Array;
}

const { weights, gram, settings } = workerData as PairWorkerData;
const kernel = kernelFor(weights, gram);
const U = weights.hidden;

/** How often a worker tells how many of its pairs are done (for the progress bar). */
const PROGRESS_MS = 100;

parentPort!.on('message', (batch: PairBatch) => {
  let told = Date.now();
  const outcomes = batch.classes.map((cls, i) => {
    const outcome = ascendPair(weights, kernel, cls, batch.p0.subarray(i * U, (i + 1) * U), batch.n0[i], settings);
    if (Date.now() - told > PROGRESS_MS) {
      parentPort!.postMessage({ id: batch.id, done: i + 1 });
      told = Date.now();
    }
    return outcome;
  });
  parentPort!.postMessage({ id: batch.id, outcomes });
});
