/**
 * Receptive fields from the layers (src/engine/receptive-field.ts) against what the model itself
 * says: for models without rectifiers (linear convolutions, average pooling, so no gradient is
 * cut off), the input positions with a non-zero gradient of one output position are exactly the
 * field (clipped to the input). Plus the fields of the DeepSEA stack and the ENCODE layout by
 * hand, and the layers that make a field the whole input.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import '../../src/engine/custom-layers/index';
import { interiorPositions, receptiveField } from '../../src/engine/receptive-field';
import { Cropping1D } from '../../src/engine/custom-layers/cropping1d';
import { ZeroPadding1D } from '../../src/engine/custom-layers/zero-padding1d';

before(async () => {
  await useBackend('cpu');
});

/** Input positions (along `axis` of the input) whose letters move output position `p`, channel 0, of the model. */
function support(model: tfl.LayersModel, p: number, positionAxis: number): number[] {
  const shape = (model.inputs[0].shape as number[]).slice(1);
  const x = tf.randomUniform([1, ...shape], 0, 1, 'float32', 5);
  const g = tf.grad((input: tf.Tensor) => {
    const y = model.apply(input) as tf.Tensor;
    const begin = y.shape.map(() => 0);
    const size = y.shape.map((d) => d as number);
    begin[positionAxis + 1] = p;
    size[positionAxis + 1] = 1;
    size[size.length - 1] = 1;
    return tf.sum(tf.slice(y, begin, size));
  })(x);
  const values = g.arraySync() as number[][][];
  const flat = (x.shape.length === 3 ? values : (values as unknown as number[][][][])[0]) as number[][][];
  const rows = flat[0];
  const out: number[] = [];
  rows.forEach((r, i) => {
    if (r.some((v) => Math.abs(v) > 0)) out.push(i);
  });
  return out;
}

function seeded(model: tfl.LayersModel) {
  let s = 1;
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length) layer.setWeights(ws.map((w) => tf.randomNormal(w.shape, 0, 1, 'float32', s++)));
  }
  return model;
}

function expectSupport(model: tfl.LayersModel, layer = model.layers.length - 1) {
  const L = (model.inputs[0].shape as number[])[1];
  const f = receptiveField(model, layer, 0, L);
  assert.equal(f.whole, undefined);
  const sub = tfl.model({ inputs: model.inputs, outputs: model.layers[layer].output as tfl.SymbolicTensor });
  // Inside the input: near its ends a field also covers padding, which no input letter moves.
  const inside = interiorPositions(f);
  assert.ok(inside.length > 0);
  for (const p of [inside[0], inside[Math.floor(inside.length / 2)], inside[inside.length - 1]]) {
    const lo = f.start + p * f.stride;
    const expected = Array.from({ length: f.size }, (_, i) => lo + i).filter((i) => i >= 0 && i < L);
    assert.deepEqual(support(sub, p, 0), expected, `position ${p}: field ${JSON.stringify(f)}`);
  }
  return f;
}

describe('receptive field from the layers', () => {
  test('valid convolutions and average pooling: size, stride, start match the gradient support', () => {
    const m = seeded(
      tfl.sequential({
        layers: [
          tfl.layers.conv1d({ inputShape: [120, 4], filters: 3, kernelSize: 7 }),
          tfl.layers.averagePooling1d({ poolSize: 3 }),
          tfl.layers.conv1d({ filters: 2, kernelSize: 5 }),
          tfl.layers.averagePooling1d({ poolSize: 2, strides: 2 }),
          tfl.layers.conv1d({ filters: 2, kernelSize: 3 }),
        ],
      }),
    );
    const f = expectSupport(m);
    // 7, then +2 (pool 3), +4·3 (conv 5 at stride 3), +1·3 (pool 2), +2·6 (conv 3 at stride 6).
    assert.deepEqual([f.size, f.stride, f.start], [7 + 2 + 12 + 3 + 12, 6, 0]);
  });

  test("'same' padding (even and dilated kernels) and strides: the field reaches into the padding as the gradient says", () => {
    const m = seeded(
      tfl.sequential({
        layers: [
          tfl.layers.conv1d({ inputShape: [60, 4], filters: 3, kernelSize: 6, padding: 'same' }),
          tfl.layers.conv1d({ filters: 2, kernelSize: 3, dilationRate: 4, padding: 'same' }),
          tfl.layers.conv1d({ filters: 2, kernelSize: 4, strides: 2, padding: 'same' }),
        ],
      }),
    );
    const f = expectSupport(m);
    assert.equal(f.size, 6 + 8 + 3);
    assert.ok(f.start < 0);
  });

  test('Cropping1D and ZeroPadding1D shift the field; Add of two branches is their union', () => {
    const input = tfl.input({ shape: [50, 4] });
    const a = tfl.layers.conv1d({ filters: 2, kernelSize: 9 }).apply(input) as tfl.SymbolicTensor; // 42
    const b0 = tfl.layers.conv1d({ filters: 2, kernelSize: 3 }).apply(input) as tfl.SymbolicTensor; // 48
    const b = new Cropping1D({ cropping: [4, 2] }).apply(b0) as tfl.SymbolicTensor; // 42, shifted by 4
    const sum = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
    const padded = new ZeroPadding1D({ padding: [2, 1] }).apply(sum) as tfl.SymbolicTensor;
    const out = tfl.layers.conv1d({ filters: 2, kernelSize: 2 }).apply(padded) as tfl.SymbolicTensor;
    const m = seeded(tfl.model({ inputs: input, outputs: out }));
    const f = expectSupport(m);
    assert.deepEqual([f.size, f.start], [10, -2]);
  });

  test('the DeepSEA stack: 163 bp at stride 16 for conv3 (53 positions, all inside the input)', () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [1000, 4], filters: 4, kernelSize: 8, activation: 'relu' }),
        tfl.layers.maxPooling1d({ poolSize: 4 }),
        tfl.layers.dropout({ rate: 0.2 }),
        tfl.layers.conv1d({ filters: 4, kernelSize: 8, activation: 'relu' }),
        tfl.layers.maxPooling1d({ poolSize: 4 }),
        tfl.layers.conv1d({ filters: 4, kernelSize: 8, activation: 'relu', name: 'conv3' }),
      ],
    });
    const f = receptiveField(m, 5, 0, 1000);
    assert.deepEqual([f.size, f.stride, f.start, f.positions], [163, 16, 0, 53]);
    assert.equal(interiorPositions(f).length, 53);
  });

  test('a (1, L, 4) input with a Conv2D of width 25 and same padding: 25 bp centred on each position', () => {
    const m = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [1, 101, 4], filters: 2, kernelSize: [1, 25], padding: 'same' })] });
    const f = receptiveField(m, 0, 1, 101);
    assert.deepEqual([f.size, f.stride, f.start, f.axis], [25, 1, -12, 1]);
    assert.deepEqual([interiorPositions(f)[0], interiorPositions(f).at(-1)], [12, 88]);
  });

  test('global pooling, a recurrent layer and a dense layer over positions make the field the whole input, saying which layer', () => {
    const conv = () => tfl.layers.conv1d({ inputShape: [30, 4], filters: 3, kernelSize: 5 });
    const global = tfl.sequential({ layers: [conv(), tfl.layers.globalMaxPooling1d({ name: 'gmp' })] });
    assert.match(receptiveField(global, 1, 0, 30).whole!, /layer 'gmp' \(GlobalMaxPooling1D\) pools over the whole sequence/);
    const rnn = tfl.sequential({ layers: [conv(), tfl.layers.lstm({ units: 2, returnSequences: true, recurrentInitializer: 'glorotUniform', name: 'rnn' })] });
    assert.match(receptiveField(rnn, 1, 0, 30).whole!, /layer 'rnn' \(LSTM\)/);
    const dense = tfl.sequential({ layers: [conv(), tfl.layers.flatten({ name: 'flat' }), tfl.layers.dense({ units: 3 })] });
    const f = receptiveField(dense, 2, 0, 30);
    assert.equal(f.size, 30);
    assert.match(f.whole!, /layer 'flat' \(Flatten\)/);
  });
});
