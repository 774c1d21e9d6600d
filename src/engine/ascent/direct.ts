/**
 * The direct ascent: a pair's state is its feature map H, stepped by the head's gradient (tf.grad),
 * for any head. Pairs run together in a chunk; a pair that stops leaves the chunk and the next
 * pending pair takes its slot, so the batch stays full (batched.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Head } from '../head';
import { runBatched, type AscentProblem } from './batched';
import { featureImportance } from '../statistics';
import { startOf, type AscentHooks, type AscentSettings, type Pair, type PairResult } from './pairs';

/** The direct ascent on TensorFlow.js: a pair's state is its feature map H, stepped by the head's gradient. */
export function ascend(head: Head, pairs: Pair[], settings: AscentSettings, hooks: AscentHooks = {}): Promise<PairResult[]> {
  const size = head.featureShape.reduce((a, b) => a * b, 1);
  const { l2 } = settings;
  const axes = head.featureShape.map((_, i) => i + 1);
  const problem: AscentProblem = {
    width: size,
    start: (pair) => startOf(pair, settings.seed, size),
    step(state, classes, eta) {
      const h = tf.reshape(state, [state.shape[0], ...head.featureShape]);
      let kept: tf.Tensor | undefined;
      const grad = tf.grad((x: tf.Tensor): tf.Tensor => {
        kept = tf.keep(head.classScores(x, classes));
        return tf.sum(kept as tf.Tensor);
      })(h);
      const scores = kept as unknown as tf.Tensor1D;
      const objective = tf.sub(scores, tf.mul(l2, tf.sum(tf.square(h), axes))) as tf.Tensor1D;
      const step = tf.mul(tf.reshape(eta, [-1, 1]), tf.reshape(tf.sub(grad, tf.mul(2 * l2, h)), [state.shape[0], size]));
      return { scores, objective, next: tf.add(state, step) as tf.Tensor2D };
    },
    finish: (_pair, map) => ({
      fiv: featureImportance(map, head.channels),
      featureMap: settings.keepFeatureMaps ? map.slice() : undefined,
    }),
  };
  return runBatched(problem, pairs, settings, hooks);
}
