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

parentPort!.on('message', (batch: PairBatch) => {
  const outcomes = batch.classes.map((cls, i) => ascendPair(weights, kernel, cls, batch.p0.subarray(i * U, (i + 1) * U), batch.n0[i], settings));
  parentPort!.postMessage({ id: batch.id, outcomes });
});
