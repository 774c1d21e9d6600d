/** Comparing a loaded model's outputs with another implementation's. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedModel } from '../../src/engine/load/model';

/** The model's outputs in the file's own layout (ONNX channels-first maps are held channels-last). */
export function nativeOutputs(model: LoadedModel, x: tf.Tensor): tf.Tensor[] {
  const out = [model.model.predict(x)].flat() as tf.Tensor[];
  return out.map((y, k) => (model.outputs?.[k]?.toNative ? tf.transpose(y, model.outputs[k].toNative!) : y));
}

/** max |a − b| over two arrays of the same length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
