/**
 * The direct ascent on ONNX Runtime (src/engine/ascent/native): the forward + input-gradient graph
 * the project builds for a head gives the same class scores, objectives and next iterates as
 * TensorFlow.js's own forward pass and tf.grad (cpu backend), to 1e-5 of the largest value, for
 * heads of every layer kind it knows (convolutions with 'valid'/'same' padding and
 * dilation, dense layers, ReLU/sigmoid/tanh/ELU/softplus, batch norm, max/average/global pooling,
 * cropping, residual adds, profile and counts outputs; ONNX files' Add, ReduceMean and Slice nodes); whole analyses through resolveFeatures give
 * the same mean objective and OFIV as the TensorFlow.js direct path, and so do the hidden-space
 * steps of a rest that is not ReLU → Dense; a head with a layer it does not know runs on
 * TensorFlow.js, with a note saying why.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { Cropping1D } from '../../src/engine/custom-layers/index';
import { useBackend } from '../../src/engine/backend';
import { splitModel } from '../../src/engine/head';
import { nativeHead } from '../../src/engine/ascent/native/ascent';
import { buildHeadGraph } from '../../src/engine/ascent/native/head-graph';
import { resolveFeatures } from '../../src/engine/resolve';
import { loadModel } from '../../src/engine/load';
import { fillNormal } from '../../src/engine/rng';
import { seedWeights } from '../helpers/models';
import { onnx } from 'onnx-proto';

const L2 = 2.8;


/** Conv/BN/ReLU/pool blocks → Flatten → Dense → sigmoid outputs (Basset in small). */
function convTower() {
  return seedWeights(
    tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [48, 4], filters: 6, kernelSize: 5, padding: 'same', name: 'conv1' }),
        tfl.layers.batchNormalization({}),
        tfl.layers.reLU({}),
        tfl.layers.maxPooling1d({ poolSize: 3 }),
        tfl.layers.conv1d({ filters: 5, kernelSize: 4, padding: 'same', activation: 'elu' }),
        tfl.layers.averagePooling1d({ poolSize: 2 }),
        tfl.layers.conv1d({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', activation: 'tanh' }),
        tfl.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'valid', activation: 'softplus' }),
        tfl.layers.dropout({ rate: 0.3 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 7, activation: 'relu' }),
        tfl.layers.batchNormalization({}),
        tfl.layers.dense({ units: 3, activation: 'sigmoid' }),
      ],
    }),
    1,
  );
}

/** Dilated residual convolutions with a profile output and a counts output (BPNet in small). */
function profileModel() {
  const input = tfl.input({ shape: [40, 4] });
  let x = tfl.layers.conv1d({ filters: 6, kernelSize: 7, padding: 'same', activation: 'relu', name: 'conv1' }).apply(input) as tfl.SymbolicTensor;
  for (let i = 1; i <= 3; i++) {
    const c = tfl.layers.conv1d({ filters: 6, kernelSize: 3, padding: 'same', dilationRate: 2 ** i, activation: 'relu' }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.add({}).apply([c, x]) as tfl.SymbolicTensor;
  }
  const cropped = new Cropping1D({ cropping: [3, 2] }).apply(x) as tfl.SymbolicTensor;
  const profile = tfl.layers.conv1d({ filters: 2, kernelSize: 9, padding: 'same', name: 'profile' }).apply(cropped) as tfl.SymbolicTensor;
  const counts = tfl.layers.dense({ units: 2, name: 'counts' }).apply(tfl.layers.globalAveragePooling1d({}).apply(x) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  const peak = tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'peak' }).apply(tfl.layers.globalMaxPooling1d({}).apply(x) as tfl.SymbolicTensor) as tfl.SymbolicTensor;
  return seedWeights(tfl.model({ inputs: input, outputs: [profile, counts, peak] }), 2);
}

/** A 2-D Conv1D stack with an even kernel under 'same' (TF pads one more on the right) and strided-free pooling remainder. */
function oddLengths() {
  return seedWeights(
    tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [29, 4], filters: 5, kernelSize: 6, padding: 'same', activation: 'relu', name: 'conv1' }),
        tfl.layers.maxPooling1d({ poolSize: 4 }),
        tfl.layers.conv1d({ filters: 3, kernelSize: 2, padding: 'same' }),
        tfl.layers.activation({ activation: 'sigmoid' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4 }),
        tfl.layers.activation({ activation: 'softmax' }),
      ],
    }),
    3,
  );
}

/** A dense kernel over 64 MiB (4,096 × 4,100) after the analysis layer: for a few rows per step its input gradient is the streamed (W·dzᵀ)ᵀ. */
function bigDense() {
  return seedWeights(
    tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [64, 4], filters: 64, kernelSize: 1, activation: 'relu', name: 'conv1' }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4100, activation: 'relu' }),
        tfl.layers.dense({ units: 3, activation: 'sigmoid' }),
      ],
    }),
    4,
  );
}

const cases: [string, () => tfl.LayersModel, string, number?][] = [
  ['a dense kernel of 67 MB at 6 rows per step (its gradient as (W·dzᵀ)ᵀ)', bigDense, 'conv1', 6],
  ['conv tower (BN, ReLU, max/avg pooling, dilated, flatten, dense, sigmoid)', convTower, 'conv1'],
  ['profile + counts + peak outputs, dilated residual adds, cropping, global pooling', profileModel, 'conv1'],
  ["even kernel 'same', pooling remainder, Activation layers, softmax output", oddLengths, 'conv1'],
];

/** ONNX files from PyTorch (test/fixtures/onnx): convolutions lowered to Conv1D, residual adds, the mean and the profile's crop as OnnxOp layers. */
const FIXTURES = ['bpnet_like.onnx', 'basset_like_op11_static.onnx'];
const firstConv = (model: tfl.LayersModel) => model.layers.find((l) => l.getClassName() === 'Conv1D')!.name;
for (const file of FIXTURES) cases.push([`ONNX ${file} at its first convolution`, () => onnxModels.get(file)!, '']);
const onnxModels = new Map<string, tfl.LayersModel>();

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('native direct ascent (ONNX Runtime)', () => {
  before(async () => {
    await useBackend('cpu');
    for (const file of FIXTURES) onnxModels.set(file, (await loadModel(`test/fixtures/onnx/${file}`)).model);
  });

  for (const [name, make, layerName, rows] of cases) {
    test(`one step equals TensorFlow.js and tf.grad: ${name}`, async () => {
      const model = make();
      const layerIndex = model.layers.findIndex((l) => l.name === (layerName || firstConv(model)));
      const head = splitModel(model, layerIndex);
      if (rows) {
        const graph = buildHeadGraph(model, layerIndex, {}, L2, rows);
        assert.ok(!('unsupported' in graph));
        const ops = onnx.ModelProto.decode(graph.bytes).graph!.node!.map((n) => n.opType);
        assert.deepEqual([ops.filter((o) => o === 'MatMul').length, ops.filter((o) => o === 'Gemm').length], [1, 1], 'the big kernel: Gemm forward, MatMul backward');
      }
      const native = await nativeHead(model, layerIndex, {}, { l2: L2, workers: 1 }, rows);
      assert.ok(!('unsupported' in native), 'unsupported' in native ? native.unsupported : '');
      const n = Math.min(2 * head.numClasses, 6);
      const classes = Array.from({ length: n }, (_, i) => i % head.numClasses);
      const hData = fillNormal(new Float32Array(n * head.featureShape.reduce((a, b) => a * b, 1)), 77);
      const eta = Float32Array.from({ length: n }, (_, i) => 0.01 * (i + 1));
      const h = tf.tensor(hData, [n, ...head.featureShape]);
      const grad = tf.grad((x: tf.Tensor) => tf.sum(head.classScores(x, classes)))(h);
      const scores = head.classScores(h, classes).dataSync();
      const objective = tf.sub(scores, tf.mul(L2, tf.sum(tf.square(h), [1, 2]))).dataSync();
      const next = tf.add(h, tf.mul(tf.reshape(tf.tensor1d(eta), [-1, 1, 1]), tf.sub(grad, tf.mul(2 * L2, h)))).dataSync();
      const g = grad.dataSync();
      const select = new Float32Array(n * head.numClasses);
      classes.forEach((c, i) => (select[i * head.numClasses + c] = 1));
      const out = await native.session.run({
        h: new native.ort.Tensor('float32', hData, [n, ...head.featureShape]),
        select: new native.ort.Tensor('float32', select, [n, head.numClasses]),
        eta: new native.ort.Tensor('float32', eta, [n, 1]),
      });
      assert.ok(maxAbs(g) > 1e-3, 'the gradient is not trivially zero');
      assert.ok(maxDiff(out.scores.data, scores) <= 1e-5 * Math.max(1, maxAbs(scores)), `scores differ by ${maxDiff(out.scores.data, scores)}`);
      assert.ok(maxDiff(out.objective.data, objective) <= 1e-5 * Math.max(1, maxAbs(objective)), `objectives differ by ${maxDiff(out.objective.data, objective)}`);
      assert.ok(maxDiff(out.next.data, next) <= 1e-5 * maxAbs(next), `next iterates differ by ${maxDiff(out.next.data, next)}`);
      await native.session.release?.();
      head.dispose();
    });
  }

  test("a final dense layer's scores are gathered columns of the rows' own classes, not a product with every class (conv tower: 2 Gemm nodes, not 4)", () => {
    const model = convTower();
    const graph = buildHeadGraph(model, model.layers.findIndex((l) => l.name === 'conv1'), {}, L2);
    assert.ok(!('unsupported' in graph));
    const ops = onnx.ModelProto.decode(graph.bytes).graph!.node!.map((n) => n.opType);
    assert.equal(ops.filter((o) => o === 'Gemm').length, 2, ops.join(' '));
    assert.equal(ops.filter((o) => o === 'Gather').length, 2, ops.join(' '));
    assert.equal(ops.filter((o) => o === 'ArgMax').length, 1, ops.join(' '));
  });

  test('gradient alone, through a second graph with η = 1 and λ tiny: equal to tf.grad to 1e-5 of its largest value', async () => {
    for (const [, make, layerName] of cases) {
      const model = make();
      const layerIndex = model.layers.findIndex((l) => l.name === (layerName || firstConv(model)));
      const head = splitModel(model, layerIndex);
      // With λ ≈ 0 and η = 1 the step is H + ∇S, so next − H is the gradient up to the rounding of H + ∇S.
      const native = await nativeHead(model, layerIndex, {}, { l2: 1e-30, workers: 1 });
      assert.ok(!('unsupported' in native));
      const n = Math.min(head.numClasses, 4);
      const classes = Array.from({ length: n }, (_, i) => i);
      const hData = fillNormal(new Float32Array(n * head.featureShape.reduce((a, b) => a * b, 1)), 5);
      const out = await native.session.run({
        h: new native.ort.Tensor('float32', hData, [n, ...head.featureShape]),
        select: new native.ort.Tensor('float32', Float32Array.from({ length: n * head.numClasses }, (_, i) => (i % head.numClasses === Math.floor(i / head.numClasses) ? 1 : 0)), [n, head.numClasses]),
        eta: new native.ort.Tensor('float32', new Float32Array(n).fill(1), [n, 1]),
      });
      const g = tf.grad((x: tf.Tensor) => tf.sum(head.classScores(x, classes)))(tf.tensor(hData, [n, ...head.featureShape])).dataSync();
      const gNative = out.next.data.map((v, i) => v - hData[i]);
      // H + g rounds to float32 at |H| ~ 4: allow that rounding (6e-7 × |H|) on top of 1e-5 of the largest gradient.
      assert.ok(maxDiff(gNative, g) <= 1e-5 * maxAbs(g) + 6e-7 * maxAbs(hData), `gradients differ by ${maxDiff(gNative, g)} (largest ${maxAbs(g)})`);
      await native.session.release?.();
      head.dispose();
    }
  });

  for (const [name, make, layerName] of cases) {
    test(`a whole analysis: the same mean objective and OFIV as the TensorFlow.js direct path (${name.split(' (')[0]})`, async () => {
      const model = make();
      // The ONNX files' heads are larger: fewer classes and iterations, and the wasm backend as the reference.
      const onnx = !layerName;
      const settings = { backend: onnx ? ('wasm' as const) : ('cpu' as const), layer: layerName || firstConv(model), classes: onnx ? '0-1' : 'all', restarts: onnx ? 2 : 3, maxIter: onnx ? 25 : 60, seed: 4, ascent: 'direct' as const };
      const loaded = { model, name: 'm', path: '-', format: 'tfjs-layers' as const };
      const tfjs = await resolveFeatures({ loaded, settings: { ...settings, native: 'off' } });
      const native = await resolveFeatures({ loaded, settings: { ...settings, native: 'auto' } });
      assert.equal(tfjs.settings.ascentEngine, 'tensorflow.js');
      assert.equal(native.settings.ascentEngine, 'onnxruntime');
      assert.equal(native.classes.length, tfjs.classes.length);
      const mean = (r: typeof tfjs) => {
        const j = r.classes.flatMap((c) => c.objectives);
        return j.reduce((a, b) => a + b, 0) / j.length;
      };
      assert.ok(Math.abs(mean(native) - mean(tfjs)) <= 1e-4 * Math.max(1, Math.abs(mean(tfjs))), `mean J ${mean(native)} vs ${mean(tfjs)}`);
      native.classes.forEach((c, k) => {
        const ref = tfjs.classes[k].ofiv;
        assert.ok(maxDiff(c.ofiv, ref) <= 1e-4 * Math.max(1e-3, maxAbs(ref)), `class ${k}: OFIV differ by ${maxDiff(c.ofiv, ref)} (largest ${maxAbs(ref)})`);
        assert.deepEqual(c.iterations, tfjs.classes[k].iterations, `class ${k}: the same iterations per restart`);
      });
    });
  }

  test('the hidden-space steps of a rest that is not ReLU → Dense: the same mean objective, OFIV and iterations as on TensorFlow.js', async () => {
    // DeepSEA's deep tail in small: Dense (ReLU) → Dense (ELU) → batch norm → Dense (sigmoid).
    const model = seedWeights(
      tfl.sequential({
        layers: [
          tfl.layers.conv1d({ inputShape: [30, 4], filters: 6, kernelSize: 5, activation: 'relu', name: 'conv1' }),
          tfl.layers.maxPooling1d({ poolSize: 2 }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 12, activation: 'relu' }),
          tfl.layers.dense({ units: 10, activation: 'elu' }),
          tfl.layers.batchNormalization({}),
          tfl.layers.dense({ units: 3, activation: 'sigmoid' }),
        ],
      }),
      7,
    );
    const loaded = { model, name: 'm', path: '-', format: 'tfjs-layers' as const };
    const settings = { backend: 'cpu' as const, layer: '1', restarts: 4, maxIter: 80, seed: 2, ascent: 'hidden' as const, starts: 'explicit' as const, workers: 1 };
    const tfjs = await resolveFeatures({ loaded, settings: { ...settings, native: 'off' } });
    const native = await resolveFeatures({ loaded, settings });
    assert.equal(tfjs.settings.ascentEngine, 'tensorflow.js');
    assert.equal(native.settings.ascentEngine, 'onnxruntime');
    assert.ok(native.notes.some((n) => /hidden-space steps on ONNX Runtime/.test(n)), native.notes.join('\n'));
    native.classes.forEach((c, k) => {
      const ref = tfjs.classes[k];
      assert.deepEqual(c.iterations, ref.iterations, `class ${k}: the same iterations per restart`);
      c.objectives.forEach((j, i) => assert.ok(Math.abs(j - ref.objectives[i]) <= 1e-4 * Math.max(1, Math.abs(ref.objectives[i])), `class ${k} restart ${i}: J ${j} vs ${ref.objectives[i]}`));
      assert.ok(maxDiff(c.ofiv, ref.ofiv) <= 1e-4 * Math.max(1e-3, maxAbs(ref.ofiv)), `class ${k}: OFIV differ by ${maxDiff(c.ofiv, ref.ofiv)}`);
    });
    // And the same numbers as the direct path through the whole head (the hidden space is exact).
    const direct = await resolveFeatures({ loaded, settings: { ...settings, ascent: 'direct' } });
    assert.equal(direct.settings.ascentEngine, 'onnxruntime');
    direct.classes.forEach((c, k) => assert.ok(maxDiff(c.ofiv, native.classes[k].ofiv) <= 1e-3 * Math.max(1e-3, maxAbs(c.ofiv)), `class ${k}: direct and hidden OFIV differ by ${maxDiff(c.ofiv, native.classes[k].ofiv)}`));
  });

  test('a head with a layer the graph builder does not know runs on TensorFlow.js, with a note naming it', async () => {
    const model = seedWeights(
      tfl.sequential({
        layers: [
          tfl.layers.conv1d({ inputShape: [20, 4], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv1' }),
          tfl.layers.conv1d({ filters: 3, kernelSize: 3, strides: 2, name: 'strided' }),
          tfl.layers.flatten(),
          tfl.layers.dense({ units: 2 }),
        ],
      }),
      6,
    );
    assert.match(String((buildHeadGraph(model, 0, {}, L2) as { unsupported: string }).unsupported), /layer 'strided' \(Conv1D\): strides other than 1/);
    const r = await resolveFeatures({ loaded: { model, name: 'm', path: '-', format: 'tfjs-layers' }, settings: { backend: 'cpu', layer: 'conv1', restarts: 2, maxIter: 20 } });
    assert.equal(r.settings.ascentEngine, 'tensorflow.js');
    assert.ok(r.notes.some((n) => /direct ascent on TensorFlow\.js: layer 'strided' \(Conv1D\): strides other than 1/.test(n)), r.notes.join('\n'));
  });
});
