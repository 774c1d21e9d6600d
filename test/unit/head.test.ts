import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { splitModel } from '../../src/engine/head';
import { seededWeights } from '../helpers/models';

const conv = () => tfl.layers.conv1d({ inputShape: [12, 4], filters: 5, kernelSize: 3, activation: 'relu', name: 'conv' });

/** Heads that end in different ways: a dense layer with a sigmoid, a Softmax layer, no dense layer at all. */
const heads: Record<string, () => tfl.LayersModel> = {
  'dense + sigmoid': () => tfl.sequential({ layers: [conv(), tfl.layers.flatten(), tfl.layers.dense({ units: 6, activation: 'tanh' }), tfl.layers.dense({ units: 3, activation: 'sigmoid' })] }),
  'dense then a Softmax layer': () => tfl.sequential({ layers: [conv(), tfl.layers.flatten(), tfl.layers.dense({ units: 3 }), tfl.layers.softmax()] }),
  'no dense layer': () => tfl.sequential({ layers: [conv(), tfl.layers.conv1d({ filters: 3, kernelSize: 2 }), tfl.layers.globalAveragePooling1d()] }),
};

for (const [name, build] of Object.entries(heads)) {
  test(`one class per row equals the full score matrix, and so do the gradients: ${name}`, async () => {
    await useBackend('cpu');
    const model = build();
    seededWeights(model, 3);
    const head = splitModel(model, 0);
    const h = tf.randomNormal([4, ...head.featureShape], 0, 1, 'float32', 11);
    const classes = [2, 0, 1, 2];
    const full = head.scores(h).arraySync() as number[][];
    const picked = head.classScores(h, classes).arraySync() as number[];
    classes.forEach((c, i) => assert.ok(Math.abs(picked[i] - full[i][c]) < 1e-5, `${picked[i]} vs ${full[i][c]}`));
    // The gradient (through the head's own dense-layer gradient) against a central difference
    // along a random direction: smooth or linear heads, so it is accurate to O(eps²).
    const g = tf.grad((x: tf.Tensor) => tf.sum(head.classScores(x, classes)))(h);
    const d = tf.randomNormal(h.shape, 0, 1, 'float32', 12);
    const eps = 1e-3;
    const f = (x: tf.Tensor) => tf.sum(head.classScores(x, classes)).dataSync()[0];
    const numeric = (f(tf.add(h, tf.mul(eps, d))) - f(tf.sub(h, tf.mul(eps, d)))) / (2 * eps);
    const analytic = tf.sum(tf.mul(g, d)).dataSync()[0];
    assert.ok(Math.abs(numeric - analytic) < 2e-3 * Math.max(1, Math.abs(analytic)), `${numeric} vs ${analytic}`);
    assert.ok(Math.abs(analytic) > 1e-3, 'a gradient that is not zero');
    head.dispose();
  });
}
