/**
 * The batching loop shared by the ascents that run on TensorFlow.js: every (class, restart) pair
 * has a state row; pairs run together in a chunk; a pair that stops leaves the chunk and the next
 * pending pair takes its slot, so the batch stays full. What a state is and how it steps is the
 * problem's business (direct: the feature map itself; hidden space: a few hidden-layer vectors).
 */
import * as tf from '@tensorflow/tfjs-core';
import { progressReporter } from './progress';
import { AscentCancelled, pushTrace, stepSize, yieldToEventLoop, type AscentHooks, type AscentSettings, type Pair, type PairResult, type Trace } from './pairs';

export interface AscentProblem {
  /** Floats in one pair's state row. */
  width: number;
  /** A pair's start state. */
  start(pair: Pair): Float32Array;
  /**
   * One step for a batch of states [n, width] whose classes are `classes`: class scores S_c [n],
   * objectives J [n] of the current states, and the states after one step of size eta [n]
   * (called inside tf.tidy).
   */
  step(state: tf.Tensor2D, classes: number[], eta: tf.Tensor1D): { scores: tf.Tensor1D; objective: tf.Tensor1D; next: tf.Tensor2D };
  /** What a stopped pair's final state gives. */
  finish(pair: Pair, state: Float32Array): Pick<PairResult, 'fiv' | 'featureMap'>;
}

interface Slot {
  pair: Pair;
  t: number;
  best: number;
  wait: number;
  trace?: Trace;
}

export async function runBatched(problem: AscentProblem, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const { width } = problem;
  const { maxIter, patience } = settings;
  const results: PairResult[] = [];
  const report = progressReporter(pairs.length, settings, hooks);
  let next = 0;
  let slots: Slot[] = [];

  const newSlot = (): Slot => {
    const pair = pairs[next++];
    return { pair, t: 0, best: -Infinity, wait: 0, trace: settings.keepTrace ? { stride: 1, scores: [] } : undefined };
  };
  const batchTensors = (data: Float32Array) => ({
    state: tf.tensor2d(data, [slots.length, width]),
    eta: tf.tensor1d(slots.map((s) => stepSize(settings.lr, s.t))),
  });

  while (next < pairs.length && slots.length < settings.chunkSize) slots.push(newSlot());
  const initial = new Float32Array(slots.length * width);
  slots.forEach((s, i) => initial.set(problem.start(s.pair), i * width));
  let batch = batchTensors(initial);

  try {
    while (slots.length) {
      if (hooks.signal?.aborted) throw new AscentCancelled(results);
      const { scores, objective, next: stepped } = tf.tidy(() => problem.step(batch.state, slots.map((s) => s.pair.cls), batch.eta));
      const [sv, jv] = (await Promise.all([scores.data(), objective.data()])) as Float32Array[];
      scores.dispose();
      objective.dispose();

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
        tf.dispose([batch.state, batch.eta]);
        batch.state = stepped;
        batch.eta = tf.tensor1d(slots.map((s) => stepSize(settings.lr, s.t)));
      } else {
        // Record the finished pairs' final states, then refill their slots or drop them.
        const current = (await batch.state.data()) as Float32Array;
        const after = (await stepped.data()) as Float32Array;
        stepped.dispose();
        const rows: Float32Array[] = [];
        const kept: Slot[] = [];
        slots.forEach((slot, i) => {
          if (finished.has(i)) {
            results.push({ ...slot.pair, ...problem.finish(slot.pair, current.subarray(i * width, (i + 1) * width)), score: sv[i], objective: jv[i], iterations: slot.t, trace: slot.trace });
            report.finished(slot.t);
            if (next < pairs.length) {
              const fresh = newSlot();
              kept.push(fresh);
              rows.push(problem.start(fresh.pair));
            }
          } else {
            kept.push(slot);
            rows.push(after.subarray(i * width, (i + 1) * width));
          }
        });
        tf.dispose([batch.state, batch.eta]);
        slots = kept;
        if (!slots.length) break;
        const data = new Float32Array(slots.length * width);
        rows.forEach((row, i) => data.set(row, i * width));
        batch = batchTensors(data);
      }
      report.update(slots, finished.size > 0);
      await yieldToEventLoop();
    }
  } finally {
    tf.dispose([batch.state, batch.eta]);
  }
  report.update([], true);
  return results;
}
