/**
 * Ascents on ONNX Runtime's native CPU kernels: the same pairs, starts, step schedule, patience
 * rule and batching as on TensorFlow.js (batched.ts), with each step one run of a graph that
 * computes the whole step (head-graph.ts). A pair that stops leaves the chunk and the next
 * pending pair takes its slot, so the batch stays full. No TensorFlow.js here: the native lanes'
 * worker threads (lane-worker.ts) run this loop too.
 */
import { featureImportance } from '../../statistics';
import type { AscentProblem } from '../batched';
import { progressReporter } from '../progress';
import { AscentCancelled, pushTrace, startOf, stepSize, yieldToEventLoop, type AscentHooks, type AscentSettings, type Pair, type PairResult, type Trace } from '../pairs';
import type { StatePart, StepGraph } from './head-graph';
import { onnxRuntime, type OrtModule, type OrtSession, type OrtTensor } from './runtime';

/** A step graph loaded into ONNX Runtime: state rows [n, width] in, scores, objectives and next states out. */
export interface NativeHead {
  ort: OrtModule;
  session: OrtSession;
  /** One state row's shape, and the graph inputs it is split into (head-graph.ts). */
  featureShape: number[];
  parts: StatePart[];
  numClasses: number;
  /** Threads ONNX Runtime computes on. */
  threads: number;
}

/** A session on `threads` of ONNX Runtime's own threads, or why not. */
export async function openSession(graph: StepGraph, threads: number): Promise<NativeHead | { unsupported: string }> {
  const runtime = onnxRuntime();
  if ('error' in runtime) return { unsupported: runtime.error };
  let session: OrtSession;
  try {
    session = await runtime.ort.InferenceSession.create(graph.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (err) {
    return { unsupported: `ONNX Runtime refused the head's graph (${String((err as Error).message ?? err).split('\n')[0]})` };
  }
  return { ort: runtime.ort, session, featureShape: graph.featureShape, parts: graph.parts, numClasses: graph.numClasses, threads };
}

/** The direct ascent on ONNX Runtime: a pair's state is its feature map. */
export function ascendNative(head: NativeHead, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const width = head.featureShape.reduce((a, b) => a * b, 1);
  const channels = head.featureShape[head.featureShape.length - 1];
  return runNative(
    head,
    {
      width,
      start: (pair) => startOf(pair, settings.seed, width),
      finish: (_pair, map) => ({ fiv: featureImportance(map, channels), featureMap: settings.keepFeatureMaps ? map.slice() : undefined }),
    },
    pairs,
    settings,
    hooks,
  );
}

interface Slot {
  pair: Pair;
  t: number;
  best: number;
  wait: number;
  trace?: Trace;
}

/**
 * The batching loop of batched.ts, with each step one run of the head's step graph. The state is
 * kept per part of a row (one buffer of `chunk` rows each, fed as they are); a part with a next
 * value takes the graph's output buffer, and rows move in place when pairs finish.
 */
export async function runNative(head: NativeHead, problem: Omit<AscentProblem, 'step'>, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const { ort, session, numClasses, parts } = head;
  const { width } = problem;
  const widths = parts.map((p) => p.dims.reduce((a, b) => a * b, 1));
  const offsets = widths.map((_, k) => widths.slice(0, k).reduce((a, b) => a + b, 0));
  if (offsets[parts.length - 1] + widths[parts.length - 1] !== width) throw new Error(`the step graph's state parts (${widths.join(' + ')}) do not make a ${width}-float row`);
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
  let state: Float32Array[] = widths.map((w) => new Float32Array(slots.length * w));
  const place = (row: Float32Array, at: number, into: Float32Array[]) => parts.forEach((_, k) => into[k].set(row.subarray(offsets[k], offsets[k] + widths[k]), at * widths[k]));
  const rowOf = (i: number) => {
    const row = new Float32Array(width);
    parts.forEach((_, k) => row.set(state[k].subarray(i * widths[k], (i + 1) * widths[k]), offsets[k]));
    return row;
  };
  slots.forEach((s, i) => place(problem.start(s.pair), i, state));

  // The rows' one-hot classes, rebuilt only when the slots change (919 classes × 1024 rows are
  // 3.7 MB, and a new one every step kept the garbage collector busy).
  let select: Float32Array | undefined;
  while (slots.length) {
    if (hooks.signal?.aborted) throw new AscentCancelled(results);
    const n = slots.length;
    if (!select) {
      select = new Float32Array(n * numClasses);
      slots.forEach((s, i) => (select![i * numClasses + s.pair.cls] = 1));
    }
    const eta = Float32Array.from(slots, (s) => stepSize(settings.lr, s.t));
    const feeds: Record<string, OrtTensor> = {
      select: new ort.Tensor('float32', select, [n, numClasses]),
      eta: new ort.Tensor('float32', eta, [n, 1]),
    };
    parts.forEach((p, k) => (feeds[p.input] = new ort.Tensor('float32', state[k], [n, ...p.dims])));
    const out = await session.run(feeds);
    const sv = out.scores.data;
    const jv = out.objective.data;
    // The next state: the graph's outputs, and the parts that do not change as they were.
    const after = parts.map((p, k) => (p.next ? out[p.next].data : state[k]));

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

    if (finished.size > 0) {
      // Record the finished pairs' final states (the iterate the scores are of), then refill their
      // slots or drop them. The next state is built in place in `after` (the graph's output
      // buffers and our constant parts), rows moving only down, and so is `select`: copying every
      // row into a new buffer at each finish cost seconds in a 919-class run.
      const kept: Slot[] = [];
      const setClass = (row: number, cls: number) => {
        select!.fill(0, row * numClasses, (row + 1) * numClasses);
        select![row * numClasses + cls] = 1;
      };
      slots.forEach((slot, i) => {
        const w = kept.length;
        if (finished.has(i)) {
          results.push({ ...slot.pair, ...problem.finish(slot.pair, rowOf(i)), score: sv[i], objective: jv[i], iterations: slot.t, trace: slot.trace });
          report.finished(slot.t);
          if (next < pairs.length) {
            const fresh = newSlot();
            kept.push(fresh);
            place(problem.start(fresh.pair), w, after);
            setClass(w, fresh.pair.cls);
          }
        } else {
          kept.push(slot);
          if (w !== i) {
            after.forEach((buf, k) => buf.copyWithin(w * widths[k], i * widths[k], (i + 1) * widths[k]));
            setClass(w, slot.pair.cls);
          }
        }
      });
      slots = kept;
      select = select!.subarray(0, slots.length * numClasses);
    }
    state = after.map((buf, k) => buf.subarray(0, slots.length * widths[k]));
    report.update(slots, finished.size > 0);
    await yieldToEventLoop();
  }
  report.update([], true);
  return results;
}
