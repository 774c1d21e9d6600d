/**
 * Writes TF.js models built in the tests to disk in each format the loaders read: TF.js model.json
 * + weights.bin, Keras 2 HDF5 (full model or weights only), Keras 1 HDF5 (Theano channels-first),
 * and Keras 3 .keras archives. HDF5 is written with h5wasm following Keras's own layout.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { zipSync } from 'fflate';
import type * as H5 from 'h5wasm/node';

type Json = Record<string, unknown>;
type H5Group = InstanceType<typeof H5.default.Group>;

export function tempDir(prefix = 'load-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function h5wasm(): Promise<typeof H5.default> {
  const mod = (await import('h5wasm/node')).default;
  await mod.ready;
  return mod;
}

/** Seeded uniform(-1, 1) values. */
export function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
}

/** Random inputs of the model's input shape (batch n), seeded. */
export function randomInput(model: tfl.LayersModel, n = 5, seed = 11): tf.Tensor {
  const shape = [n, ...(model.inputs[0].shape.slice(1) as number[])];
  const next = seeded(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next), shape);
}

export function predict(model: tfl.LayersModel, x: tf.Tensor): Float32Array {
  return (model.predict(x) as tf.Tensor).dataSync() as Float32Array;
}

/** The model's Keras-2-style JSON, as Keras 2 writes it in model_config / to_json(). */
export function kerasJson(model: tfl.LayersModel): Json {
  const json = model.toJSON(null, false) as Json;
  return { ...json, keras_version: '2.4.0', backend: 'tensorflow' };
}

/** TF.js Layers format through tf.io: model.json + weights.bin in `dir`. */
export async function writeTfjs(model: tfl.LayersModel, dir: string, edit?: (topology: Json) => void): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const topology = artifacts.modelTopology as Json;
      edit?.(topology);
      const data = artifacts.weightData as ArrayBuffer;
      fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.from(data));
      const manifest = [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }];
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: manifest, format: 'layers-model' }));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return path.join(dir, 'model.json');
}

function fixedStrings(g: H5Group, name: string, values: string[]): void {
  if (!values.length) return; // Keras writes an empty array; the loaders treat a missing list the same.
  const len = Math.max(...values.map((v) => Buffer.byteLength(v)), 1);
  g.create_attribute(name, values, [values.length], `S${len}`);
}

function dataset(g: H5Group, name: string, values: Float32Array, shape: number[]): void {
  g.create_dataset({ name, data: values, shape, dtype: '<f' });
}

export interface LayerWeights {
  layer: string;
  /** [weight name as Keras writes it (e.g. 'conv/kernel:0'), values, shape] */
  arrays: { name: string; values: Float32Array; shape: number[] }[];
}

/** The model's weights per layer, named as Keras 2 names them. */
export function layerWeights(model: tfl.LayersModel): LayerWeights[] {
  return model.layers.map((layer) => ({
    layer: layer.name,
    arrays: layer.weights.map((w) => ({ name: `${w.originalName}:0`, values: w.read().dataSync() as Float32Array, shape: w.shape as number[] })),
  }));
}

/** Keras 1/2 weight layout: layer_names on `root`, one group per layer with weight_names. */
function writeLegacyWeights(root: H5Group, weights: LayerWeights[]): void {
  fixedStrings(root, 'layer_names', weights.map((w) => w.layer));
  for (const { layer, arrays } of weights) {
    const g = root.create_group(layer);
    fixedStrings(g, 'weight_names', arrays.map((a) => a.name));
    for (const a of arrays) {
      const parts = a.name.split('/');
      let at: H5Group = g;
      for (const part of parts.slice(0, -1)) at = (at.get(part) as H5Group | null) ?? at.create_group(part);
      dataset(at, parts[parts.length - 1], a.values, a.shape);
    }
  }
}

/**
 * Keras HDF5. `full`: model_config + model_weights (model.save); otherwise weights only
 * (model.save_weights). `architecture` defaults to the model's Keras 2 JSON.
 */
export async function writeKerasH5(
  file: string,
  weights: LayerWeights[],
  options: { full: boolean; architecture?: Json; kerasVersion?: string; backend?: string },
): Promise<string> {
  const h5 = await h5wasm();
  const f = new h5.File(file, 'w');
  try {
    f.create_attribute('keras_version', options.kerasVersion ?? '2.4.0');
    if (options.backend !== '') f.create_attribute('backend', options.backend ?? 'tensorflow');
    if (options.full) {
      f.create_attribute('model_config', JSON.stringify(options.architecture));
      writeLegacyWeights(f.create_group('model_weights'), weights);
    } else {
      writeLegacyWeights(f, weights);
    }
  } finally {
    f.close();
  }
  return file;
}

/** An arbitrary HDF5 file without any Keras content. */
export async function writePlainH5(file: string): Promise<string> {
  const h5 = await h5wasm();
  const f = new h5.File(file, 'w');
  f.create_group('data').create_dataset({ name: 'x', data: new Float32Array([1, 2, 3]), shape: [3], dtype: '<f' });
  f.close();
  return file;
}

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

/** A layer config in Keras 3's serialisation (module, registered_name, dtype policy). */
function keras3Layer(l: Json): Json {
  const config: Json = { ...(l.config as Json), dtype: policy };
  delete config.batch_input_shape;
  return { module: 'keras.layers', class_name: l.class_name, config, registered_name: null };
}

/** Keras 3 weight-group name: the class name in snake case, numbered per class. */
function snake(name: string): string {
  return name.replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

const MODELS = new Set(['Sequential', 'Model', 'Functional']);

/** A model's JSON (TF.js's Keras 2 form) in Keras 3's form; nested models converted the same way. */
function keras3Model(json: Json): Json {
  const cfg = json.config as Json;
  const layers = cfg.layers as Json[];
  const convert = (l: Json): Json => (MODELS.has(String(l.class_name)) ? keras3Model(l) : keras3Layer(l));
  if (json.class_name === 'Sequential') {
    // The input shape is on the first layer, or on a nested model's first layer.
    const batchShape = (l: Json): unknown => (l.config as Json).batch_input_shape ?? (MODELS.has(String(l.class_name)) ? batchShape(((l.config as Json).layers as Json[])[0]) : undefined);
    const input = { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: batchShape(layers[0]), dtype: 'float32', sparse: false, name: 'input_layer' }, registered_name: null };
    return { module: 'keras', class_name: 'Sequential', config: { name: cfg.name, trainable: true, dtype: policy, layers: [input, ...layers.map(convert)] }, registered_name: null };
  }
  const k3Layers = layers.map((l) => {
    const base =
      l.class_name === 'InputLayer'
        ? { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: (l.config as Json).batch_input_shape, dtype: 'float32', sparse: false, name: l.name }, registered_name: null }
        : convert(l);
    const nodes = (l.inbound_nodes as unknown[][][]).map((node) => {
      const tensors = node.map((ref) => ({ class_name: '__keras_tensor__', config: { shape: null, dtype: 'float32', keras_history: [ref[0], ref[1], ref[2]] } }));
      return { args: [tensors.length === 1 ? tensors[0] : tensors], kwargs: {} };
    });
    return { ...base, name: l.name, inbound_nodes: nodes };
  });
  const refs = (v: unknown) => v as unknown[][];
  return {
    module: 'keras',
    class_name: 'Functional',
    config: { name: cfg.name, trainable: true, layers: k3Layers, input_layers: refs(cfg.input_layers)[0], output_layers: refs(cfg.output_layers)[0] },
    registered_name: 'Functional',
  };
}

/**
 * Keras 3's weight groups for `layers` under `container`: <class>[_n]/vars/<i>; a nested model's
 * layers in its own layers/ group; MultiHeadAttention's projections in sub-layer groups
 * query_dense, key_dense, value_dense and output_dense (vars 0 kernel, 1 bias), as Keras 3 saves them.
 */
function writeKeras3Weights(container: H5Group, layers: tfl.LayersModel['layers']): void {
  const used = new Map<string, number>();
  for (const layer of layers) {
    const cls = layer.getClassName();
    const base = snake(cls);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    const g = container.create_group(n === undefined ? base : `${base}_${n + 1}`);
    const nested = (layer as unknown as { layers?: tfl.LayersModel['layers'] }).layers;
    if (MODELS.has(cls) && nested) {
      g.create_group('vars');
      writeKeras3Weights(g.create_group('layers'), nested);
      continue;
    }
    if (cls === 'MultiHeadAttention') {
      g.create_group('vars');
      const groups = new Map<string, H5Group>();
      for (const w of layer.weights) {
        const [part, kind] = w.originalName.split('/').slice(-2);
        const name = part === 'attention_output' ? 'output_dense' : `${part}_dense`;
        const sub = groups.get(name) ?? g.create_group(name).create_group('vars');
        groups.set(name, sub);
        dataset(sub, kind === 'kernel' ? '0' : '1', w.read().dataSync() as Float32Array, w.shape as number[]);
      }
      continue;
    }
    const vars = g.create_group('vars');
    layer.weights.forEach((w, i) => dataset(vars, String(i), w.read().dataSync() as Float32Array, w.shape as number[]));
  }
}

/**
 * Keras 3 `.keras` archive from a TF.js model: config.json in Keras 3's form (Sequential with an
 * InputLayer carrying batch_shape, or functional with __keras_tensor__ inbound nodes; nested models
 * alike), metadata.json, and model.weights.h5 with layers/<class>/vars/<i>. `edit` may change the
 * config first (e.g. to write a layer's arguments as Keras names them).
 */
export async function writeKeras3(model: tfl.LayersModel, file: string, edit?: (config: Json) => void): Promise<string> {
  const config = keras3Model(model.toJSON(null, false) as Json);
  edit?.(config);
  const dir = tempDir('keras3-');
  const weightsPath = path.join(dir, 'model.weights.h5');
  const h5 = await h5wasm();
  const f = new h5.File(weightsPath, 'w');
  try {
    writeKeras3Weights(f.create_group('layers'), model.layers);
  } finally {
    f.close();
  }
  const metadata = { keras_version: '3.6.0', date_saved: '2025-01-01@00:00:00' };
  const zip = zipSync({
    'metadata.json': Buffer.from(JSON.stringify(metadata)),
    'config.json': Buffer.from(JSON.stringify(config)),
    'model.weights.h5': new Uint8Array(fs.readFileSync(weightsPath)),
  });
  fs.rmSync(dir, { recursive: true, force: true });
  fs.writeFileSync(file, zip);
  return file;
}

/**
 * Keras 1.2 + Theano form of a channels-last TF.js Sequential model made of Conv2D, MaxPooling2D,
 * Flatten, Dense, Dropout and Activation layers: the architecture with Keras 1 names and
 * dim_ordering 'th' (input (C, H, W)), kernels stored (filters, in, rows, cols) and flipped (Theano
 * convolves), Dense rows after Flatten in channels-first order. Loading it back must reproduce
 * the TF.js model exactly.
 */
export function keras1Theano(model: tfl.LayersModel): { architecture: Json; weights: LayerWeights[] } {
  const layers: Json[] = [];
  const weights: LayerWeights[] = [];
  let flattenShape: number[] | undefined;
  for (const layer of model.layers) {
    const c = layer.getConfig() as Record<string, unknown>;
    const cls = layer.getClassName();
    const w = layer.getWeights();
    const inShape = (layer.input as unknown as { shape: number[] }).shape.slice(1);
    if (cls === 'Conv2D') {
      const ks = c.kernelSize as number[];
      const cfg: Json = {
        name: layer.name, nb_filter: c.filters, nb_row: ks[0], nb_col: ks[1], border_mode: c.padding, subsample: c.strides,
        dim_ordering: 'th', activation: c.activation, bias: true, init: 'glorot_uniform', W_constraint: { m: 3, name: 'MaxNorm', axis: 0 }, trainable: true,
      };
      if (!layers.length) cfg.batch_input_shape = [null, inShape[2], inShape[0], inShape[1]];
      layers.push({ class_name: 'Convolution2D', config: cfg });
      const W = tf.reverse(tf.transpose(w[0], [3, 2, 0, 1]), [2, 3]);
      weights.push({ layer: layer.name, arrays: [
        { name: `${layer.name}_W`, values: W.dataSync() as Float32Array, shape: W.shape },
        { name: `${layer.name}_b`, values: w[1].dataSync() as Float32Array, shape: w[1].shape },
      ] });
      continue;
    }
    if (cls === 'MaxPooling2D') {
      layers.push({ class_name: 'MaxPooling2D', config: { name: layer.name, pool_size: c.poolSize, strides: c.strides, border_mode: c.padding, dim_ordering: 'th', trainable: true } });
    } else if (cls === 'Flatten') {
      flattenShape = inShape;
      layers.push({ class_name: 'Flatten', config: { name: layer.name, trainable: true } });
    } else if (cls === 'Dense') {
      let W = w[0];
      if (flattenShape) {
        // Channels-first row c·S + s holds channels-last row s·C + c.
        const C = flattenShape[flattenShape.length - 1];
        const S = flattenShape.slice(0, -1).reduce((a, b) => a * b, 1);
        W = tf.gather(W, Array.from({ length: C * S }, (_, i) => (i % S) * C + Math.floor(i / S)), 0);
        flattenShape = undefined;
      }
      layers.push({ class_name: 'Dense', config: { name: layer.name, output_dim: c.units, activation: c.activation, bias: true, input_dim: W.shape[0], W_constraint: null, trainable: true } });
      weights.push({ layer: layer.name, arrays: [
        { name: `${layer.name}_W`, values: W.dataSync() as Float32Array, shape: W.shape },
        { name: `${layer.name}_b`, values: w[1].dataSync() as Float32Array, shape: w[1].shape },
      ] });
      continue;
    } else if (cls === 'Dropout') {
      layers.push({ class_name: 'Dropout', config: { name: layer.name, p: c.rate, trainable: true } });
    } else if (cls === 'Activation') {
      layers.push({ class_name: 'Activation', config: { name: layer.name, activation: c.activation, trainable: true } });
    } else {
      throw new Error(`keras1Theano: no Keras 1 form for ${cls}`);
    }
    weights.push({ layer: layer.name, arrays: [] });
  }
  return { architecture: { class_name: 'Sequential', keras_version: '1.2.0', config: layers }, weights };
}
