/**
 * The direct ascent on ONNX Runtime's native CPU kernels: the same pairs, starts, step schedule,
 * patience rule and batching as the TensorFlow.js direct ascent (direct.ts, batched.ts), with each
 * step one run of the head's forward + input-gradient graph (head-graph.ts) on every core
 * (ONNX Runtime's own threads). A pair that stops leaves the chunk and the next pending pair takes
 * its slot, so the batch stays full.
 */
import * as os from 'node:os';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CancelledError } from '../../errors';
import type { OutputSelection } from '../../outputs';
import { featureImportance } from '../../statistics';
import { progressReporter } from '../batched';
import { pushTrace, startOf, stepSize, yieldToEventLoop, type AscentHooks, type AscentSettings, type Pair, type PairResult, type Trace } from '../pairs';
import { buildHeadGraph } from './head-graph';
import { onnxRuntime, type OrtModule, type OrtSession } from './runtime';

export interface NativeHead {
  ort: OrtModule;
  session: OrtSession;
  featureShape: number[];
  numClasses: number;
  /** Threads ONNX Runtime computes on. */
  threads: number;
}

/**
 * The head compiled for ONNX Runtime, or why not (no runtime, or a layer the graph builder does
 * not know): the caller then runs the TensorFlow.js direct ascent.
 */
export async function nativeHead(model: LayersModel, layerIndex: number, selection: OutputSelection, settings: Pick<AscentSettings, 'l2' | 'workers'>): Promise<NativeHead | { unsupported: string }> {
  const runtime = onnxRuntime();
  if ('error' in runtime) return { unsupported: runtime.error };
  const graph = buildHeadGraph(model, layerIndex, selection, settings.l2);
  if ('unsupported' in graph) return graph;
  const threads = settings.workers || Math.min(4, os.availableParallelism());
  let session: OrtSession;
  try {
    session = await runtime.ort.InferenceSession.create(graph.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
  } catch (err) {
    return { unsupported: `ONNX Runtime refused the head's graph (${String((err as Error).message ?? err).split('\n')[0]})` };
  }
  return { ort: runtime.ort, session, featureShape: graph.featureShape, numClasses: graph.numClasses, threads };
}

interface Slot {
  pair: Pair;
  t: number;
  best: number;
  wait: number;
  trace?: Trace;
}

export async function ascendNative(head: NativeHead, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const { ort, session, featureShape, numClasses } = head;
  const width = featureShape.reduce((a, b) => a * b, 1);
  const channels = featureShape[featureShape.length - 1];
  const { maxIter, patience } = settings;
  const results: PairResult[] = [];
  const report = progressReporter(pairs.length, settings, hooks);
  let next = 0;
  const newSlot = (): Slot => {
    const pair = pairs[next++];
    return { pair, t: 0, best: -Infinity, wait: 0, trace: settings.keepTrace ? { stride: 1, scores: [] } : undefined };
  };
  let slots: Slot[] = [];
  while (next < pairs.length && slots.length < settings.chunkSize) slots.push(newSlot());
  let state: Float32Array = new Float32Array(slots.length * width);
  slots.forEach((s, i) => state.set(startOf(s.pair, settings.seed, width), i * width));

  while (slots.length) {
    if (hooks.signal?.aborted) throw new CancelledError();
    const n = slots.length;
    const select = new Float32Array(n * numClasses);
    slots.forEach((s, i) => (select[i * numClasses + s.pair.cls] = 1));
    const eta = Float32Array.from(slots, (s) => stepSize(settings.lr, s.t));
    const out = await session.run({
      h: new ort.Tensor('float32', state, [n, ...featureShape]),
      select: new ort.Tensor('float32', select, [n, numClasses]),
      eta: new ort.Tensor('float32', eta, [n, 1]),
    });
    const sv = out.scores.data;
    const jv = out.objective.data;
    const after = out.next.data;

    const finished = new Set<number>();
    slots.forEach((slot, i) => {
      const j = jv[i];
      if (slot.trace) pushTrace(slot.trace, slot.t, sv[i]);
      if (j > slot.best) {
        slot.best = j;
        slot.wait = 0;
      } else {
        slot.wait++;
      }
      if (slot.wait >= patience || slot.t + 1 >= maxIter || !Number.isFinite(j)) finished.add(i);
      slot.t++;
    });

    if (finished.size === 0) {
      state = after;
    } else {
      // Record the finished pairs' final states (the iterate the scores are of), then refill their slots or drop them.
      const rows: Float32Array[] = [];
      const kept: Slot[] = [];
      slots.forEach((slot, i) => {
        if (finished.has(i)) {
          const map = state.subarray(i * width, (i + 1) * width);
          results.push({ ...slot.pair, fiv: featureImportance(map, channels), featureMap: settings.keepFeatureMaps ? map.slice() : undefined, score: sv[i], objective: jv[i], iterations: slot.t, trace: slot.trace });
          report.finished(slot.t);
          if (next < pairs.length) {
            const fresh = newSlot();
            kept.push(fresh);
            rows.push(startOf(fresh.pair, settings.seed, width));
          }
        } else {
          kept.push(slot);
          rows.push(after.subarray(i * width, (i + 1) * width));
        }
      });
      slots = kept;
      state = new Float32Array(slots.length * width);
      rows.forEach((row, i) => state.set(row, i * width));
    }
    report.update(slots, finished.size > 0);
    await yieldToEventLoop();
  }
  report.update([], true);
  return results;
}
