/** TF.js Layers format: model.json plus binary weight shards, read from the file system. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors';
import { fmt, resolveInput } from './input-layout';
import type { LoadedModel } from './model';
import { type LoadOptions, checkMemory, validLength } from './options';

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export function isTfjsLayersJson(json: unknown): json is ModelJson {
  return typeof json === 'object' && json !== null && 'modelTopology' in json;
}

function readShards(dir: string, json: ModelJson, file: string): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const shardPath = path.resolve(dir, shard);
      if (!fs.existsSync(shardPath)) throw new UserError(`${file}: weight shard '${shard}' is missing`);
      buffers.push(fs.readFileSync(shardPath));
    }
  }
  const all = Buffer.concat(buffers);
  return { specs, data: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The layer list of a topology (Sequential or functional), unwrapping a Keras model_config. */
function topologyLayers(topology: unknown): Json[] {
  const t = isObj(topology) && isObj(topology.model_config) ? topology.model_config : topology;
  if (!isObj(t)) return [];
  const cfg = t.config;
  const layers = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : [];
  return layers.filter(isObj);
}

/**
 * Weights are loaded right after building, so initialisers only cost time; and some (Orthogonal)
 * need tfjs chained ops that are not registered here. Every initialiser becomes Zeros.
 */
function zeroInitializers(v: unknown): void {
  if (Array.isArray(v)) v.forEach(zeroInitializers);
  else if (isObj(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k.endsWith('_initializer') && isObj(x)) v[k] = { class_name: 'Zeros', config: {} };
      else zeroInitializers(x);
    }
  }
}

/** The declared input shapes (batch_input_shape entries), for the length fill and the input count. */
function inputShapeHolders(topology: unknown): Json[] {
  return topologyLayers(topology)
    .map((l) => (isObj(l.config) ? l.config : {}))
    .filter((c) => Array.isArray(c.batch_input_shape));
}

export async function loadTfjsLayers(file: string, json: ModelJson, options: LoadOptions = {}): Promise<LoadedModel> {
  const length = validLength(options);
  for (const l of topologyLayers(json.modelTopology)) {
    const name = isObj(l.config) ? String(l.config.name ?? '') : '';
    if (l.class_name === 'Lambda') {
      throw new UserError(`${file}: layer '${name}' is a Lambda layer, which holds Python code; refused, because loading a model never executes code from the file`);
    }
  }
  const parameters = (json.weightsManifest ?? []).flatMap((g) => g.weights).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  checkMemory(file, parameters, options);

  // An unspecified sequence length is fixed before building, so that every layer has a static shape.
  const topology = structuredClone(json.modelTopology);
  zeroInitializers(topology);
  const holders = inputShapeHolders(topology);
  let inputNotes: string[] | undefined;
  if (holders.length === 1) {
    const declared = (holders[0].batch_input_shape as (number | null)[]).slice(1);
    const resolved = resolveInput(declared, length);
    if (resolved.shape.includes(null)) throw new UserError(`${file}: input ${fmt(declared)} has more than one unspecified dimension; cannot choose a shape to analyse`);
    holders[0].batch_input_shape = [null, ...resolved.shape];
    inputNotes = resolved.notes;
  }
  const { specs, data } = readShards(path.dirname(file), json, file);
  const expected = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1), 0);
  if (!specs.some((s) => s.quantization) && data.byteLength < expected) {
    throw new UserError(`${file}: weight data is truncated (${data.byteLength} bytes, ${expected} expected)`);
  }
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: topology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData: data }),
    );
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const unknown = /Unknown layer: (\w+)/.exec(message);
    if (unknown) throw new UserError(`${file}: unsupported layer types: ${unknown[1]} (TF.js does not know it; custom layers are refused, because loading never executes code from the file)`);
    throw new UserError(`${file}: cannot load the TF.js model: ${message}`);
  }
  if (model.inputs.length !== 1) {
    const n = model.inputs.length;
    model.dispose();
    throw new UserError(`${file}: the model has ${n} inputs; models with more than one input are not supported yet`);
  }
  const resolved = resolveInput(model.inputs[0].shape.slice(1), length);
  return {
    model,
    name: path.basename(path.dirname(path.resolve(file))),
    path: file,
    format: 'tfjs-layers',
    input: resolved.layout,
    notes: inputNotes ?? resolved.notes,
  };
}
