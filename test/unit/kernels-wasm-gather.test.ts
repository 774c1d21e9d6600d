/**
 * The wasm backend lacks UnsortedSegmentSum, the gradient of tf.gather; the project registers one
 * (src/engine/gradients/unsorted-segment-sum-wasm.ts). Its gradients must equal the cpu backend's
 * and a hand computation: each input column receives the sum of the upstream values of the
 * output columns that gathered it (repeats add, unpicked columns get zero).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/engine/custom-layers/index';
import { useBackend } from '../../src/engine/backend';

test('tf.gather has an input gradient on wasm, equal to cpu and to the hand computation', async () => {
  const picks = [4, 0, 0, 2];
  const upstream = Array.from({ length: 2 * 4 * 3 }, (_, i) => i + 1);
  const grads: Record<string, number[]> = {};
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    const x = tf.tensor3d(Array.from({ length: 2 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 3]);
    const w = tf.tensor3d(upstream, [2, 4, 3]);
    grads[backend] = Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d(picks, 'int32'), 1), w)))(x).dataSync());
  }
  const expected = new Array(2 * 5 * 3).fill(0);
  for (let b = 0; b < 2; b++) picks.forEach((col, j) => [0, 1, 2].forEach((c) => (expected[(b * 5 + col) * 3 + c] += upstream[(b * 4 + j) * 3 + c])));
  assert.deepEqual(grads.wasm, expected);
  assert.deepEqual(grads.cpu, expected);
});
