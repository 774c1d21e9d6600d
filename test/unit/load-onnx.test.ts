/**
 * ONNX models from real exporters (test/fixtures/onnx, made by scripts/make-onnx-fixtures.py with
 * PyTorch 1.13): every runnable fixture predicts what PyTorch predicted, to 1e-5, from the same
 * sequences one-hot encoded here; ONNX Runtime agrees on random inputs too; the engine's rules
 * (default layer, first-layer logos, hidden-space ascent, worker pool) apply; and each refusal
 * says what is wrong in one line.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { defaultAnalysisLayer, listLayers } from '../../src/engine/layers';
import { loadModel } from '../../src/engine/load/index';
import type { LoadedModel } from '../../src/engine/load/model';
import { predictFasta } from '../../src/engine/predict';
import { resolveFeatures } from '../../src/engine/resolve';
import { maxDiff, nativeOutputs } from '../helpers/outputs';
import { seeded } from '../helpers/write-models';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'onnx');
const fixture = (name: string) => path.join(DIR, `${name}.onnx`);

interface Expected {
  input: { name: string; layout: 'NCL' | 'NLC' | 'NC1L'; length: number; batch: number | null };
  sequences: { id: string; sequence: string }[];
  outputs: { name: string; shape: number[]; values: number[] }[];
}

/** One-hot rows (L × 4, A C G T; anything else all zeros), written independently of the product's encoder. */
function rows(seq: string): number[][] {
  return [...seq].map((ch) => [0, 1, 2, 3].map((k) => ('ACGT'.indexOf(ch.toUpperCase()) === k ? 1 : 0)));
}

/** Sequences as the TF.js model takes them: channels-last, (N, L, 4) or (N, 1, L, 4). */
function heldInput(model: LoadedModel, seqs: string[]): tf.Tensor {
  const x = tf.tensor3d(seqs.map(rows));
  return model.model.inputs[0].shape.length === 4 ? tf.expandDims(x, 1) : x;
}



const RUNNABLE = ['basset_like', 'basset_like_op11_static', 'deepstarr_like', 'bpnet_like', 'nlc_input', 'conv2d_input', 'ops_zoo_a', 'ops_zoo_b', 'attention_small', 'external_data', 'rnn_small', 'gru_small'];

describe('ONNX loader', () => {
  before(async () => {
    await useBackend('cpu');
  });

  for (const name of RUNNABLE) {
    test(`${name}: outputs equal PyTorch's to 1e-5`, async () => {
      const expected = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
      const model = await loadModel(fixture(name));
      assert.equal(model.format, 'onnx');
      assert.deepEqual(
        model.outputs!.map((o) => o.name),
        expected.outputs.map((o) => o.name),
      );
      const seqs = expected.sequences.map((s) => s.sequence);
      const outs = nativeOutputs(model, heldInput(model, seqs));
      expected.outputs.forEach((o, k) => {
        assert.deepEqual(outs[k].shape, o.shape, `${o.name} shape`);
        const d = maxDiff(outs[k].dataSync(), o.values);
        assert.ok(d <= 1e-5, `${o.name}: max |TF.js − PyTorch| = ${d}`);
      });
      assert.equal(model.input?.oneHotDna, true);
      assert.equal(model.input?.length, expected.input.length);
    });
  }

  test('predict on every runnable fixture: the TSV holds PyTorch\'s outputs in the file\'s own layout, row-major', async () => {
    for (const name of RUNNABLE) {
      const expected = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
      const model = await loadModel(fixture(name));
      let tsv = '';
      await predictFasta(model, path.join(DIR, `${name}.fa`), (t) => (tsv += t), { batchSize: 2 });
      const [header, ...lines] = tsv.trim().split('\n').map((l) => l.split('\t'));
      const names = expected.outputs.flatMap((o) => {
        const dims = o.shape.slice(1);
        const size = dims.reduce((a, b) => a * b, 1);
        if (size === 1) return [o.name];
        return Array.from({ length: size }, (_, i) => {
          const idx = dims.map((_, k) => Math.floor(i / dims.slice(k + 1).reduce((a, b) => a * b, 1)) % dims[k]);
          return `${o.name}[${idx.join(',')}]`;
        });
      });
      assert.deepEqual(header, ['id', ...names], name);
      assert.deepEqual(lines.map((l) => l[0]), expected.sequences.map((s) => s.id));
      lines.forEach((cells, r) => {
        const want = expected.outputs.flatMap((o) => {
          const per = o.values.length / expected.sequences.length;
          return o.values.slice(r * per, (r + 1) * per);
        });
        const d = maxDiff(cells.slice(1).map(Number), want);
        assert.ok(d <= 1e-5, `${name} row ${r}: max diff ${d}`);
      });
    }
  });

  test('ONNX Runtime agrees on random (non-one-hot) inputs, batch 3', async () => {
    for (const name of ['basset_like', 'bpnet_like', 'ops_zoo_a', 'ops_zoo_b', 'deepstarr_like', 'attention_small', 'rnn_small', 'gru_small']) {
      const expected = JSON.parse(fs.readFileSync(path.join(DIR, `${name}.expected.json`), 'utf8')) as Expected;
      const model = await loadModel(fixture(name));
      const L = expected.input.length;
      const next = seeded(7);
      const values = Array.from({ length: 3 * L * 4 }, next);
      const held = tf.tensor3d(values, [3, L, 4]);
      const mine = nativeOutputs(model, model.model.inputs[0].shape.length === 4 ? tf.expandDims(held, 1) : held);
      const native = expected.input.layout === 'NLC' ? held : tf.transpose(held, [0, 2, 1]);
      const session = await ort.InferenceSession.create(fixture(name));
      const result = await session.run({ [expected.input.name]: new ort.Tensor('float32', native.dataSync() as Float32Array, native.shape) });
      expected.outputs.forEach((o, k) => {
        const theirs = result[o.name];
        assert.deepEqual(mine[k].shape, [...theirs.dims]);
        const d = maxDiff(mine[k].dataSync(), theirs.data as Float32Array);
        assert.ok(d <= 1e-4 * Math.max(1, ...Array.from(theirs.data as Float32Array, Math.abs)), `${name}/${o.name}: max |TF.js − ORT| = ${d}`);
      });
    }
  });

  test('a symbolic sequence length takes the requested length (--length), else the default with a note', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'bpnet_dynamic_length.expected.json'), 'utf8')) as Expected;
    const model = await loadModel(fixture('bpnet_dynamic_length'), { length: 600 });
    assert.equal(model.input?.length, 600);
    assert.ok(model.notes!.some((n) => n.includes('requested length 600')), model.notes!.join('; '));
    const outs = nativeOutputs(model, heldInput(model, expected.sequences.map((s) => s.sequence)));
    expected.outputs.forEach((o, k) => {
      assert.deepEqual(outs[k].shape, o.shape);
      assert.ok(maxDiff(outs[k].dataSync(), o.values) <= 1e-5, o.name);
    });
    const byDefault = await loadModel(fixture('bpnet_dynamic_length'));
    assert.equal(byDefault.input?.length, 1000);
    assert.deepEqual(byDefault.model.outputs[0].shape, [null, 800, 2]);
  });

  test('a static-batch opset-11 export runs at any batch size', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(DIR, 'basset_like_op11_static.expected.json'), 'utf8')) as Expected;
    assert.equal(expected.input.batch, 1);
    const model = await loadModel(fixture('basset_like_op11_static'));
    assert.ok(model.notes!.some((n) => n.includes('fixes the batch size at 1')), model.notes!.join('; '));
    const [y] = nativeOutputs(model, heldInput(model, expected.sequences.map((s) => s.sequence)));
    assert.deepEqual(y.shape, [5, 164]);
  });

  test('basset_like: channels-first input held channels-last; default layer, first-layer logos and the hidden-space ascent apply', async () => {
    const model = await loadModel(fixture('basset_like'));
    assert.deepEqual(model.input?.shape, [600, 4]);
    assert.ok(model.notes!.some((n) => n.includes('channels-first')));
    const layers = listLayers(model.model);
    const convs = layers.filter((l) => l.className === 'Conv1D');
    assert.equal(convs.length, 3);
    // The default: the last block's output (conv → batch norm → ReLU → max pool), before the dense part.
    const chosen = layers.find((l) => l.index === defaultAnalysisLayer(model.model))!;
    assert.equal(chosen.className, 'MaxPooling1D');
    assert.equal(chosen.outputShape[1], convs[2].outputShape[1], 'channels of the last convolution');
    // The node's names reach the layer (PyTorch's module path).
    assert.equal(model.layerAliases!['/conv1/Conv'], 'conv1/Conv');
    // No sequence logos of the pooled features here (what is compared is the ascent).
    const settings = { restarts: 3, classes: '0-1', maxIter: 60, seed: 1, featureLogos: 'none' as const };
    // Explicit starts: the hidden-space path then follows the same iterates as the direct one.
    const hidden = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'auto', starts: 'explicit' } });
    const direct = await resolveFeatures({ loaded: model, settings: { ...settings, ascent: 'direct' } });
    assert.equal(hidden.settings.ascentUsed, 'hidden');
    assert.equal(direct.settings.ascentUsed, 'direct');
    hidden.classes.forEach((c, i) => {
      const d = maxDiff(c.ofiv, direct.classes[i].ofiv);
      assert.ok(d <= 1e-3 * Math.max(1, ...c.ofiv.map(Math.abs)), `class ${i}: OFIV hidden vs direct differ by ${d}`);
    });
    // First-convolution features have weight-derived sequence logos at the first block.
    const first = await resolveFeatures({ loaded: model, settings: { ...settings, classes: '0', layer: 'conv1/Conv', ascent: 'direct', featureLogos: 'auto' } });
    assert.equal(first.features.length, 16);
    assert.ok(first.features.every((f) => f.pwm && f.pwm.length === 19), 'a 19-wide PWM per filter');
    // The PWM of filter 0 is the positive part of its kernel, read here from the ONNX weights ([O, I, k], in A C G T order).
    const w = model.model.getLayer('conv1/Conv').getWeights()[0].arraySync() as number[][][]; // TF.js [k, 4, F]
    const col = w[0].map((row) => Math.max(row[0], 0));
    const total = col.reduce((a, b) => a + b, 0);
    assert.ok(total > 0);
    col.forEach((v, b) => assert.ok(Math.abs(first.features[0].pwm![0][b] - v / total) < 1e-6));
  });

  test('the analysis layer can be named by an ONNX node or output name', async () => {
    const model = await loadModel(fixture('basset_like'));
    const out = Object.entries(model.layerAliases!).find(([k]) => k.startsWith('/conv2/Conv'))!;
    const r = await resolveFeatures({ loaded: model, settings: { restarts: 2, classes: '0', maxIter: 20, layer: out[0], ascent: 'direct', featureLogos: 'none' } });
    assert.equal(r.model.layer.name, out[1]);
  });

  describe('refusals: one line naming the file and the cause', () => {
    const cases: [string, RegExp][] = [
      ['custom_domain', /custom operator domains.*'my_custom_op' \(com\.example::MyOp\)/],
      ['control_flow', /control flow is not supported: 'branch' \(If\), 'repeat' \(Loop\)/],
      ['two_inputs', /2 inputs \(sequence, extra\)/],
      ['unsupported_op', /unsupported ONNX op: NonZero \('find_peaks'\)/],
      ['truncated', /corrupt or truncated ONNX file/],
      ['not_onnx', /corrupt or truncated ONNX file|not an ONNX model/],
      ['external_data_missing', /missing_weights\.bin', which is not beside the model/],
    ];
    for (const [name, pattern] of cases) {
      test(name, async () => {
        await assert.rejects(loadModel(fixture(name)), (err: Error) => {
          assert.ok(err instanceof UserError, `${err}`);
          assert.ok(err.message.startsWith(fixture(name)), err.message);
          assert.match(err.message, pattern);
          assert.ok(!err.message.includes('\n'), 'one line');
          return true;
        });
      });
    }
  });
});

describe('ONNX models with dilated towers', () => {
  test('bpnet_like analysed at its first convolution (six dilated convolutions in the head): wasm equals cpu', async () => {
    const model = await loadModel(fixture('bpnet_like'));
    const first = listLayers(model.model).find((l) => l.className === 'Conv1D')!;
    const settings = { restarts: 2, classes: '2', maxIter: 6, seed: 4, layer: first.name, ascent: 'direct' as const, workers: 1 };
    const runs = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await useBackend(backend);
      runs.push(await resolveFeatures({ loaded: model, settings: { ...settings, backend } }));
    }
    assert.equal(runs[0].model.layer.name, first.name);
    assert.equal(runs[0].classes[0].name, 'counts');
    assert.ok(runs[0].classes[0].ofiv.every(Number.isFinite));
    const d = maxDiff(runs[0].classes[0].ofiv, runs[1].classes[0].ofiv);
    assert.ok(d <= 1e-4 * Math.max(1e-3, ...runs[0].classes[0].ofiv.map(Math.abs)), `cpu vs wasm OFIV differ by ${d}`);
  });
});

describe('ONNX models on the worker pool', () => {
  test('bpnet_like (OnnxOp layers in the head): two workers give the numbers of one thread', async () => {
    await useBackend('cpu');
    const { poolTuning, ascentPoolWorkers } = await import('../../src/engine/ascent/pool');
    const saved = { ...poolTuning };
    try {
      const model = await loadModel(fixture('bpnet_like'));
      // TensorFlow.js on the pool (not ONNX Runtime's native path), no logos: what is tested is the OnnxOp layers' JSON round trip.
      const settings = { restarts: 2, classes: '1-2', maxIter: 8, seed: 2, ascent: 'direct' as const, batchSize: 2, backend: 'cpu' as const, native: 'off' as const, featureLogos: 'none' as const };
      poolTuning.minSeconds = Infinity;
      const one = await resolveFeatures({ loaded: model, settings: { ...settings, workers: 1 } });
      poolTuning.minSeconds = 0;
      const started = ascentPoolWorkers.started;
      const two = await resolveFeatures({ loaded: model, settings: { ...settings, workers: 2 } });
      assert.equal(ascentPoolWorkers.started - started, 1, 'one worker ran');
      assert.deepEqual(one.classes.map((c) => c.name), ['profile[1]', 'counts'], 'profile channels and counts are classes');
      one.classes.forEach((c, i) => assert.deepEqual(two.classes[i].ofiv, c.ofiv));
    } finally {
      Object.assign(poolTuning, saved);
    }
  });
});
