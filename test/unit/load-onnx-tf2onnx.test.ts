/**
 * Graphs in the shape tf2onnx writes for a Keras model (no tf2onnx on this machine, so the graph
 * is written here node by node, following its conversions): channels-last input (N, L, 4);
 * Conv1D as Unsqueeze → Transpose to NCHW → Conv (1 × k) → Transpose back → Squeeze; Flatten
 * as Reshape [-1, K]; Dense as MatMul + Add; a final Sigmoid. Checked against ONNX Runtime, and
 * the engine's rules must see Conv2D (first-layer logos) and Flatten → Dense (hidden path).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../../src/engine/backend';
import { listLayers } from '../../src/engine/layers';
import { loadModel } from '../../src/engine/load/index';
import { resolveFeatures } from '../../src/engine/resolve';
import { writeGraph } from '../helpers/onnx-build';
import { maxDiff } from '../helpers/outputs';
import { seeded } from '../helpers/write-models';

const L = 30;
const K = 5;
const F = 6;
const OUT = L - K + 1;
const CLASSES = 3;

function values(n: number, seed: number, scale = 1) {
  const next = seeded(seed);
  return Array.from({ length: n }, () => next() * scale);
}

function tf2onnxStyle(opset: number): string {
  return writeGraph(
    {
      opset,
      input: { name: 'input_1', shape: ['unk__6', L, 4] },
      floats: {
        'conv1d/kernel': { shape: [F, 4, 1, K], values: values(F * 4 * K, 1) },
        'conv1d/bias': { shape: [F], values: values(F, 2, 0.1) },
        'dense/kernel': { shape: [OUT * F, CLASSES], values: values(OUT * F * CLASSES, 3, 0.2) },
        'dense/bias': { shape: [CLASSES], values: values(CLASSES, 4, 0.1) },
      },
      ints: {
        'const_axes__1': { shape: [1], values: [1] },
        'const_shape__2': { shape: [2], values: [-1, OUT * F] },
      },
      nodes: [
        { op: 'Unsqueeze', name: 'model/conv1d/conv1d/ExpandDims', inputs: opset >= 13 ? ['input_1', 'const_axes__1'] : ['input_1'], outputs: ['expanded'], attrs: opset >= 13 ? {} : { axes: [1] } },
        { op: 'Transpose', name: 'model/conv1d/conv1d__5', inputs: ['expanded'], outputs: ['nchw'], attrs: { perm: [0, 3, 1, 2] } },
        { op: 'Conv', name: 'model/conv1d/conv1d', inputs: ['nchw', 'conv1d/kernel', 'conv1d/bias'], outputs: ['conv_nchw'], attrs: { kernel_shape: [1, K], strides: [1, 1], dilations: [1, 1], group: 1 } },
        { op: 'Transpose', name: 'model/conv1d/conv1d__7', inputs: ['conv_nchw'], outputs: ['conv_nhwc'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Squeeze', name: 'model/conv1d/conv1d/Squeeze', inputs: opset >= 13 ? ['conv_nhwc', 'const_axes__1'] : ['conv_nhwc'], outputs: ['conv'], attrs: opset >= 13 ? {} : { axes: [1] } },
        { op: 'Relu', name: 'model/conv1d/Relu', inputs: ['conv'], outputs: ['relu'] },
        { op: 'Reshape', name: 'model/flatten/Reshape', inputs: ['relu', 'const_shape__2'], outputs: ['flat'] },
        { op: 'MatMul', name: 'model/dense/MatMul', inputs: ['flat', 'dense/kernel'], outputs: ['logits0'] },
        { op: 'Add', name: 'model/dense/BiasAdd', inputs: ['logits0', 'dense/bias'], outputs: ['logits'] },
        { op: 'Sigmoid', name: 'model/dense/Sigmoid', inputs: ['logits'], outputs: ['dense'] },
      ],
      outputs: ['dense'],
    },
    `tf2onnx-style-${opset}`,
  );
}

before(async () => {
  await useBackend('cpu');
});

for (const opset of [11, 13]) {
  test(`tf2onnx-style Keras Conv1D → Flatten → Dense at opset ${opset}: equals ONNX Runtime; Conv2D, Flatten → Dense, hidden path`, async () => {
    const file = tf2onnxStyle(opset);
    const model = await loadModel(file);
    assert.deepEqual(model.input?.shape, [L, 4]);
    const x = values(4 * L * 4, 9);
    const mine = (model.model.predict(tf.tensor3d(x, [4, L, 4])) as tf.Tensor).dataSync();
    const session = await ort.InferenceSession.create(file);
    const theirs = (await session.run({ input_1: new ort.Tensor('float32', Float32Array.from(x), [4, L, 4]) })).dense.data;
    const d = maxDiff(mine, theirs);
    assert.ok(d < 1e-5, `max |TF.js − ORT| = ${d}`);
    const kinds = listLayers(model.model).map((l) => l.className);
    assert.ok(kinds.includes('Conv2D') && kinds.includes('Flatten') && kinds.includes('Dense'), kinds.join(', '));
    const r = await resolveFeatures({ loaded: model, settings: { restarts: 2, maxIter: 30, layer: 'model/conv1d/Relu' } });
    assert.equal(r.settings.ascentUsed, 'hidden');
    assert.equal(r.model.strippedActivation, 'sigmoid');
    assert.deepEqual(r.classes.map((c) => c.name), ['dense[0]', 'dense[1]', 'dense[2]']);
    assert.ok(r.features.every((f) => f.pwm?.length === K), 'first-layer logos');
  });
}
