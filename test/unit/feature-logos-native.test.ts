/**
 * The forward passes of model-derived logos on ONNX Runtime (src/engine/feature-logos/native.ts)
 * against the TensorFlow.js sub-model (ranking.ts) on the same one-hot batch: the layer's output
 * and the value windows are ranked by, for a fused ReLU (conv → pool → conv), a separate
 * activation layer after batch norm, a channel with no activation, and the PyTorch-exported
 * BPNet-like ONNX fixture (residual adds of dilated convolutions, OnnxOp layers) at its last add
 * and at a ReLU; a layer the graph builder does not know stays on TensorFlow.js with the reason.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { logoForward } from '../../src/engine/feature-logos/forward';
import { loadModel } from '../../src/engine/load';
import type { LoadedModel } from '../../src/engine/load/model';
import { inputLayout } from '../../src/engine/predict';
import { uniform } from '../../src/engine/rng';

const built = (model: tfl.LayersModel): LoadedModel => ({ model, name: 'built', path: '-', format: 'tfjs-layers' });

/** n random one-hot sequences in the input layout's order. */
function oneHot(loaded: LoadedModel, n: number, seed: number): Float32Array {
  const layout = inputLayout(loaded);
  const shape = layout.shape as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  const along = layout.sequenceAxis === 0 ? shape[1] : 1;
  const letter = layout.sequenceAxis === 0 ? 1 : shape[1];
  const x = new Float32Array(n * size);
  const random = uniform(seed);
  for (let s = 0; s < n; s++) for (let p = 0; p < layout.length!; p++) x[s * size + p * along + Math.floor(random() * 4) * letter] = 1;
  return x;
}

async function compare(loaded: LoadedModel, layerName: string, expectRanked: boolean) {
  const source = loaded.model.layers.findIndex((l) => l.name === layerName);
  const layout = inputLayout(loaded);
  const native = await logoForward(loaded.model, source, layout, { native: 'auto', workers: 1 });
  const tfjs = await logoForward(loaded.model, source, layout, { native: 'off' });
  try {
    assert.equal(native.engine, 'onnxruntime', `ONNX Runtime computes '${layerName}' (${native.fallback})`);
    assert.equal(tfjs.engine, 'tensorflow.js');
    assert.deepEqual(native.outShape, tfjs.outShape);
    assert.equal(native.ranked, expectRanked);
    assert.equal(tfjs.ranked, expectRanked);
    const x = oneHot(loaded, 7, 3);
    const a = await native.run(x, 7);
    const b = await tfjs.run(x, 7);
    for (const k of [0, 1]) {
      assert.equal(a[k].length, b[k].length);
      const scale = Math.max(1, ...Array.from(b[k], Math.abs));
      let worst = 0;
      for (let i = 0; i < a[k].length; i++) worst = Math.max(worst, Math.abs(a[k][i] - b[k][i]));
      assert.ok(worst <= 1e-5 * scale, `${layerName} ${k ? 'ranking value' : 'output'}: max difference ${worst} (scale ${scale})`);
    }
    // The ranking value differs from the output where a ReLU cuts (else the test would not tell them apart).
    if (expectRanked) assert.ok(b[1].some((v, i) => v !== b[0][i]), 'the pre-activation is not the output');
  } finally {
    await native.dispose();
    await tfjs.dispose();
  }
}

describe('model-derived logos: the forward passes on ONNX Runtime equal TensorFlow.js', () => {
  before(async () => {
    await useBackend('cpu');
  });

  test('conv (fused ReLU) → max pool → conv (fused ReLU): output and pre-activation', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [60, 4], filters: 5, kernelSize: 7, activation: 'relu', name: 'c1' }),
        tfl.layers.maxPooling1d({ poolSize: 2, name: 'p1' }),
        tfl.layers.dropout({ rate: 0.3, name: 'd1' }),
        tfl.layers.conv1d({ filters: 6, kernelSize: 5, dilationRate: 2, padding: 'same', activation: 'relu', name: 'c2' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 2 }),
      ],
    });
    await compare(built(model), 'c2', true);
    await compare(built(model), 'p1', false);
  });

  test('conv → batch norm → a separate ReLU layer; a conv without activation', async () => {
    const input = tfl.input({ shape: [50, 4] });
    const conv = tfl.layers.conv1d({ filters: 4, kernelSize: 9, name: 'c' }).apply(input) as tfl.SymbolicTensor;
    const bn = tfl.layers.batchNormalization({ name: 'bn', movingMeanInitializer: 'randomNormal', gammaInitializer: 'randomUniform' }).apply(conv) as tfl.SymbolicTensor;
    const relu = tfl.layers.activation({ activation: 'relu', name: 'act' }).apply(bn) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 1 }).apply(tfl.layers.flatten().apply(relu) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    await compare(built(model), 'act', true);
    await compare(built(model), 'c', false);
  });

  test('bpnet_like.onnx (dilated residual tower, OnnxOp adds) at its last add and at its last ReLU', async () => {
    const loaded = await loadModel(path.resolve(__dirname, '..', 'fixtures', 'onnx', 'bpnet_like.onnx'));
    await compare(loaded, 'Add_5', false);
    await compare(loaded, 'Relu_6', true);
  });

  test('a layer the graph does not know (a strided convolution): TensorFlow.js, and the reason', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.conv1d({ inputShape: [40, 4], filters: 2, kernelSize: 5, strides: 2, name: 'strided' }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })] });
    const f = await logoForward(model, 0, inputLayout(built(model)), { native: 'auto' });
    assert.equal(f.engine, 'tensorflow.js');
    assert.match(f.fallback ?? '', /strided.*strides other than 1/);
    await f.dispose();
  });
});
