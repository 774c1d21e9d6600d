/**
 * Keras weights in HDF5: finds each layer's arrays (Keras 1/2 layout with layer_names and
 * weight_names attributes, or Keras 3 layout layers/<class>/vars/<i>), converts them to TF.js's
 * layout following the layer's WeightPlan, checks shapes, and sets them on the built model.
 * A layer of an inlined nested model finds its arrays inside the nested model's group (by the
 * layer name in the weight names; Keras 3: the nested model's own layers/<class> groups); the
 * copies of a shared layer all read the arrays of the one layer in the file.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from '../errors';
import { checkFinite } from './finite';
import type { Arch, ArchLayer, WeightPlan } from './keras-arch';
import type { H5Dataset, H5Group, Hdf5 } from './hdf5';

export interface StoredArray {
  path: string;
  shape: number[];
  ds: H5Dataset;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const show = (shape: readonly (number | null)[]) => `[${shape.join(', ')}]`;

/** Does this HDF5 file hold Keras weights at all (either layout)? */
export function hasKerasWeights(h5: Hdf5): boolean {
  const group = h5.get('model_weights');
  const root = group && h5.isGroup(group) ? group : h5.root;
  if (h5.stringListAttr(root, 'layer_names') !== undefined) return true;
  return v3Container(h5) !== null;
}

function v3Container(h5: Hdf5): H5Group | null {
  for (const p of ['layers', '_layer_checkpoint_dependencies']) {
    const g = h5.get(p);
    if (g && h5.isGroup(g)) return g;
  }
  return null;
}

/** Datasets of a Keras 3 layer group: its vars in numeric order, then sub-layers (cells, wrapped layers). */
function v3Arrays(h5: Hdf5, group: H5Group): StoredArray[] {
  const out: StoredArray[] = [];
  const vars = h5.get('vars', group);
  if (vars && h5.isGroup(vars)) {
    for (const k of h5.keys(vars).sort((a, b) => Number(a) - Number(b))) {
      const ds = h5.get(k, vars);
      if (ds && h5.isDataset(ds)) out.push({ path: ds.path, shape: h5.shape(ds), ds });
    }
  }
  // Bidirectional keeps forward weights before backward ones, as TF.js does.
  const order = (k: string) => (k.startsWith('forward') ? 0 : k.startsWith('backward') ? 1 : 2);
  const subs = h5.keys(group).filter((k) => k !== 'vars').sort((a, b) => order(a) - order(b) || a.localeCompare(b));
  for (const k of subs) {
    const sub = h5.get(k, group);
    if (sub && h5.isGroup(sub)) out.push(...v3Arrays(h5, sub));
  }
  return out;
}

/** The layer-name part of a weight's name (Keras 2/3: 'conv/kernel:0' → ['conv']; Keras 1 'conv_W' → []). */
const ownerPath = (weightName: string) => weightName.split('/').slice(0, -1);

/**
 * The arrays of a nested model's group that belong to the inner layer `origin` (names from the
 * nested model down). Keras 2/3 name them '<…>/<layer>/<weight>', Keras 1 '<layer>_<weight>'; a
 * name matching several inner layers goes to the one whose path matches longest.
 */
function innerArrays(group: { name: string; array: StoredArray }[], origin: string[], inner: string[][], file: string, top: string): StoredArray[] {
  const layer = origin[origin.length - 1];
  const suffix = (path: string[], of: string[]) => {
    let n = 0;
    while (n < path.length && n < of.length && path[path.length - 1 - n] === of[of.length - 1 - n]) n++;
    return n;
  };
  return group
    .filter(({ name }) => {
      const path = ownerPath(name);
      if (path.length) {
        if (path[path.length - 1] !== layer) return false;
        // Several inner layers of that name (in different nested models): the longest match wins.
        const rivals = inner.filter((o) => o[o.length - 1] === layer);
        if (rivals.length < 2) return true;
        const mine = suffix(path, origin);
        const best = Math.max(...rivals.map((o) => suffix(path, o)));
        if (rivals.filter((o) => suffix(path, o) === best).length > 1) {
          throw new UserError(`${file}: cannot tell which layer of nested model '${top}' weight '${name}' belongs to`);
        }
        return mine === best;
      }
      const owner = inner.map((o) => o[o.length - 1]).filter((n) => name.startsWith(`${n}_`)).sort((a, b) => b.length - a.length)[0];
      return owner === layer;
    })
    .map(({ array }) => array);
}

/**
 * Maps each layer of the architecture to its arrays in the file. Refuses files whose weighted
 * layers are absent from the architecture (the wrong pair of files).
 */
export function readWeightIndex(h5: Hdf5, arch: Arch, file: string): Map<string, StoredArray[]> {
  const index = new Map<string, StoredArray[]>();
  const group = h5.get('model_weights');
  const root = group && h5.isGroup(group) ? group : h5.root;
  const layerNames = h5.stringListAttr(root, 'layer_names');
  if (layerNames !== undefined) {
    const known = new Set(arch.layers.flatMap((l) => l.origin));
    const groups = new Map<string, { name: string; array: StoredArray }[]>();
    for (const name of layerNames) {
      const g = h5.get(name, root);
      if (!g || !h5.isGroup(g)) throw new UserError(`${file}: layer '${name}' is listed but has no weight group (corrupt file?)`);
      const arrays: { name: string; array: StoredArray }[] = [];
      for (const wn of h5.stringListAttr(g, 'weight_names') ?? []) {
        const ds = h5.get(wn, g);
        if (!ds || !h5.isDataset(ds)) throw new UserError(`${file}: weight '${wn}' of layer '${name}' is missing (corrupt file?)`);
        arrays.push({ name: wn, array: { path: ds.path, shape: h5.shape(ds), ds } });
      }
      if (arrays.length && !known.has(name)) {
        throw new UserError(`${file}: the weights file holds layer '${name}', which the architecture lacks (weights and architecture do not match)`);
      }
      groups.set(name, arrays);
    }
    for (const layer of arch.layers) {
      const [top, ...rest] = layer.origin;
      if (!rest.length || !groups.has(top)) {
        // A layer of the outer model; or (Keras 1 Sequential) an inner layer saved under its own name.
        index.set(layer.name, (groups.get(rest.length ? layer.origin[layer.origin.length - 1] : top) ?? []).map((a) => a.array));
        continue;
      }
      // The distinct inner layers (the copies of a nested model called twice share their origins).
      const inner = [...new Map(arch.layers.filter((l) => l.origin[0] === top && l.origin.length > 1).map((l) => [l.origin.join('/'), l.origin])).values()];
      index.set(layer.name, innerArrays(groups.get(top)!, layer.origin, inner, file, top));
    }
    return index;
  }
  const container = v3Container(h5);
  if (!container) throw new UserError(`${file}: the HDF5 file holds no Keras weights`);
  // Nested models keep their layers' groups in their own container of the same name.
  const containerName = container.path.split('/').pop()!;
  for (const layer of arch.layers) {
    const g = h5.get(layer.v3.join(`/${containerName}/`), container);
    index.set(layer.name, g && h5.isGroup(g) ? v3Arrays(h5, g) : []);
  }
  return index;
}

/** Parameters stored in the file (a shared layer's arrays count once). */
export function parameterCount(index: Map<string, StoredArray[]>): number {
  const seen = new Map<string, number>();
  for (const arrays of index.values()) for (const a of arrays) seen.set(a.path, size(a.shape));
  return [...seen.values()].reduce((a, b) => a + b, 0);
}

/**
 * MultiHeadAttention's arrays in Keras's order (query, key, value, attention_output; kernel then
 * bias), found by the sub-layer named in each array's path: Keras 2 and legacy .h5 files name
 * them query/…, key/…, value/…, attention_output/…; Keras 3 archives keep them in groups
 * query_dense, key_dense, value_dense and output_dense, which sort in another order.
 */
function attentionOrder(arrays: StoredArray[], file: string, layer: string): StoredArray[] {
  const role = (a: StoredArray) => {
    const parts = a.path.split('/').reverse();
    for (const p of parts) {
      const m = /^_?(query|key|value|attention_output|output)(_dense)?$/.exec(p);
      if (m) return ['query', 'key', 'value'].indexOf(m[1]) >= 0 ? ['query', 'key', 'value'].indexOf(m[1]) : 3;
    }
    return -1;
  };
  if (arrays.some((a) => role(a) < 0)) throw new UserError(`${file}: layer '${layer}' (MultiHeadAttention) has weights this version cannot place (${arrays.map((a) => a.path).join(', ')})`);
  // Within a part, the kernel (rank 3) comes before the bias.
  return [...arrays].sort((a, b) => role(a) - role(b) || b.shape.length - a.shape.length);
}

/** Keras 1 recurrent weights (one W, U, b per gate) → TF.js's concatenated kernel, recurrent kernel, bias. */
function keras1Recurrent(cls: string | undefined, ts: tf.Tensor[]): tf.Tensor[] {
  // Keras 1 order: LSTM i, c, f, o; GRU z, r, h. TF.js order: LSTM i, f, c, o; GRU z, r, h.
  const gates = cls === 'LSTM' && ts.length === 12 ? [0, 2, 1, 3] : cls === 'GRU' && ts.length === 9 ? [0, 1, 2] : null;
  if (!gates) return ts;
  return [0, 1, 2].map((k) => tf.concat(gates.map((g) => ts[g * 3 + k]), -1));
}

/** Converts one layer's arrays from the file's layout to TF.js's, per its plan. */
function convert(plan: WeightPlan, ts: tf.Tensor[], expected: number[][], model: LayersModel, file: string, layer: string): tf.Tensor[] {
  if (plan.kind === 'recurrent') return keras1Recurrent(plan.recurrentClass, ts);
  if (plan.kind === 'bidirectional') {
    const half = ts.length / 2;
    return [...keras1Recurrent(plan.recurrentClass, ts.slice(0, half)), ...keras1Recurrent(plan.recurrentClass, ts.slice(half))];
  }
  if (!ts.length) return ts;
  let [kernel, ...rest] = ts;
  const target = expected[0];
  if (plan.kind === 'conv1d' && kernel.rank === 4) {
    const [k, cin, cout] = target;
    const s = kernel.shape;
    if (s[0] === k && s[1] === 1 && s[2] === cin && s[3] === cout) kernel = tf.reshape(kernel, [k, cin, cout]);
    else if (s[0] === cout && s[1] === cin && s[2] === k && s[3] === 1) kernel = tf.transpose(tf.reshape(kernel, [cout, cin, k]), [2, 1, 0]);
  }
  if (plan.kind === 'conv2d' && plan.theanoKernelLayout && kernel.rank === 4) kernel = tf.transpose(kernel, [2, 3, 1, 0]);
  if (plan.flip && (plan.kind === 'conv1d' || plan.kind === 'conv2d') && kernel.rank === target.length) {
    kernel = tf.reverse(kernel, plan.kind === 'conv1d' ? [0] : [0, 1]);
  }
  if (plan.rowsFromChannelsFirstFlatten && kernel.rank === 2) {
    const shape = flattenInput(model, plan.rowsFromChannelsFirstFlatten);
    const channels = shape[shape.length - 1];
    const spatial = size(shape.slice(0, -1));
    if (channels > 1 && spatial > 1 && kernel.shape[0] === channels * spatial) {
      // Row s·C + c of the channels-last flatten is row c·S + s of the channels-first one.
      const order = Array.from({ length: channels * spatial }, (_, i) => (i % channels) * spatial + Math.floor(i / channels));
      kernel = tf.gather(kernel, order, 0);
    }
  }
  if (plan.needsTrivialFlatten) {
    const shape = flattenInput(model, plan.needsTrivialFlatten);
    if (shape[shape.length - 1] > 1 && size(shape.slice(0, -1)) > 1) {
      throw new UserError(`${file}: layer '${layer}' follows a channels-first Flatten and cannot be converted to channels-last`);
    }
  }
  return [kernel, ...rest];
}

function flattenInput(model: LayersModel, name: string): number[] {
  const input = model.getLayer(name).input;
  const shape = (Array.isArray(input) ? input[0] : input).shape;
  return shape.slice(1).map((d) => d ?? 1);
}

/** Reads, converts, checks and sets the weights of every layer. */
export async function assignWeights(h5: Hdf5, index: Map<string, StoredArray[]>, arch: Arch, model: LayersModel, file: string): Promise<void> {
  for (const layer of arch.layers) {
    if (layer.className === 'InputLayer') continue; // no weights; absent from TF.js Sequential models
    const tfLayer = model.getLayer(layer.name);
    const expected = tfLayer.weights.map((w) => w.shape as number[]);
    const stored = index.get(layer.name) ?? [];
    if (!expected.length && !stored.length) continue;
    if (!stored.length) throw new UserError(`${file}: layer '${layer.name}' has no weights in the weights file (weights and architecture do not match)`);
    const arrays = layer.plan.kind === 'attention' ? attentionOrder(stored, file, layer.name) : stored;
    const values = await h5.read(arrays.map((a) => a.ds));
    values.forEach((v, i) => checkFinite(v, file, layer.name, arrays[i].path));
    assignLayer(layer, arrays, values, expected, model, file);
  }
}

function assignLayer(layer: ArchLayer, arrays: StoredArray[], values: Float32Array[], expected: number[][], model: LayersModel, file: string): void {
  const converted = tf.tidy(() => {
    const raw = arrays.map((a, i) => tf.tensor(values[i], a.shape, 'float32'));
    return convert(layer.plan, raw, expected, model, file, layer.name);
  });
  try {
    if (converted.length !== expected.length) {
      throw new UserError(
        `${file}: weights do not match the architecture: layer '${layer.name}' expects ${expected.length} arrays (${expected.map(show).join(', ')}), the file holds ${arrays.length} (${arrays.map((a) => show(a.shape)).join(', ')})`,
      );
    }
    converted.forEach((t, i) => {
      if (t.shape.length !== expected[i].length || t.shape.some((d, j) => d !== expected[i][j])) {
        throw new UserError(
          `${file}: weights do not match the architecture: layer '${layer.name}' weight ${i + 1} (${arrays[i]?.path ?? '?'}) has shape ${show(arrays[i]?.shape ?? t.shape)} in the file, the architecture expects ${show(expected[i])}`,
        );
      }
    });
    model.getLayer(layer.name).setWeights(converted);
  } finally {
    tf.dispose(converted);
  }
}
