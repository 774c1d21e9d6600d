/**
 * Input gradients of dilated convolutions (src/engine/gradients/dilated-conv-grad.ts; TF.js has
 * none): equal, on cpu and wasm, to the gradient of the same convolution written as a sum of
 * shifted slices times kernel taps (plain tfjs ops with their own gradients), for 1-D and 2-D,
 * 'valid' and 'same' padding, and depthwise convolutions with a channel multiplier.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import '../../src/engine/custom-layers/index';
import { useBackend } from '../../src/engine/backend';
import { seeded } from '../helpers/write-models';

const rand = (shape: number[], seed: number) => {
  const next = seeded(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next), shape);
};

/** y = Σ taps: a dilated 'valid' convolution as slices and products, NHWC. */
function reference(x: tf.Tensor4D, w: tf.Tensor4D, d: [number, number], depthwise: boolean): tf.Tensor4D {
  const [kh, kw, cin, cout] = w.shape;
  const oh = x.shape[1] - (kh - 1) * d[0];
  const ow = x.shape[2] - (kw - 1) * d[1];
  let y: tf.Tensor | null = null;
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      const part = tf.slice(x, [0, a * d[0], b * d[1], 0], [-1, oh, ow, -1]);
      const tap = tf.squeeze(tf.slice(w, [a, b, 0, 0], [1, 1, -1, -1]), [0, 1]);
      const term = depthwise
        ? tf.reshape(tf.mul(tf.expandDims(part, 4), tf.reshape(tap, [1, 1, 1, cin, cout])), [x.shape[0], oh, ow, cin * cout])
        : tf.reshape(tf.matMul(tf.reshape(part, [-1, cin]), tap as tf.Tensor2D), [x.shape[0], oh, ow, cout]);
      y = y ? tf.add(y, term) : term;
    }
  return y as tf.Tensor4D;
}

const samePad = (k: number, d: number): [number, number] => [Math.floor(((k - 1) * d) / 2), (k - 1) * d - Math.floor(((k - 1) * d) / 2)];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`dilated convolution input gradients (${backend})`, () => {
    const cases = [
      { name: '1-D valid, dilation 4', x: [2, 1, 30, 3], w: [1, 3, 3, 5], d: [1, 4] as [number, number], pad: 'valid' as const, depthwise: false },
      { name: '1-D same, dilation 8, kernel 5', x: [2, 1, 40, 4], w: [1, 5, 4, 2], d: [1, 8] as [number, number], pad: 'same' as const, depthwise: false },
      { name: '2-D same, dilations 2 × 3', x: [1, 12, 14, 2], w: [3, 3, 2, 3], d: [2, 3] as [number, number], pad: 'same' as const, depthwise: false },
      { name: 'depthwise 1-D same, dilation 2, multiplier 2', x: [2, 1, 25, 3], w: [1, 3, 3, 2], d: [1, 2] as [number, number], pad: 'same' as const, depthwise: true },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        await useBackend(backend);
        const x = rand(c.x, 1) as tf.Tensor4D;
        const w = rand(c.w, 2) as tf.Tensor4D;
        const conv = (t: tf.Tensor4D) => (c.depthwise ? tf.depthwiseConv2d(t, w, 1, c.pad, 'NHWC', c.d) : tf.conv2d(t, w, 1, c.pad, 'NHWC', c.d));
        const yShape = conv(x).shape;
        const up = rand(yShape, 3);
        const mine = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(conv(t as tf.Tensor4D), up)))(x);
        const pads: [number, number][] = c.pad === 'same' ? [samePad(c.w[0], c.d[0]), samePad(c.w[1], c.d[1])] : [[0, 0], [0, 0]];
        const ref = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(reference(tf.pad(t, [[0, 0], pads[0], pads[1], [0, 0]]) as tf.Tensor4D, w, c.d, c.depthwise), up)))(x);
        assert.deepEqual(reference(tf.pad(x, [[0, 0], pads[0], pads[1], [0, 0]]) as tf.Tensor4D, w, c.d, c.depthwise).shape, yShape);
        const a = mine.dataSync();
        const b = ref.dataSync();
        let diff = 0;
        for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
        assert.ok(diff < 1e-4, `max |Δ| = ${diff}`);
      });
    }
    test('dilation 1 keeps TF.js own gradient (strided convolution)', async () => {
      await useBackend(backend);
      const x = rand([1, 1, 20, 2], 4) as tf.Tensor4D;
      const w = rand([1, 3, 2, 2], 5) as tf.Tensor4D;
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.conv2d(t as tf.Tensor4D, w, [1, 2], 'valid')))(x);
      assert.deepEqual(g.shape, x.shape);
    });
  });
}
