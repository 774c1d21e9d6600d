/**
 * The Keras layers beyond TF.js's own set (src/engine/custom-layers and the TF.js layers they map onto):
 * each written to a Keras 2 HDF5 file (and Keras 3 / TF.js files where it applies), loaded, and
 * compared on seeded random inputs with a reference computed here with plain loops or plain
 * tfjs-core ops; the weight shapes Keras's layout prescribes; input gradients through the custom
 * layers against the reference's; and the refusals of what cannot be run.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load/index';
import { Conv1DTranspose, Cropping1D, DepthwiseConv1D, MultiHeadAttention, SeparableConv1D, UpSampling1D, ZeroPadding1D } from '../../src/engine/custom-layers/index';
import { defaultAnalysisLayer } from '../../src/engine/layers';
import { ALPHABET, firstLayerPwms, weightsToPwm } from '../../src/engine/pwm';
import { seededWeights } from '../helpers/models';
import { kerasJson, layerWeights, predict, randomInput, tempDir, writeKeras3, writeKerasH5, writeTfjs } from '../helpers/write-models';

type Json = Record<string, unknown>;

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = 'output') {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what} ${i}: ${a[i]} vs ${b[i]}`);
}

/** A row-major array with its shape, indexed like a tensor. */
class Arr {
  constructor(
    readonly data: Float32Array,
    readonly shape: number[],
  ) {}
  static of(t: tf.Tensor): Arr {
    return new Arr(t.dataSync() as Float32Array, t.shape);
  }
  at(...idx: number[]): number {
    let o = 0;
    for (let i = 0; i < idx.length; i++) o = o * this.shape[i] + idx[i];
    return this.data[o];
  }
}

/** Fills an array of `shape` in row-major order from f(indices). */
function fill(shape: number[], f: (...idx: number[]) => number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  const idx = shape.map(() => 0);
  for (let o = 0; o < out.length; o++) {
    out[o] = f(...idx);
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

const sum = (n: number, f: (i: number) => number) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s;
};
const relu = (v: number) => Math.max(v, 0);

/** TensorFlow's padding before a window of `span` positions (stride s) over `length`, and the output length. */
function tfWindow(length: number, span: number, s: number, padding: string): { before: number; out: number } {
  if (padding === 'valid') return { before: 0, out: Math.floor((length - span) / s) + 1 };
  if (padding === 'causal') return { before: span - 1, out: Math.floor((length - 1) / s) + 1 };
  const out = Math.ceil(length / s);
  return { before: Math.floor(Math.max(0, (out - 1) * s + span - length) / 2), out };
}

// References, from the layers' definitions (Keras docs, TensorFlow's padding rules), on plain arrays.
function depthwiseRef(x: Arr, k: Arr, s: number, d: number, padding: string): { y: Float32Array; shape: number[] } {
  const [n, L, C] = x.shape;
  const [taps, , m] = k.shape;
  const w = tfWindow(L, (taps - 1) * d + 1, s, padding);
  const xp = (i: number, t: number, c: number) => (t >= 0 && t < L ? x.at(i, t, c) : 0);
  const shape = [n, w.out, C * m];
  return { y: fill(shape, (i, t, o) => sum(taps, (j) => xp(i, t * s + j * d - w.before, Math.floor(o / m)) * k.at(j, Math.floor(o / m), o % m))), shape };
}

function convTransposeRef(x: Arr, kernel: Arr, bias: Arr, s: number, padding: string, outputPadding: number | null): Float32Array {
  const [n, L, C] = x.shape;
  const [k, F] = kernel.shape;
  // Keras's output length; TensorFlow places the full transposed output (L − 1)·s + k after cutting `before` positions.
  const out = padding === 'valid' ? (L - 1) * s + k + (outputPadding ?? Math.max(k, s) - k) : outputPadding === null ? L * s : (L - 1) * s + (k % 2) + outputPadding;
  const before = padding === 'same' ? Math.floor(Math.max(0, (L - 1) * s + k - out) / 2) : 0;
  return fill([n, out, F], (i, u, f) => bias.at(f) + sum(L, (t) => { const j = u + before - t * s; return j >= 0 && j < k ? sum(C, (c) => x.at(i, t, c) * kernel.at(j, f, c)) : 0; }));
}

function attentionRef(x: tf.Tensor, w: tf.Tensor[], heads: number, useBias: boolean): tf.Tensor {
  // Per head: q = x·Wq[:, h] + bq[h], k and v alike; softmax(q·kᵀ/√key_dim)·v; output Σ_h ctx_h·Wo[h] + bo.
  return tf.tidy(() => {
    const [n, t, dim] = x.shape as [number, number, number];
    const rows = tf.reshape(x, [n * t, dim]) as tf.Tensor2D;
    const per = useBias ? 2 : 1;
    const [wq, wk, wv, wo] = [0, 1, 2, 3].map((i) => w[i * per]);
    const [bq, bk, bv, bo] = [0, 1, 2, 3].map((i) => (useBias ? w[i * per + 1] : null));
    const keyDim = wq.shape[2] as number;
    const [, valueDim, out] = wo.shape as [number, number, number];
    let total: tf.Tensor | null = null;
    for (let h = 0; h < heads; h++) {
      const proj = (kernel: tf.Tensor, bias: tf.Tensor | null) => {
        const size = kernel.shape[2] as number;
        const wh = tf.reshape(tf.slice(kernel, [0, h, 0], [-1, 1, -1]), [dim, size]) as tf.Tensor2D;
        const y = tf.reshape(tf.matMul(rows, wh), [n, t, size]);
        return bias ? tf.add(y, tf.reshape(tf.slice(bias, [h, 0], [1, -1]), [size])) : y;
      };
      const q = proj(wq, bq) as tf.Tensor3D;
      const k = proj(wk, bk) as tf.Tensor3D;
      const v = proj(wv, bv) as tf.Tensor3D;
      const scores = tf.softmax(tf.div(tf.matMul(q, k, false, true), Math.sqrt(keyDim)));
      const ctx = tf.matMul(scores, v);
      const woh = tf.reshape(tf.slice(wo, [h, 0, 0], [1, -1, -1]), [valueDim, out]) as tf.Tensor2D;
      const part = tf.reshape(tf.matMul(tf.reshape(ctx, [n * t, valueDim]) as tf.Tensor2D, woh), [n, t, out]);
      total = total ? tf.add(total, part) : part;
    }
    return bo ? tf.add(total!, bo) : total!;
  });
}

interface Case {
  name: string;
  /** Input shape (no batch). */
  input: number[];
  layer: () => tfl.layers.Layer;
  /** Weight shapes as Keras stores them. */
  shapes: number[][];
  reference: (x: tf.Tensor, w: tf.Tensor[]) => ArrayLike<number>;
  /** Rewrites the Keras 2 layer JSON (the tested layer's entry) as Keras writes it. */
  keras?: (layer: Json) => void;
  formats: ('h5' | 'keras3' | 'tfjs')[];
}

const data = (t: tf.Tensor) => t.dataSync() as Float32Array;

const CASES: Case[] = [
  {
    name: 'Cropping1D',
    input: [12, 3],
    layer: () => new Cropping1D({ cropping: [1, 2], name: 'crop' }),
    shapes: [],
    reference: (x) => { const a = Arr.of(x); return fill([a.shape[0], 9, 3], (i, t, c) => a.at(i, t + 1, c)); },
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'ZeroPadding1D',
    input: [6, 3],
    layer: () => new ZeroPadding1D({ padding: [2, 1], name: 'pad' }),
    shapes: [],
    reference: (x) => { const a = Arr.of(x); return fill([a.shape[0], 9, 3], (i, t, c) => (t >= 2 && t < 8 ? a.at(i, t - 2, c) : 0)); },
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'UpSampling1D',
    input: [5, 2],
    layer: () => new UpSampling1D({ size: 3, name: 'up' }),
    shapes: [],
    reference: (x) => { const a = Arr.of(x); return fill([a.shape[0], 15, 2], (i, t, c) => a.at(i, Math.floor(t / 3), c)); },
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'Conv1DTranspose (valid, stride 2, relu)',
    input: [7, 3],
    layer: () => new Conv1DTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', name: 'up_conv' }),
    shapes: [[3, 4, 3], [4]],
    reference: (x, [k, b]) => convTransposeRef(Arr.of(x), Arr.of(k), Arr.of(b), 2, 'valid', null).map(relu),
    keras: (l) => Object.assign(l.config as Json, { kernel_size: [3], strides: [2], output_padding: null, dilation_rate: [1], data_format: 'channels_last' }),
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'Conv1DTranspose (same, stride 2, even kernel)',
    input: [6, 2],
    layer: () => new Conv1DTranspose({ filters: 3, kernelSize: 4, strides: 2, padding: 'same', name: 'up_conv' }),
    shapes: [[4, 3, 2], [3]],
    reference: (x, [k, b]) => convTransposeRef(Arr.of(x), Arr.of(k), Arr.of(b), 2, 'same', null),
    formats: ['h5'],
  },
  {
    name: 'Conv1DTranspose (valid, stride 3, output_padding 1)',
    input: [5, 2],
    layer: () => new Conv1DTranspose({ filters: 2, kernelSize: 2, strides: 3, padding: 'valid', outputPadding: 1, name: 'up_conv' }),
    shapes: [[2, 2, 2], [2]],
    reference: (x, [k, b]) => convTransposeRef(Arr.of(x), Arr.of(k), Arr.of(b), 3, 'valid', 1),
    keras: (l) => Object.assign(l.config as Json, { output_padding: [1] }),
    formats: ['h5'],
  },
  {
    name: 'SeparableConv1D (same, dilation 2, multiplier 2)',
    input: [11, 3],
    layer: () => new SeparableConv1D({ filters: 4, kernelSize: 3, dilationRate: 2, depthMultiplier: 2, padding: 'same', activation: 'relu', name: 'sep' }),
    shapes: [[3, 3, 2], [1, 6, 4], [4]],
    reference: (x, [dk, pk, b]) => {
      const { y, shape } = depthwiseRef(Arr.of(x), Arr.of(dk), 1, 2, 'same');
      const d = new Arr(y, shape);
      const p = Arr.of(pk);
      return fill([shape[0], shape[1], 4], (i, t, f) => relu(Arr.of(b).at(f) + sum(6, (r) => d.at(i, t, r) * p.at(0, r, f))));
    },
    keras: (l) => Object.assign(l.config as Json, { kernel_size: [3], strides: [1], dilation_rate: [2], data_format: 'channels_last' }),
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'SeparableConv1D (valid, stride 2)',
    input: [12, 2],
    layer: () => new SeparableConv1D({ filters: 3, kernelSize: 4, strides: 2, padding: 'valid', name: 'sep' }),
    shapes: [[4, 2, 1], [1, 2, 3], [3]],
    reference: (x, [dk, pk, b]) => {
      const { y, shape } = depthwiseRef(Arr.of(x), Arr.of(dk), 2, 1, 'valid');
      const d = new Arr(y, shape);
      return fill([shape[0], shape[1], 3], (i, t, f) => Arr.of(b).at(f) + sum(2, (r) => d.at(i, t, r) * Arr.of(pk).at(0, r, f)));
    },
    formats: ['h5'],
  },
  {
    name: 'DepthwiseConv1D (causal, dilation 2, multiplier 2)',
    input: [9, 3],
    layer: () => new DepthwiseConv1D({ kernelSize: 3, dilationRate: 2, depthMultiplier: 2, padding: 'causal', name: 'dw' }),
    shapes: [[3, 3, 2], [6]],
    reference: (x, [k, b]) => { const { y, shape } = depthwiseRef(Arr.of(x), Arr.of(k), 1, 2, 'causal'); return y.map((v, o) => v + Arr.of(b).at(o % shape[2])); },
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'DepthwiseConv1D (same, stride 2)',
    input: [10, 4],
    layer: () => new DepthwiseConv1D({ kernelSize: 5, strides: 2, padding: 'same', name: 'dw' }),
    shapes: [[5, 4, 1], [4]],
    reference: (x, [k, b]) => { const { y, shape } = depthwiseRef(Arr.of(x), Arr.of(k), 2, 1, 'same'); return y.map((v, o) => v + Arr.of(b).at(o % shape[2])); },
    formats: ['h5'],
  },
  {
    name: 'LayerNormalization',
    input: [5, 6],
    layer: () => tfl.layers.layerNormalization({ name: 'ln', epsilon: 1e-3 }),
    shapes: [[6], [6]],
    reference: (x, [gamma, beta]) => {
      const a = Arr.of(x);
      const [n, L, C] = a.shape;
      return fill([n, L, C], (i, t, c) => {
        const mean = sum(C, (j) => a.at(i, t, j)) / C;
        const variance = sum(C, (j) => (a.at(i, t, j) - mean) ** 2) / C;
        return ((a.at(i, t, c) - mean) / Math.sqrt(variance + 1e-3)) * data(gamma)[c] + data(beta)[c];
      });
    },
    // tf.keras writes the axis as a list of positive axes.
    keras: (l) => Object.assign(l.config as Json, { axis: [2] }),
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'MultiHeadAttention (2 heads, value_dim 2, output_shape 5)',
    input: [7, 4],
    layer: () => new MultiHeadAttention({ numHeads: 2, keyDim: 3, valueDim: 2, outputDim: 5, name: 'mha' }),
    shapes: [[4, 2, 3], [2, 3], [4, 2, 3], [2, 3], [4, 2, 2], [2, 2], [2, 2, 5], [5]],
    reference: (x, w) => data(attentionRef(x, w, 2, true)),
    keras: (l) => {
      const c = l.config as Json;
      delete c.output_dim;
      Object.assign(c, { output_shape: [5], attention_axes: [1], dropout: 0.1, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } } });
      // tf.keras writes the second positional argument (value) as a keyword of the query's node.
      const node = (l.inbound_nodes as unknown[][][])[0][0] as unknown[];
      node[3] = { value: [node[0], node[1], node[2]] };
    },
    formats: ['h5', 'keras3', 'tfjs'],
  },
  {
    name: 'MultiHeadAttention (no biases)',
    input: [6, 4],
    layer: () => new MultiHeadAttention({ numHeads: 3, keyDim: 2, useBias: false, name: 'mha' }),
    shapes: [[4, 3, 2], [4, 3, 2], [4, 3, 2], [3, 2, 4]],
    reference: (x, w) => data(attentionRef(x, w, 3, false)),
    keras: (l) => {
      const c = l.config as Json;
      delete c.output_dim;
      c.output_shape = null;
    },
    formats: ['h5', 'keras3'],
  },
  {
    name: 'Cropping2D',
    input: [6, 7, 2],
    layer: () => tfl.layers.cropping2D({ cropping: [[1, 0], [2, 1]], name: 'crop2' }),
    shapes: [],
    reference: (x) => data(tf.slice(x, [0, 1, 2, 0], [-1, 5, 4, -1])),
    formats: ['h5', 'keras3'],
  },
  {
    name: 'ZeroPadding2D',
    input: [3, 4, 2],
    layer: () => tfl.layers.zeroPadding2d({ padding: [[1, 2], [0, 1]], name: 'pad2' }),
    shapes: [],
    reference: (x) => data(tf.pad(x, [[0, 0], [1, 2], [0, 1], [0, 0]])),
    formats: ['h5', 'keras3'],
  },
  {
    name: 'UpSampling2D (nearest)',
    input: [1, 5, 3],
    layer: () => tfl.layers.upSampling2d({ size: [1, 3], name: 'up2' }),
    shapes: [],
    reference: (x) => { const a = Arr.of(x); return fill([a.shape[0], 1, 15, 3], (i, r, c, ch) => a.at(i, r, Math.floor(c / 3), ch)); },
    formats: ['h5', 'keras3'],
  },
  {
    name: 'Conv2DTranspose',
    input: [1, 6, 3],
    layer: () => tfl.layers.conv2dTranspose({ filters: 2, kernelSize: [1, 3], strides: [1, 2], padding: 'valid', name: 'up_conv2' }),
    shapes: [[1, 3, 2, 3], [2]],
    reference: (x, [k, b]) => data(tf.add(tf.conv2dTranspose(x as tf.Tensor4D, k as tf.Tensor4D, [x.shape[0], 1, 13, 2], [1, 2], 'valid'), b)),
    formats: ['h5', 'keras3'],
  },
  {
    name: 'SeparableConv2D',
    input: [1, 9, 3],
    layer: () => tfl.layers.separableConv2d({ filters: 4, kernelSize: [1, 3], depthMultiplier: 2, padding: 'same', name: 'sep2' }),
    shapes: [[1, 3, 3, 2], [1, 1, 6, 4], [4]],
    reference: (x, [dk, pk, b]) => data(tf.add(tf.separableConv2d(x as tf.Tensor4D, dk as tf.Tensor4D, pk as tf.Tensor4D, 1, 'same'), b)),
    // Keras writes depth_multiplier (TF.js's own getConfig leaves it out).
    keras: (l) => Object.assign(l.config as Json, { depth_multiplier: 2 }),
    formats: ['h5'],
  },
  {
    name: 'DepthwiseConv2D',
    input: [1, 8, 3],
    layer: () => tfl.layers.depthwiseConv2d({ kernelSize: [1, 3], depthMultiplier: 2, strides: [1, 2], padding: 'valid', name: 'dw2' }),
    shapes: [[1, 3, 3, 2], [6]],
    reference: (x, [k, b]) => data(tf.add(tf.depthwiseConv2d(x as tf.Tensor4D, k as tf.Tensor4D, [1, 2], 'valid'), b)),
    formats: ['h5', 'keras3'],
  },
];

/** Input → the case's layer, with seeded weights. */
function caseModel(c: Case): tfl.LayersModel {
  const input = tfl.input({ shape: c.input, name: 'seq' });
  const model = tfl.model({ inputs: input, outputs: c.layer().apply(input) as tfl.SymbolicTensor, name: 'one_layer' });
  seededWeights(model, 5);
  return model;
}

/** The model's Keras 2 JSON with the case's layer written as Keras writes it. */
function caseJson(c: Case, model: tfl.LayersModel): Json {
  const json = kerasJson(model);
  const layer = ((json.config as Json).layers as Json[])[1];
  c.keras?.(layer);
  return json;
}

async function write(format: Case['formats'][number], c: Case, model: tfl.LayersModel, dir: string): Promise<string> {
  if (format === 'h5') return writeKerasH5(path.join(dir, 'model.h5'), layerWeights(model), { full: true, architecture: caseJson(c, model) });
  if (format === 'tfjs') return writeTfjs(model, path.join(dir, 'tfjs'));
  return writeKeras3(model, path.join(dir, 'model.keras'), (config) => {
    const layer = ((config.config as Json).layers as Json[])[1];
    const cfg = layer.config as Json;
    if (layer.class_name === 'MultiHeadAttention') {
      // Keras 3 names the arguments as Keras does and passes value as the second positional argument.
      cfg.output_shape = cfg.output_dim === null ? null : [cfg.output_dim];
      delete cfg.output_dim;
      const node = (layer.inbound_nodes as Json[])[0];
      node.args = [(node.args as unknown[])[0], (node.args as unknown[])[0]];
    }
  });
}

describe('Keras layers beyond TF.js: loaded and compared with references', () => {
  before(async () => {
    await useBackend('cpu');
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.formats.join(', ')}`, async () => {
      const model = caseModel(c);
      const layer = model.layers[1];
      assert.deepEqual(layer.weights.map((w) => w.shape), c.shapes, 'weights in Keras’s layout');
      const x = randomInput(model, 3, 17);
      const expected = c.reference(x, layer.getWeights());
      const dir = tempDir('keras-layers-');
      for (const format of c.formats) {
        const loaded = await loadModel(await write(format, c, model, dir));
        assert.equal(loaded.model.layers[loaded.model.layers.length - 1].getClassName(), layer.getClassName(), format);
        assertClose(predict(loaded.model, x), expected, 1e-5, `${format} output`);
        // What the worker pool does: rebuild from toJSON and the weights.
        const rebuilt = await tfl.models.modelFromJSON(loaded.model.toJSON(null, false) as never);
        rebuilt.setWeights(loaded.model.getWeights());
        assertClose(predict(rebuilt, x), expected, 1e-5, `${format} rebuilt from toJSON`);
        rebuilt.dispose();
        loaded.model.dispose();
      }
    });
  }
});

describe('input gradients through the custom layers equal the references', () => {
  // A linear layer f has ∂⟨r, f(x)⟩/∂x_i = ⟨r, f(e_i)⟩ − ⟨r, f(0)⟩: the reference gives the gradient without tf.grad.
  const linear = CASES.filter((c) => /^(Cropping1D|ZeroPadding1D|UpSampling1D|Conv1DTranspose \(same|SeparableConv1D \(valid|DepthwiseConv1D)/.test(c.name));
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`${backend}: ${linear.map((c) => c.name.split(' ')[0]).join(', ')}, MultiHeadAttention`, async () => {
      await useBackend(backend);
      for (const c of linear) {
        const model = caseModel(c);
        const w = model.layers[1].getWeights();
        const x = randomInput(model, 1, 23);
        const r = tf.tensor(Array.from({ length: (model.outputs[0].shape.slice(1) as number[]).reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i + 1)));
        const dot = (y: ArrayLike<number>) => sum(y.length, (i) => y[i] * r.dataSync()[i]);
        const base = dot(c.reference(tf.zerosLike(x), w));
        const expected = Array.from({ length: x.size }, (_, i) => dot(c.reference(tf.reshape(tf.cast(tf.oneHot([i], x.size), 'float32'), x.shape), w)) - base);
        const grad = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.reshape(model.apply(z) as tf.Tensor, [-1]), r)))(x);
        assertClose(grad.dataSync(), expected, 1e-4, `${c.name} gradient`);
      }
      const mha = CASES.find((c) => c.name.startsWith('MultiHeadAttention (2'))!;
      const model = caseModel(mha);
      const w = model.layers[1].getWeights();
      const x = randomInput(model, 2, 29);
      const f = (m: (z: tf.Tensor) => tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(tf.sin(m(z))))(x).dataSync();
      assertClose(f((z) => model.apply(z) as tf.Tensor), f((z) => attentionRef(z, w, 2, true)), 1e-4, 'attention gradient');
    });
  }
});

describe("the engine's layer rules know the new classes", () => {
  it('DepthwiseConv1D is a convolution for the default layer; Cropping1D and UpSampling1D keep first-layer channels for the filter logos', async () => {
    await useBackend('cpu');
    const input = tfl.input({ shape: [20, 4], name: 'dna' });
    let t = tfl.layers.conv1d({ filters: 3, kernelSize: 4, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
    t = new Cropping1D({ cropping: [1, 1], name: 'crop' }).apply(t) as tfl.SymbolicTensor;
    t = new UpSampling1D({ size: 2, name: 'up' }).apply(t) as tfl.SymbolicTensor;
    t = new DepthwiseConv1D({ kernelSize: 3, depthMultiplier: 2, name: 'dw' }).apply(t) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, name: 'out' }).apply(tfl.layers.flatten({ name: 'flat' }).apply(t)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    seededWeights(model, 9);
    const index = (name: string) => model.layers.findIndex((l) => l.name === name);
    assert.equal(defaultAnalysisLayer(model), index('dw'));
    const pwms = firstLayerPwms(model, index('up'));
    assert.ok(pwms, 'logos through Cropping1D and UpSampling1D');
    const kernel = Arr.of(model.getLayer('conv').getWeights()[0]); // (4 positions, 4 letters, 3 filters)
    pwms.forEach((p, f) => assert.deepEqual(p, weightsToPwm(Array.from({ length: 4 }, (_, pos) => ALPHABET.map((_, b) => kernel.at(pos, b, f))))));
    // The depthwise convolution mixes positions: its channels are no longer the first layer's filters.
    assert.equal(firstLayerPwms(model, index('dw')), null);
  });
});

describe('a SpliceAI-like model (refused before for Cropping1D)', () => {
  it('dilated residual units, Cropping1D of the context, per-position softmax: loads from .h5 at the length asked and predicts like the model built here', async () => {
    await useBackend('cpu');
    // SpliceAI: Input (None, 4) → Conv1D → residual units (BN → ReLU → dilated Conv1D, twice, + skip) → Cropping1D(context/2) → Conv1D(3, softmax).
    const input = tfl.input({ shape: [null, 4], name: 'input_1' });
    let x = tfl.layers.conv1d({ filters: 4, kernelSize: 1, name: 'conv1d_1' }).apply(input) as tfl.SymbolicTensor;
    for (const [i, dilation] of [[1, 1], [2, 2]] as const) {
      let y = x;
      for (const j of [1, 2]) {
        y = tfl.layers.batchNormalization({ name: `bn_${i}_${j}` }).apply(y) as tfl.SymbolicTensor;
        y = tfl.layers.activation({ activation: 'relu', name: `relu_${i}_${j}` }).apply(y) as tfl.SymbolicTensor;
        y = tfl.layers.conv1d({ filters: 4, kernelSize: 3, dilationRate: dilation, padding: 'same', name: `conv_${i}_${j}` }).apply(y) as tfl.SymbolicTensor;
      }
      x = tfl.layers.add({ name: `add_${i}` }).apply([x, y]) as tfl.SymbolicTensor;
    }
    x = new Cropping1D({ cropping: [3, 3], name: 'cropping1d_1' }).apply(x) as tfl.SymbolicTensor;
    const out = tfl.layers.conv1d({ filters: 3, kernelSize: 1, activation: 'softmax', name: 'conv1d_out' }).apply(x) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out, name: 'spliceai_like' });
    seededWeights(model, 47);
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      const [g, b, m, v] = layer.getWeights();
      layer.setWeights([g, b, m, tf.add(tf.abs(v), 0.5)]);
    }
    const file = await writeKerasH5(path.join(tempDir('spliceai-'), 'spliceai.h5'), layerWeights(model), { full: true, architecture: kerasJson(model) });
    const loaded = await loadModel(file, { length: 40 });
    assert.deepEqual(loaded.input?.shape, [40, 4]);
    assert.deepEqual(loaded.model.outputs[0].shape, [null, 34, 3]);
    const x40 = tf.tensor(Array.from({ length: 2 * 40 * 4 }, (_, i) => Math.sin(i * 0.37)), [2, 40, 4]);
    assertClose(predict(loaded.model, x40), predict(model, x40));
  });
});
