/**
 * ONNX recurrent ops (LSTM, GRU, RNN) beyond what the PyTorch fixtures exercise: graphs written
 * here with bidirectional and reverse directions, peepholes, clip, input_forget, GRU without
 * linear_before_reset, Relu activations, constant and data initial states, layout 1, every
 * output; each checked against ONNX Runtime on random inputs. Then: the gradient through an
 * unrolled LSTM/GRU equals finite differences; the model survives the worker pool's JSON round
 * trip; what is not implemented is refused in one line.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as ort from 'onnxruntime-node';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { loadModel } from '../../src/engine/load/index';
import { resolveFeatures } from '../../src/engine/resolve';
import { writeGraph, type GraphSpec, type NodeSpec } from '../helpers/onnx-build';
import { maxDiff, nativeOutputs } from '../helpers/outputs';
import { seeded } from '../helpers/write-models';

const L = 12;
const BATCH = 3;
const H = 5;

function randomTensor(next: () => number, shape: number[], scale = 0.6) {
  return { shape, values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * next()) };
}



/** Runs the graph on random (N, 4, L) inputs with the loader and with ONNX Runtime; returns the max difference per output. */
async function againstOrt(spec: GraphSpec, name: string, seed: number): Promise<number[]> {
  const file = writeGraph(spec, name);
  const model = await loadModel(file);
  const next = seeded(seed);
  const held = tf.tensor3d(Array.from({ length: BATCH * L * 4 }, next), [BATCH, L, 4]);
  const native = tf.transpose(held, [0, 2, 1]);
  const mine = nativeOutputs(model, held);
  const session = await ort.InferenceSession.create(file);
  const theirs = await session.run({ sequence: new ort.Tensor('float32', native.dataSync() as Float32Array, native.shape) });
  return spec.outputs.map((o, k) => {
    assert.deepEqual(mine[k].shape, [...theirs[o].dims], `${name}/${o} shape`);
    return maxDiff(mine[k].dataSync(), theirs[o].data);
  });
}

interface RnnCase {
  op: 'LSTM' | 'GRU' | 'RNN';
  attrs?: NodeSpec['attrs'];
  dirs: number;
  /** Which optional inputs are given: B, initial_h (const or from a first layer), P. */
  bias?: boolean;
  peepholes?: boolean;
  init?: 'const' | 'data';
  layout?: 0 | 1;
  outputs?: ('Y' | 'Y_h' | 'Y_c')[];
}

const GATES = { LSTM: 4, GRU: 3, RNN: 1 };

/**
 * sequence (N, 4, L) → (Transpose to the op's layout) → [a first forward layer giving the initial
 * states] → the op under test → outputs transposed batch-first (the engine's outputs have the
 * batch first).
 */
function rnnGraph(c: RnnCase, seed: number): GraphSpec {
  const next = seeded(seed);
  const g = GATES[c.op];
  const layout = c.layout ?? 0;
  const floats: GraphSpec['floats'] = {
    W: randomTensor(next, [c.dirs, g * H, 4]),
    R: randomTensor(next, [c.dirs, g * H, H]),
  };
  const nodes: NodeSpec[] = [{ op: 'Transpose', inputs: ['sequence'], outputs: ['x'], attrs: { perm: layout ? [0, 2, 1] : [2, 0, 1] } }];
  const ins = ['x', 'W', 'R', '', '', '', '', ''];
  if (c.bias) {
    floats.B = randomTensor(next, [c.dirs, 2 * g * H]);
    ins[3] = 'B';
  }
  if (c.peepholes) {
    floats.P = randomTensor(next, [c.dirs, 3 * H]);
    ins[7] = 'P';
  }
  const ints: GraphSpec['ints'] = {};
  const states = c.op === 'LSTM' ? ['h', 'c'] : ['h'];
  if (c.init === 'const') {
    // A constant that depends on the batch size, as exporters write it: zeros of the runtime
    // batch (Shape → Gather → Concat → ConstantOfShape) plus a per-unit constant.
    ints.batchIndex = { shape: [1], values: [0] };
    ints.before = { shape: [1], values: [c.dirs] };
    ints.after = { shape: [1], values: [H] };
    nodes.push(
      { op: 'Shape', inputs: ['sequence'], outputs: ['shape'] },
      { op: 'Gather', inputs: ['shape', 'batchIndex'], outputs: ['n'], attrs: { axis: 0 } },
      { op: 'Concat', inputs: layout ? ['n', 'before', 'after'] : ['before', 'n', 'after'], outputs: ['stateShape'], attrs: { axis: 0 } },
      { op: 'ConstantOfShape', inputs: ['stateShape'], outputs: ['zeros'] },
    );
    states.forEach((s, k) => {
      floats[`${s}0unit`] = randomTensor(next, layout ? [1, c.dirs, H] : [c.dirs, 1, H], 0.8);
      nodes.push({ op: 'Add', inputs: ['zeros', `${s}0unit`], outputs: [`${s}0`] });
      ins[5 + k] = `${s}0`;
    });
  } else if (c.init === 'data') {
    // A first layer, one direction per direction of the second, gives the initial states.
    floats.W1 = randomTensor(next, [c.dirs, g * H, 4]);
    floats.R1 = randomTensor(next, [c.dirs, g * H, H]);
    const dir = c.dirs === 2 ? 'bidirectional' : 'forward';
    const outs = c.op === 'LSTM' ? ['first_y', 'h0', 'c0'] : ['first_y', 'h0'];
    nodes.push({ op: c.op, inputs: ['x', 'W1', 'R1'], outputs: outs, attrs: { hidden_size: H, direction: dir, ...(layout ? { layout } : {}) } });
    states.forEach((s, k) => (ins[5 + k] = `${s}0`));
  }
  while (ins[ins.length - 1] === '') ins.pop();
  const wanted = c.outputs ?? (c.op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h']);
  const opOuts = (c.op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h']).map((o) => (wanted.includes(o as 'Y') ? `${o}_raw` : ''));
  while (opOuts[opOuts.length - 1] === '') opOuts.pop();
  nodes.push({ op: c.op, name: 'rnn', inputs: ins, outputs: opOuts, attrs: { hidden_size: H, ...(layout ? { layout } : {}), ...c.attrs } });
  for (const o of wanted) {
    if (!layout) nodes.push({ op: 'Transpose', inputs: [`${o}_raw`], outputs: [o], attrs: { perm: o === 'Y' ? [2, 0, 1, 3] : [1, 0, 2] } });
    else nodes.push({ op: 'Identity', inputs: [`${o}_raw`], outputs: [o] });
  }
  return { opset: 14, input: { name: 'sequence', shape: ['batch', 4, L] }, floats, ints, nodes, outputs: wanted };
}

const CASES: [string, RnnCase][] = [
  ['LSTM forward, bias, constant initial states', { op: 'LSTM', dirs: 1, bias: true, init: 'const' }],
  ['LSTM bidirectional, peepholes, initial states from a first LSTM', { op: 'LSTM', dirs: 2, bias: true, peepholes: true, init: 'data', attrs: { direction: 'bidirectional' } }],
  ['LSTM reverse, input_forget, clip 0.5', { op: 'LSTM', dirs: 1, bias: true, peepholes: true, init: 'const', attrs: { direction: 'reverse', input_forget: 1, clip: 0.5 } }],
  ['LSTM Relu cell activations, only Y_h', { op: 'LSTM', dirs: 1, bias: true, outputs: ['Y_h'], attrs: { activations: ['Sigmoid', 'Relu', 'Tanh'] } }],
  ['GRU bidirectional, linear_before_reset 0, clip 0.8', { op: 'GRU', dirs: 2, bias: true, init: 'const', attrs: { direction: 'bidirectional', clip: 0.8 } }],
  ['GRU reverse, linear_before_reset 1, initial state from a first GRU', { op: 'GRU', dirs: 1, bias: true, init: 'data', attrs: { direction: 'reverse', linear_before_reset: 1 } }],
  ['GRU Relu candidate', { op: 'GRU', dirs: 1, attrs: { activations: ['sigmoid', 'relu'] } }],
  ['RNN bidirectional, Relu forward, Tanh reverse', { op: 'RNN', dirs: 2, bias: true, init: 'const', attrs: { direction: 'bidirectional', activations: ['Relu', 'Tanh'] } }],
];

describe('ONNX recurrent ops against ONNX Runtime (random weights and inputs)', () => {
  before(async () => {
    await useBackend('cpu');
  });

  CASES.forEach(([title, c], i) => {
    test(title, async () => {
      const diffs = await againstOrt(rnnGraph(c, 100 + i), `rnn_case_${i}`, 200 + i);
      diffs.forEach((d) => assert.ok(d <= 1e-5, `max |TF.js − ORT| = ${d}`));
    });
  });

  test("PyTorch's bidirectional output: Y → Transpose → Reshape [0, 0, -1] (batch on axis 1) → Transpose → view(N, -1) → Linear", async () => {
    // What torch.onnx.export writes for nn.LSTM/GRU(bidirectional=True) followed by a flatten and a Linear.
    for (const op of ['LSTM', 'GRU'] as const) {
      const next = seeded(600);
      const g = GATES[op];
      const spec: GraphSpec = {
        opset: 14,
        input: { name: 'sequence', shape: ['batch', 4, L] },
        floats: { W: randomTensor(next, [2, g * H, 4]), R: randomTensor(next, [2, g * H, H]), B: randomTensor(next, [2, 2 * g * H]), fcW: randomTensor(next, [3, L * 2 * H], 0.3) },
        ints: { zero: { shape: [], values: [0] }, axes0: { shape: [1], values: [0] }, merge: { shape: [3], values: [0, 0, -1] }, minusOne: { shape: [1], values: [-1] } },
        nodes: [
          { op: 'Transpose', inputs: ['sequence'], outputs: ['x'], attrs: { perm: [2, 0, 1] } },
          { op, name: 'rnn', inputs: ['x', 'W', 'R', 'B'], outputs: ['y'], attrs: { hidden_size: H, direction: 'bidirectional' } },
          { op: 'Transpose', inputs: ['y'], outputs: ['yt'], attrs: { perm: [0, 2, 1, 3] } },
          { op: 'Reshape', inputs: ['yt', 'merge'], outputs: ['ym'] },
          { op: 'Transpose', inputs: ['ym'], outputs: ['yb'], attrs: { perm: [1, 0, 2] } },
          { op: 'Shape', inputs: ['yb'], outputs: ['shape'] },
          { op: 'Gather', inputs: ['shape', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
          { op: 'Unsqueeze', inputs: ['n', 'axes0'], outputs: ['n1'] },
          { op: 'Concat', inputs: ['n1', 'minusOne'], outputs: ['flatShape'], attrs: { axis: 0 } },
          { op: 'Reshape', inputs: ['yb', 'flatShape'], outputs: ['flat'] },
          { op: 'Gemm', inputs: ['flat', 'fcW'], outputs: ['scores'], attrs: { transB: 1 } },
        ],
        outputs: ['scores'],
      };
      const [d] = await againstOrt(spec, `${op}_bidirectional_flatten`, 601);
      assert.ok(d <= 1e-5, `${op}: max |TF.js − ORT| = ${d}`);
    }
  });

  test('layout 1 (batch first) gives the layout-0 outputs', async () => {
    // ONNX Runtime's CPU kernels do not take layout 1: the same weights in layout 0, run by ORT, are the reference.
    for (const op of ['LSTM', 'GRU'] as const) {
      const c: RnnCase = { op, dirs: 2, bias: true, peepholes: op === 'LSTM', init: 'const', attrs: { direction: 'bidirectional' } };
      const spec0 = rnnGraph(c, 300);
      const spec1 = rnnGraph({ ...c, layout: 1 }, 300);
      // The per-unit initial states are drawn with the layout's shape; the same numbers in either.
      const m0 = await loadModel(writeGraph(spec0, `${op}_layout0`));
      const m1 = await loadModel(writeGraph(spec1, `${op}_layout1`));
      const next = seeded(301);
      const held = tf.tensor3d(Array.from({ length: BATCH * L * 4 }, next), [BATCH, L, 4]);
      const [y0, ...s0] = nativeOutputs(m0, held);
      const [y1, ...s1] = nativeOutputs(m1, held);
      assert.deepEqual(y1.shape, [BATCH, L, 2, H], 'Y is [batch, seq, dirs, hidden] in layout 1');
      assert.ok(maxDiff(y0.dataSync(), y1.dataSync()) <= 1e-6);
      s0.forEach((s, k) => assert.ok(maxDiff(s.dataSync(), s1[k].dataSync()) <= 1e-6));
      // And layout 0 is what ORT computes.
      (await againstOrt(spec0, `${op}_layout0_ort`, 301)).forEach((d) => assert.ok(d <= 1e-5, `${op}: ${d}`));
    }
  });
});

describe('gradients through the unrolled recurrence', () => {
  before(async () => {
    await useBackend('cpu');
  });

  for (const name of ['rnn_small', 'gru_small']) {
    test(`${name}: tf.grad of the summed output equals central differences`, async () => {
      const model = await loadModel(path.resolve(__dirname, '..', 'fixtures', 'onnx', `${name}.onnx`));
      const next = seeded(11);
      const x = tf.tensor3d(Array.from({ length: 2 * 50 * 4 }, () => 0.5 + 0.5 * next()), [2, 50, 4]);
      const f = (t: tf.Tensor) => tf.sum(model.model.apply(t) as tf.Tensor);
      const g = tf.grad(f)(x).dataSync();
      const base = x.dataSync();
      const eps = 1e-2;
      // Coordinates late in the sequence (the last step feeds the head directly) and early ones.
      const coords = [[0, 49, 0], [0, 49, 3], [1, 48, 1], [1, 45, 2], [0, 40, 1], [1, 30, 3], [0, 10, 0], [1, 0, 2]].map(([b, l, c]) => b * 200 + l * 4 + c);
      let largest = 0;
      for (const i of coords) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[i] += eps;
        minus[i] -= eps;
        const fd = (f(tf.tensor3d(plus, [2, 50, 4])).dataSync()[0] - f(tf.tensor3d(minus, [2, 50, 4])).dataSync()[0]) / (2 * eps);
        assert.ok(Math.abs(g[i] - fd) <= 2e-4 + 1e-2 * Math.abs(fd), `coordinate ${i}: grad ${g[i]}, finite difference ${fd}`);
        largest = Math.max(largest, Math.abs(fd));
      }
      assert.ok(largest > 1e-2, `the checked coordinates matter (largest |∂f/∂x| ${largest})`);
    });
  }

  test('rnn_small: DeepResolve at the LSTM output runs on wasm and gives the numbers of the cpu backend', async () => {
    // The head (last step, Linear) is differentiated back to the LSTM's Y; the last-step Gather has a gradient on wasm.
    const model = await loadModel(path.resolve(__dirname, '..', 'fixtures', 'onnx', 'rnn_small.onnx'));
    const settings = { restarts: 2, classes: '0-1', maxIter: 20, seed: 1, layer: 'rnn/LSTM', ascent: 'direct' as const, featureLogos: 'none' as const };
    const cpu = await resolveFeatures({ loaded: model, settings: { ...settings, backend: 'cpu' } });
    const wasm = await resolveFeatures({ loaded: model, settings: { ...settings, backend: 'wasm' } });
    assert.equal(wasm.model.layer.name, 'rnn/LSTM');
    assert.equal(wasm.features.length, 8, 'one feature per hidden unit');
    cpu.classes.forEach((c, i) => {
      assert.ok(c.ofiv.some((v) => v !== 0));
      const d = maxDiff(c.ofiv, wasm.classes[i].ofiv);
      assert.ok(d <= 1e-4 * Math.max(1, ...c.ofiv.map(Math.abs)), `class ${i}: OFIV cpu vs wasm differ by ${d}`);
    });
    await useBackend('cpu');
  });

  test('rnn_small survives the worker pool JSON round trip (toJSON → fromMemory)', async () => {
    const model = await loadModel(path.resolve(__dirname, '..', 'fixtures', 'onnx', 'rnn_small.onnx'));
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const copy = await tfl.loadLayersModel(tf.io.fromMemory(artifacts!));
    const x = tf.randomUniform([2, 50, 4], 0, 1, 'float32', 3);
    assert.ok(maxDiff((model.model.predict(x) as tf.Tensor).dataSync(), (copy.predict(x) as tf.Tensor).dataSync()) === 0);
  });
});

describe('recurrent refusals: one line naming the file, the node and the cause', () => {
  const base = (attrs: NodeSpec['attrs'], extra: Partial<RnnCase> = {}) => rnnGraph({ op: 'LSTM', dirs: 1, bias: true, attrs, ...extra }, 400);
  const withLens = (values: number[]): GraphSpec => {
    const spec = base({});
    const node = spec.nodes.find((n) => n.name === 'rnn')!;
    spec.int32s = { lens: { shape: [values.length], values } };
    while (node.inputs.length < 5) node.inputs.push('');
    node.inputs[4] = 'lens';
    return spec;
  };
  const cases: [string, GraphSpec, RegExp][] = [
    ['a LeakyRelu activation', base({ activations: ['LeakyRelu', 'Tanh', 'Tanh'] }), /node 'rnn' \(LSTM\): activation LeakyRelu is not supported \(Sigmoid, Tanh and Relu are\)/],
    ['two activations for an LSTM', base({ activations: ['Sigmoid', 'Tanh'] }), /lists 2 activations; 3 expected/],
    ['sequence_lens shorter than the sequence', withLens([L, L - 2, L]), new RegExp(`sequence_lens are not all ${L}.*padded batches are not supported`)],
    ['a hidden_size that does not match R', base({ hidden_size: H + 1 }), new RegExp(`its W has shape \\[1,${4 * H},4\\]; \\[1,${4 * (H + 1)},4\\] expected`)],
  ];
  for (const [title, spec, pattern] of cases) {
    test(title, async () => {
      const file = writeGraph(spec, 'refused');
      await assert.rejects(loadModel(file), (err: Error) => {
        assert.ok(err instanceof UserError, `${err}`);
        assert.ok(err.message.startsWith(file), err.message);
        assert.match(err.message, pattern);
        assert.ok(!err.message.includes('\n'), 'one line');
        return true;
      });
    });
  }

  test('sequence_lens equal to the full length are the plain recurrence', async () => {
    // Batch 3 fixed by the lengths: ORT needs them to match the batch it runs.
    const [d] = await againstOrt(withLens([L, L, L]), 'full_lens', 500);
    assert.ok(d <= 1e-5, `${d}`);
  });
});
