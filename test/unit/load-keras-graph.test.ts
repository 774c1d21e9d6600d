/**
 * Graphs the engine flattens at load time (keras-graph.ts, embedding-input.ts): nested models
 * inlined, shared layers (reverse-complement models) copied per call, an input Embedding made
 * one-hot; each compared with the model TF.js builds natively from the same layers, plus what must
 * hold whatever the implementation (reverse-complement invariance, Embedding rows). Refusals of
 * calls the engine cannot run. The worker pool with custom layers in the head.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ascentPoolWorkers, poolTuning } from '../../src/engine/ascent/pool';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { Cropping1D, SeparableConv1D } from '../../src/engine/custom-layers/index';
import { loadModel } from '../../src/engine/load/index';
import type { LoadedModel } from '../../src/engine/load/model';
import { resolveFeatures } from '../../src/engine/resolve';
import type { Settings } from '../../src/engine/settings';
import { seededWeights } from '../helpers/models';
import { type LayerWeights, kerasJson, layerWeights, predict, randomInput, tempDir, writeKeras3, writeKerasH5, writeTfjs } from '../helpers/write-models';

type Json = Record<string, unknown>;

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5, what = 'output') {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what} ${i}: ${a[i]} vs ${b[i]}`);
}

/** Loading `file` fails with a one-line UserError naming the file and matching `pattern`. */
async function refused(file: string, pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await loadModel(file);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
  assert.ok(error.message.startsWith(`${file}: `), `names the file: ${error.message}`);
  assert.match(error.message, pattern);
}

function positiveVariances(model: tfl.LayersModel | tfl.layers.Layer) {
  for (const layer of (model as tfl.LayersModel).layers ?? [model]) {
    if ((layer as tfl.LayersModel).layers) positiveVariances(layer);
    else if (layer.getClassName() === 'BatchNormalization') {
      const [g, b, m, v] = layer.getWeights();
      layer.setWeights([g, b, m, tf.add(tf.abs(v), 0.5)]);
    }
  }
}

/**
 * tf.keras saves a nested model's weights trainable first (all its layers), then non-trainable
 * (batch-norm statistics); TF.js lists them layer by layer. Reorder them as Keras does.
 */
function kerasNestedOrder(weights: LayerWeights[]): LayerWeights[] {
  return weights.map((w) => ({ ...w, arrays: [...w.arrays.filter((a) => !/moving/.test(a.name)), ...w.arrays.filter((a) => /moving/.test(a.name))] }));
}

/** A Sequential tower (conv → batch norm → conv) inside a functional model whose own layer `outer` may reuse the name 'conv'. */
function nestedModel(outer: string) {
  const tower = tfl.sequential({
    name: 'tower',
    layers: [
      tfl.layers.conv1d({ inputShape: [30, 4], filters: 4, kernelSize: 5, activation: 'relu', name: 'conv' }),
      tfl.layers.batchNormalization({ name: 'bn' }),
      tfl.layers.conv1d({ filters: 3, kernelSize: 3, activation: 'relu', name: 'conv_b' }),
    ],
  });
  const input = tfl.input({ shape: [30, 4], name: 'dna' });
  const h = tower.apply(input) as tfl.SymbolicTensor;
  const c = tfl.layers.conv1d({ filters: 5, kernelSize: 3, activation: 'relu', name: outer }).apply(h) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalMaxPooling1d({ name: 'gpool' }).apply(c) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }).apply(pooled) as tfl.SymbolicTensor, name: 'nested' });
  seededWeights(model, 13);
  positiveVariances(model);
  return model;
}

/** Reverse complement of one-hot (A, C, G, T) rows: positions reversed, letters complemented (A↔T, C↔G). */
function reverseComplement(x: tf.Tensor): tf.Tensor {
  return tf.reverse(x, [1, 2]);
}

/**
 * The reverse-complement branch from supported layers only: Permute → Dense (anti-identity over
 * positions, no bias) → Permute → Dense (anti-identity over letters). Set after seeding.
 */
function rcBranch(input: tfl.SymbolicTensor, length: number): { out: tfl.SymbolicTensor; set: () => void } {
  const flipPositions = tfl.layers.dense({ units: length, useBias: false, name: 'flip_positions' });
  const flipLetters = tfl.layers.dense({ units: 4, useBias: false, name: 'flip_letters' });
  let t = tfl.layers.permute({ dims: [2, 1], name: 'to_letters_first' }).apply(input) as tfl.SymbolicTensor;
  t = flipPositions.apply(t) as tfl.SymbolicTensor;
  t = tfl.layers.permute({ dims: [2, 1], name: 'to_positions_first' }).apply(t) as tfl.SymbolicTensor;
  t = flipLetters.apply(t) as tfl.SymbolicTensor;
  const anti = (n: number) => tf.reverse(tf.eye(n), [1]);
  return { out: t, set: () => (flipPositions.setWeights([anti(length)]), flipLetters.setWeights([anti(4)])) };
}

/** input → shared Conv1D on x and on its reverse complement → Maximum → pool → Dense. */
function sharedConvModel() {
  const input = tfl.input({ shape: [20, 4], name: 'dna' });
  const rc = rcBranch(input, 20);
  const conv = tfl.layers.conv1d({ filters: 3, kernelSize: 5, activation: 'relu', name: 'conv' });
  const fwd = conv.apply(input) as tfl.SymbolicTensor;
  const rev = conv.apply(rc.out) as tfl.SymbolicTensor;
  const merged = tfl.layers.maximum({ name: 'merge' }).apply([fwd, rev]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.maxPooling1d({ poolSize: 4, name: 'pool' }).apply(merged) as tfl.SymbolicTensor;
  const flat = tfl.layers.flatten({ name: 'flat' }).apply(pooled) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }).apply(flat) as tfl.SymbolicTensor, name: 'rc_conv' });
  seededWeights(model, 31);
  rc.set();
  return model;
}

/** A Sequential tower applied to x and to its reverse complement, summed, pooled, scored. */
function sharedTowerModel() {
  const tower = tfl.sequential({
    name: 'tower',
    layers: [tfl.layers.conv1d({ inputShape: [16, 4], filters: 3, kernelSize: 4, activation: 'relu', name: 'conv' }), tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool' })],
  });
  const input = tfl.input({ shape: [16, 4], name: 'dna' });
  const rc = rcBranch(input, 16);
  const a = tower.apply(input) as tfl.SymbolicTensor;
  const b = tower.apply(rc.out) as tfl.SymbolicTensor;
  const sum = tfl.layers.add({ name: 'sum' }).apply([a, b]) as tfl.SymbolicTensor;
  const pooled = tfl.layers.globalMaxPooling1d({ name: 'gpool' }).apply(sum) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' }).apply(pooled) as tfl.SymbolicTensor, name: 'rc_tower' });
  seededWeights(model, 37);
  rc.set();
  return model;
}

/** Random one-hot DNA (n, L, 4), seeded. */
function oneHotDna(n: number, length: number, seed: number): tf.Tensor {
  let s = seed;
  const letters = Array.from({ length: n * length }, () => ((s = (s * 1103515245 + 12345) % 2147483648), s % 4));
  return tf.reshape(tf.cast(tf.oneHot(letters, 4), 'float32'), [n, length, 4]);
}

const h5 = (model: tfl.LayersModel, file: string, weights = layerWeights(model), architecture: Json = kerasJson(model)) => writeKerasH5(file, weights, { full: true, architecture });

describe('nested models and shared layers', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('a Sequential inside a functional model: inlined, predicts like TF.js’s nested model (Keras 2 .h5 with Keras’s weight order, .keras, model.json)', async () => {
    const dir = tempDir('nested-');
    for (const [format, outer] of [['h5', 'conv'], ['keras3', 'conv'], ['tfjs', 'conv_out']] as const) {
      const model = nestedModel(outer);
      const file =
        format === 'h5'
          ? await h5(model, path.join(dir, 'nested.h5'), kerasNestedOrder(layerWeights(model)))
          : format === 'keras3'
            ? await writeKeras3(model, path.join(dir, 'nested.keras'))
            : await writeTfjs(model, path.join(dir, 'tfjs'));
      const loaded = await loadModel(file);
      const names = loaded.model.layers.map((l) => l.name);
      for (const n of ['tower/conv', 'tower/bn', 'tower/conv_b', outer]) assert.ok(names.includes(n), `${format}: ${n} in ${names.join(', ')}`);
      assert.ok(!loaded.model.layers.some((l) => (l as unknown as { layers?: unknown }).layers), `${format}: no nested model left`);
      assert.ok(loaded.notes?.some((n) => n.includes("nested model 'tower' inlined")), `${format}: ${loaded.notes?.join('; ')}`);
      const x = randomInput(model, 4, 3);
      assertClose(predict(loaded.model, x), predict(model, x), 1e-5, format);
      loaded.model.dispose();
    }
  });

  it('a Sequential inside a Sequential model: inlined the same way (.h5, .keras, model.json)', async () => {
    const tower = tfl.sequential({
      name: 'tower',
      layers: [tfl.layers.conv1d({ inputShape: [20, 4], filters: 3, kernelSize: 5, activation: 'relu', name: 'conv' }), tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool' })],
    });
    const model = tfl.sequential({ name: 'outer', layers: [tower, tfl.layers.flatten({ name: 'flat' }), tfl.layers.dense({ units: 2, name: 'out' })] });
    seededWeights(model, 3);
    const dir = tempDir('nested-seq-');
    const x = randomInput(model, 3, 5);
    for (const file of [await h5(model, path.join(dir, 'm.h5')), await writeKeras3(model, path.join(dir, 'm.keras')), await writeTfjs(model, path.join(dir, 'tfjs'))]) {
      const loaded = await loadModel(file);
      assert.deepEqual(loaded.model.layers.slice(1).map((l) => l.name), ['tower/conv', 'tower/pool', 'flat', 'out'], file);
      assertClose(predict(loaded.model, x), predict(model, x), 1e-5, file);
      loaded.model.dispose();
    }
  });

  it('a shared Conv1D on x and its reverse complement: one copy per call (conv, conv_2), predicts like TF.js’s shared layer, reverse-complement invariant, resolve runs after the merge', async () => {
    const dir = tempDir('shared-');
    const model = sharedConvModel();
    const x = oneHotDna(5, 20, 7);
    // The model is reverse-complement invariant by construction: a check of the branch and of the copies.
    assertClose(predict(model, reverseComplement(x)), predict(model, x), 1e-5, 'original RC invariance');
    for (const file of [await h5(model, path.join(dir, 'rc.h5')), await writeTfjs(model, path.join(dir, 'tfjs'))]) {
      const loaded = await loadModel(file);
      const convs = loaded.model.layers.filter((l) => l.getClassName() === 'Conv1D');
      assert.deepEqual(convs.map((l) => l.name).sort(), ['conv', 'conv_2']);
      assert.ok(convs.every((l) => l.inboundNodes.length === 1));
      assertClose(convs[1].getWeights()[0].dataSync(), convs[0].getWeights()[0].dataSync(), 0, 'same kernel');
      assert.ok(loaded.notes?.some((n) => /layer 'conv' is shared \(called 2 times\): one copy per call with the same weights \('conv', 'conv_2'\)/.test(n)), loaded.notes?.join('; '));
      assertClose(predict(loaded.model, x), predict(model, x), 1e-5, file);
      assertClose(predict(loaded.model, reverseComplement(x)), predict(loaded.model, x), 1e-5, 'loaded RC invariance');
      const results = await resolveFeatures({ loaded, settings: { layer: 'pool', restarts: 2, seed: 4, backend: 'cpu', maxIter: 60 } });
      assert.equal(results.classes.length, 2);
      for (const c of results.classes) {
        assert.equal(c.ofiv.length, 3);
        assert.ok(c.ofiv.every(Number.isFinite));
      }
      loaded.model.dispose();
    }
  });

  it('a nested tower called twice (x and its reverse complement): tower/… and tower_2/…, same weights, predicts like TF.js (.h5, .keras, model.json)', async () => {
    const dir = tempDir('shared-tower-');
    const model = sharedTowerModel();
    const x = oneHotDna(4, 16, 11);
    assertClose(predict(model, reverseComplement(x)), predict(model, x), 1e-5, 'original RC invariance');
    for (const file of [await h5(model, path.join(dir, 'tower.h5')), await writeKeras3(model, path.join(dir, 'tower.keras')), await writeTfjs(model, path.join(dir, 'tfjs'))]) {
      const loaded = await loadModel(file);
      const names = loaded.model.layers.map((l) => l.name);
      for (const n of ['tower/conv', 'tower/pool', 'tower_2/conv', 'tower_2/pool']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      assertClose(loaded.model.getLayer('tower_2/conv').getWeights()[0].dataSync(), loaded.model.getLayer('tower/conv').getWeights()[0].dataSync(), 0, 'same kernel');
      assertClose(predict(loaded.model, x), predict(model, x), 1e-5, file);
      const results = await resolveFeatures({ loaded, settings: { layer: 'sum', restarts: 2, seed: 2, backend: 'cpu', maxIter: 60 } });
      assert.equal(results.classes.length, 1);
      assert.equal(results.classes[0].ofiv.length, 3);
      loaded.model.dispose();
    }
  });

  it('a copy’s name already in use moves to the next free one', async () => {
    const model = sharedConvModel();
    const json = kerasJson(model);
    const layers = (json.config as Json).layers as Json[];
    // Rename 'merge' to 'conv_2': the second call of 'conv' becomes 'conv_3'.
    for (const l of layers) {
      if (l.name === 'merge') Object.assign(l, { name: 'conv_2', config: { ...(l.config as Json), name: 'conv_2' } });
      l.inbound_nodes = (l.inbound_nodes as unknown[][][]).map((n) => n.map((r) => (r[0] === 'merge' ? ['conv_2', ...r.slice(1)] : r)));
    }
    const weights = layerWeights(model).map((w) => (w.layer === 'merge' ? { ...w, layer: 'conv_2' } : w));
    const loaded = await loadModel(await h5(model, path.join(tempDir('names-'), 'm.h5'), weights, json));
    assert.deepEqual(loaded.model.layers.filter((l) => l.getClassName() === 'Conv1D').map((l) => l.name).sort(), ['conv', 'conv_3']);
    assert.equal(loaded.model.getLayer('conv_2').getClassName(), 'Maximum');
    const x = oneHotDna(3, 20, 5);
    assertClose(predict(loaded.model, x), predict(model, x));
  });
});

/** dna indices (L,) → Embedding(vocabulary, 6) → Conv1D → GlobalMaxPool → Dense, as TF.js builds it (gathering rows). */
function embeddingModel(vocabulary: number) {
  const input = tfl.input({ shape: [15], dtype: 'int32', name: 'letters' });
  const e = tfl.layers.embedding({ inputDim: vocabulary, outputDim: 6, name: 'emb' }).apply(input) as tfl.SymbolicTensor;
  const c = tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(e) as tfl.SymbolicTensor;
  const p = tfl.layers.globalMaxPooling1d({ name: 'gpool' }).apply(c) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }).apply(p) as tfl.SymbolicTensor, name: 'emb_model' });
  seededWeights(model, 41);
  return model;
}

function indices(n: number, length: number, vocabulary: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n * length }, () => ((s = (s * 1103515245 + 12345) % 2147483648), s % vocabulary));
}

describe('an input Embedding is presented as one-hot input', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('vocabulary 4: the model takes one-hot DNA (L, 4) and predicts on one-hot rows what the Embedding gives their indices (.h5, .keras, model.json)', async () => {
    const model = embeddingModel(4);
    const dir = tempDir('embedding-');
    const idx = indices(6, 15, 4, 19);
    const expected = predict(model, tf.tensor2d(idx, [6, 15], 'int32'));
    const oneHot = tf.reshape(tf.cast(tf.oneHot(idx, 4), 'float32'), [6, 15, 4]);
    for (const file of [await h5(model, path.join(dir, 'emb.h5')), await writeKeras3(model, path.join(dir, 'emb.keras')), await writeTfjs(model, path.join(dir, 'tfjs'))]) {
      const loaded = await loadModel(file);
      assert.deepEqual(loaded.input, { shape: [15, 4], sequenceAxis: 0, alphabetAxis: 1, length: 15, oneHotDna: true }, file);
      assert.equal(loaded.model.getLayer('emb').getClassName(), 'OneHotEmbedding');
      assert.ok(loaded.notes?.some((n) => /layer 'emb' \(Embedding\) reads integer letter codes 0-3; the model takes them one-hot instead, \(15, 4\), index i as letter i of A, C, G, T/.test(n)), loaded.notes?.join('; '));
      assertClose(predict(loaded.model, oneHot), expected, 1e-5, file);
      // The rows themselves: one-hot row e_i gives row i of the embedding matrix.
      const table = model.getLayer('emb').getWeights()[0];
      const rows = loaded.model.getLayer('emb').apply(tf.reshape(tf.eye(4), [1, 4, 4])) as tf.Tensor;
      assertClose(rows.dataSync(), table.dataSync(), 0, 'embedding rows');
      const results = await resolveFeatures({ loaded, settings: { restarts: 2, seed: 1, backend: 'cpu', maxIter: 40 } });
      assert.equal(results.classes.length, 2);
      loaded.model.dispose();
    }
  });

  it('another vocabulary (5): loads and predicts on one-hot rows; the notes say it is not one-hot DNA', async () => {
    const model = embeddingModel(5);
    const idx = indices(4, 15, 5, 3);
    const loaded = await loadModel(await h5(model, path.join(tempDir('embedding5-'), 'emb.h5')));
    assert.equal(loaded.input?.oneHotDna, false);
    assert.deepEqual(loaded.input?.shape, [15, 5]);
    assert.ok(loaded.notes?.some((n) => /reads integer codes 0-4; the model takes them one-hot instead, \(15, 5\), which is not one-hot DNA/.test(n)), loaded.notes?.join('; '));
    assertClose(predict(loaded.model, tf.reshape(tf.cast(tf.oneHot(idx, 5), 'float32'), [4, 15, 5])), predict(model, tf.tensor2d(idx, [4, 15], 'int32')));
  });

  it('Keras 1 Sequential: Embedding(input_dim, output_dim, input_length) first, weights <layer>_W', async () => {
    const dir = tempDir('embedding-k1-');
    const table = Array.from({ length: 4 * 3 }, (_, i) => Math.cos(i));
    const dense = Array.from({ length: 8 * 3 }, (_, i) => Math.sin(i) / 3);
    const architecture = {
      class_name: 'Sequential',
      keras_version: '1.2.2',
      config: [
        { class_name: 'Embedding', config: { name: 'embedding_1', input_dim: 4, output_dim: 3, input_length: 8, batch_input_shape: [null, 8], mask_zero: false, dropout: 0.0, trainable: true } },
        { class_name: 'Flatten', config: { name: 'flatten_1', trainable: true } },
        { class_name: 'Dense', config: { name: 'dense_1', output_dim: 1, activation: 'linear', bias: true, input_dim: 24, trainable: true } },
      ],
    };
    const weights: LayerWeights[] = [
      { layer: 'embedding_1', arrays: [{ name: 'embedding_1_W', values: new Float32Array(table), shape: [4, 3] }] },
      { layer: 'flatten_1', arrays: [] },
      { layer: 'dense_1', arrays: [{ name: 'dense_1_W', values: new Float32Array(dense), shape: [24, 1] }, { name: 'dense_1_b', values: new Float32Array([0.5]), shape: [1] }] },
    ];
    await writeKerasH5(path.join(dir, 'm_weights.h5'), weights, { full: false, kerasVersion: '1.2.2', backend: '' });
    fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify(architecture));
    const loaded = await loadModel(path.join(dir, 'm.json'));
    assert.deepEqual(loaded.input?.shape, [8, 4]);
    const idx = [0, 3, 1, 2, 2, 0, 1, 3];
    // Keras 1: flatten(table[idx]) · W + b.
    const expected = 0.5 + idx.reduce((acc, letter, t) => acc + [0, 1, 2].reduce((a, k) => a + table[letter * 3 + k] * dense[t * 3 + k], 0), 0);
    assertClose(predict(loaded.model, tf.reshape(tf.cast(tf.oneHot(idx, 4), 'float32'), [1, 8, 4])), [expected]);
  });
});

describe('refused graphs', () => {
  before(async () => {
    await useBackend('cpu');
  });

  /** input (10, 4) → Dense(4) 'proj' → MultiHeadAttention 'mha' → Flatten → Dense: the Keras 2 JSON and weights. */
  async function attentionFile(edit: (mha: Json) => void): Promise<string> {
    const { MultiHeadAttention } = await import('../../src/engine/custom-layers/index');
    const input = tfl.input({ shape: [10, 4], name: 'x' });
    const proj = tfl.layers.dense({ units: 4, name: 'proj' }).apply(input) as tfl.SymbolicTensor;
    const att = new MultiHeadAttention({ numHeads: 1, keyDim: 2, name: 'mha' }).apply(proj) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 1, name: 'out' }).apply(tfl.layers.flatten({ name: 'flat' }).apply(att)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    seededWeights(model, 3);
    const json = kerasJson(model);
    edit(((json.config as Json).layers as Json[]).find((l) => l.name === 'mha')!);
    return h5(model, path.join(tempDir('mha-'), 'mha.h5'), layerWeights(model), json);
  }

  it('MultiHeadAttention: cross-attention, masks, causal masks and returned scores are refused; self-attention written as Keras does loads', async () => {
    const node = (mha: Json) => ((mha.inbound_nodes as unknown[][][])[0][0] as unknown[]);
    await refused(await attentionFile((m) => (node(m)[3] = { value: ['x', 0, 0] })), /layer 'mha' \(MultiHeadAttention\) attends from one tensor to another \(cross-attention\); only self-attention \(query = value = key, one tensor\) without masks is supported/);
    await refused(await attentionFile((m) => (node(m)[3] = { value: ['proj', 0, 0], attention_mask: ['x', 0, 0] })), /layer 'mha' \(MultiHeadAttention\) is given a mask \(attention_mask\)/);
    await refused(await attentionFile((m) => (node(m)[3] = { value: ['proj', 0, 0], use_causal_mask: true })), /layer 'mha' \(MultiHeadAttention\) uses a causal mask/);
    await refused(await attentionFile((m) => (node(m)[3] = { value: ['proj', 0, 0], return_attention_scores: true })), /returns its attention scores/);
    await refused(await attentionFile((m) => Object.assign(m.config as Json, { attention_axes: [2] })), /layer 'mha' \(MultiHeadAttention\) attends over axes \[2\]; only the steps axis/);
    const ok = await loadModel(await attentionFile((m) => (node(m)[3] = { value: ['proj', 0, 0], key: ['proj', 0, 0], attention_mask: null, use_causal_mask: false })));
    assert.equal(ok.model.getLayer('mha').getClassName(), 'MultiHeadAttention');
  });

  it('an Embedding that masks index 0 or does not read the model input is refused', async () => {
    const model = embeddingModel(4);
    const dir = tempDir('emb-refused-');
    const masked = kerasJson(model);
    Object.assign((((masked.config as Json).layers as Json[])[1].config as Json), { mask_zero: true });
    await refused(await h5(model, path.join(dir, 'masked.h5'), layerWeights(model), masked), /layer 'emb' \(Embedding\) masks index 0 \(mask_zero\), which is not supported/);
    const inner = tfl.input({ shape: [6, 4], name: 'x' });
    const e = tfl.layers.embedding({ inputDim: 4, outputDim: 2, name: 'late' }).apply(tfl.layers.flatten({ name: 'flat' }).apply(inner)) as tfl.SymbolicTensor;
    const late = tfl.model({ inputs: inner, outputs: tfl.layers.dense({ units: 1, name: 'out' }).apply(tfl.layers.flatten({ name: 'f2' }).apply(e)) as tfl.SymbolicTensor });
    await refused(await h5(late, path.join(dir, 'late.h5')), /layer 'late' \(Embedding\) does not read the model input; an Embedding is supported only on the model input/);
  });

  it('Lambda and custom layers inside a nested model are refused, naming the layer', async () => {
    const model = nestedModel('conv');
    const dir = tempDir('nested-refused-');
    const withInner = (layer: Json) => {
      const json = kerasJson(model);
      const tower = ((json.config as Json).layers as Json[]).find((l) => l.name === 'tower')!;
      ((tower.config as Json).layers as Json[]).splice(1, 0, layer);
      return json;
    };
    await refused(
      await h5(model, path.join(dir, 'lambda.h5'), layerWeights(model), withInner({ class_name: 'Lambda', config: { name: 'revcomp', function: ['4wEAAAAA', null, null], function_type: 'lambda' } })),
      /layer 'revcomp' is a Lambda layer, which holds Python code; refused, because loading a model never executes code from the file/,
    );
    await refused(
      await h5(model, path.join(dir, 'custom.h5'), layerWeights(model), withInner({ module: 'my_lib.layers', class_name: 'RevComp', config: { name: 'rc' }, registered_name: 'MyLib>RevComp' })),
      /layer 'rc' is a custom object \('MyLib>RevComp'\); refused/,
    );
  });

  it('UpSampling2D with bilinear interpolation is refused (TF.js resizes differently)', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.upSampling2d({ inputShape: [1, 4, 2], size: [1, 2], name: 'up' }), tfl.layers.flatten({ name: 'f' }), tfl.layers.dense({ units: 1, name: 'out' })] });
    const json = kerasJson(model);
    Object.assign((((json.config as Json).layers as Json[])[0].config as Json), { interpolation: 'bilinear' });
    await refused(await h5(model, path.join(tempDir('bilinear-'), 'up.h5'), layerWeights(model), json), /layer 'up' \(UpSampling2D\) uses interpolation 'bilinear'; only 'nearest' is supported/);
  });
});

describe('worker pool with custom layers in the head', () => {
  const tuning = { ...poolTuning };
  after(() => Object.assign(poolTuning, tuning));

  /** conv (analysed) → Cropping1D → SeparableConv1D → GlobalMaxPool → Dense(sigmoid), from a Keras 2 .h5. */
  async function customHead(): Promise<LoadedModel> {
    const input = tfl.input({ shape: [24, 4], name: 'dna' });
    let t = tfl.layers.conv1d({ filters: 4, kernelSize: 5, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
    t = new Cropping1D({ cropping: [2, 1], name: 'crop' }).apply(t) as tfl.SymbolicTensor;
    t = new SeparableConv1D({ filters: 3, kernelSize: 3, depthMultiplier: 2, dilationRate: 2, padding: 'same', activation: 'relu', name: 'sep' }).apply(t) as tfl.SymbolicTensor;
    t = tfl.layers.globalMaxPooling1d({ name: 'gpool' }).apply(t) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: tfl.layers.dense({ units: 3, activation: 'sigmoid', name: 'out' }).apply(t) as tfl.SymbolicTensor });
    seededWeights(model, 43);
    return loadModel(await h5(model, path.join(tempDir('pool-custom-'), 'model.h5')));
  }

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`${backend}: --workers 1 and 2 give the same results (the workers rebuild the custom layers from the model's JSON)`, async () => {
      await useBackend(backend);
      const loaded = await customHead();
      const settings: Partial<Settings> = { layer: 'conv', restarts: 4, seed: 8, backend, ascent: 'direct', maxIter: 80 };
      poolTuning.minSeconds = Infinity;
      const one = await resolveFeatures({ loaded, settings: { ...settings, workers: 1 } });
      poolTuning.minSeconds = 0;
      const started = ascentPoolWorkers.started;
      const two = await resolveFeatures({ loaded, settings: { ...settings, workers: 2 } });
      assert.equal(ascentPoolWorkers.started - started, 1, 'one worker ran beside this thread');
      assert.equal(ascentPoolWorkers.running, 0);
      assert.ok(!two.notes.some((n) => n.includes('one thread')), two.notes.join('; '));
      assert.deepEqual(two.classes, one.classes);
      assert.ok(one.classes.every((c) => c.ofiv.length === 4 && c.ofiv.some((v) => v !== 0)));
      loaded.model.dispose();
    });
  }
});
