/**
 * The head's step graphs for ONNX Runtime (head-graph.ts) and their sessions: the direct
 * ascent's (a pair's state is its feature map) and the hidden-space ascent's (a rest that is not
 * ReLU → Dense; its state the few hidden-layer vectors of hidden.ts). The loop that runs them is
 * run.ts; lanes.ts runs it on worker threads.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { OutputSelection } from '../../outputs';
import type { AscentSettings } from '../pairs';
import type { FirstDense } from '../first-dense';
import { buildHeadGraph, buildHiddenGraph, type HeadGraph } from './head-graph';
import { onnxRuntime } from './runtime';
import { openSession, type NativeHead } from './run';
import { threadsFor } from '../../threads';

async function load(graph: HeadGraph, workers: number | undefined): Promise<NativeHead | { unsupported: string }> {
  if ('unsupported' in graph) return graph;
  return openSession(graph, threadsFor(workers));
}

/** Whether ONNX Runtime loads here (else why not), without building anything. */
export function nativeAvailable(): true | { unsupported: string } {
  const runtime = onnxRuntime();
  return 'error' in runtime ? { unsupported: runtime.error } : true;
}

/**
 * The head compiled for ONNX Runtime, or why not (no runtime, or a layer the graph builder does
 * not know): the caller then runs the TensorFlow.js direct ascent. `rows`: at most this many rows
 * per step (the chunk, or fewer pairs), which picks the faster form of some products.
 */
export async function nativeHead(model: LayersModel, layerIndex: number, selection: OutputSelection, settings: Pick<AscentSettings, 'l2' | 'workers'>, rows?: number): Promise<NativeHead | { unsupported: string }> {
  return load(nativeDirectGraph(model, layerIndex, selection, settings.l2, rows), settings.workers);
}

/** The direct ascent's step graph, for a session here or for lanes (lanes.ts), or why not. */
export function nativeDirectGraph(model: LayersModel, layerIndex: number, selection: OutputSelection, l2: number, rows?: number): HeadGraph {
  const available = nativeAvailable();
  return available === true ? buildHeadGraph(model, layerIndex, selection, l2, rows) : available;
}

/** Whether the hidden-space step of this head can run on ONNX Runtime (else why not), before G is known. */
export function nativeHiddenSupported(model: LayersModel, dense: FirstDense, selection: OutputSelection): true | { unsupported: string } {
  const available = nativeAvailable();
  if (available !== true) return available;
  if (!dense.restFrom) return { unsupported: 'the dense layer is the output' };
  const graph = buildHiddenGraph(model, dense.restFrom.layerIndex, dense.restFrom.activation, selection, new Float32Array(dense.hidden * dense.hidden), dense.b1, 1);
  return 'unsupported' in graph ? graph : true;
}

/** The hidden-space step (a rest that is not ReLU → Dense) compiled for ONNX Runtime, or why not. */
export async function nativeHiddenStep(model: LayersModel, dense: FirstDense, selection: OutputSelection, gram: Float32Array, settings: Pick<AscentSettings, 'l2' | 'workers'>): Promise<NativeHead | { unsupported: string }> {
  if (nativeAvailable() !== true) return nativeAvailable() as { unsupported: string };
  if (!dense.restFrom) return { unsupported: 'the dense layer is the output' };
  return load(buildHiddenGraph(model, dense.restFrom.layerIndex, dense.restFrom.activation, selection, gram, dense.b1, settings.l2), settings.workers);
}

