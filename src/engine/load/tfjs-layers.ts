/** TF.js Layers format: model.json plus binary weight shards, read from the file system. */
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '../custom-layers/index'; // the custom layer classes a topology may name
import { buildOnPlainBackend } from '../backend';
import { UserError } from '../errors';
import { embeddingInput } from './embedding-input';
import { checkInputShape, fmt, resolveInput } from './input-layout';
import { allLayers, flatGraph, graphTopology } from './keras-graph';
import type { LoadedModel } from './model';
import { type LoadOptions, checkMemory, validLength } from './options';
import { checkFeatureMapSizes, checkSizesAgainstWeights } from './size-checks';
import { tfjsMessage } from './tfjs-message';
import { readManifest, readShards } from './tfjs-weights';

interface ModelJson {
  modelTopology?: unknown;
  /** Checked by readManifest before use: a corrupt file can hold anything here. */
  weightsManifest?: unknown;
}

export function isTfjsLayersJson(json: unknown): json is ModelJson {
  return typeof json === 'object' && json !== null && 'modelTopology' in json;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The model JSON of a topology, unwrapping a Keras model_config. */
function modelJson(topology: unknown): Json {
  const t = isObj(topology) && isObj(topology.model_config) ? topology.model_config : topology;
  return isObj(t) ? t : {};
}

/** The layer list of a topology (Sequential or functional). */
function topologyLayers(topology: unknown): Json[] {
  const cfg = modelJson(topology).config;
  const layers = Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : [];
  return layers.filter(isObj);
}

/** Fills an unspecified sequence length of the topology's input; the notes say what was done. */
function fillLength(topology: unknown, length: number | undefined, file: string, maxMemoryMB?: number): string[] | undefined {
  const holders = inputShapeHolders(topology);
  if (holders.length !== 1) return undefined;
  const declared = (holders[0].batch_input_shape as (number | null)[]).slice(1);
  checkInputShape(file, declared, maxMemoryMB);
  const resolved = resolveInput(declared, length);
  checkInputShape(file, resolved.shape, maxMemoryMB);
  if (resolved.shape.includes(null)) throw new UserError(`${file}: input ${fmt(declared)} has more than one unspecified dimension; cannot choose a shape to analyse`);
  holders[0].batch_input_shape = [null, ...resolved.shape];
  return resolved.notes;
}

/**
 * A model whose graph had to be rewritten (nested models inlined, shared layers copied, an input
 * Embedding made one-hot; keras-graph.ts): the file's model is loaded as TF.js reads it, the flat
 * one built from the rewritten topology, and each layer's weights copied from its origin.
 */
async function rebuilt(original: tfl.LayersModel, topology: tf.serialization.ConfigDict, origins: Map<string, string[]>): Promise<tfl.LayersModel> {
  const model = await tfl.models.modelFromJSON(topology as never);
  try {
    for (const layer of model.layers) {
      const origin = origins.get(layer.name);
      if (!origin || !layer.weights.length) continue;
      const source = origin.reduce<tfl.LayersModel | ReturnType<tfl.LayersModel['getLayer']>>((m, name) => (m as tfl.LayersModel).getLayer(name), original);
      layer.setWeights(source.getWeights());
    }
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
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
  for (const l of allLayers(modelJson(json.modelTopology))) {
    const name = isObj(l.config) ? String(l.config.name ?? '') : '';
    if (l.class_name === 'Lambda') {
      throw new UserError(`${file}: layer '${name}' is a Lambda layer, which holds Python code; refused, because loading a model never executes code from the file`);
    }
  }
  const manifest = readManifest(json.weightsManifest, file);
  checkMemory(file, manifest.parameters, options);

  const topology = structuredClone(json.modelTopology);
  zeroInitializers(topology);
  // Nested models, shared layers and an input Embedding need a rewritten graph (keras-graph.ts).
  const graph = flatGraph(modelJson(topology), file);
  const graphNotes = [...graph.notes, ...embeddingInput(graph, file)];
  const flat = graphNotes.length ? (graphTopology(graph) as tf.serialization.ConfigDict) : null;
  // An unspecified sequence length is fixed before building, so that every layer has a static shape.
  const inputNotes = fillLength(flat ?? topology, length, file, options.maxMemoryMB);
  if (flat) fillLength(topology, length, file, options.maxMemoryMB);
  checkSizesAgainstWeights(flat ?? topology, manifest.parameters, file);
  const data = readShards(path.dirname(file), manifest, file);
  const specs = manifest.specs;
  let model: tfl.LayersModel;
  const build = async () => {
    const loaded = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: topology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData: data }),
    );
    if (!flat) return loaded;
    try {
      return await rebuilt(loaded, flat, new Map(graph.layers.map((l) => [l.name, l.origin])));
    } finally {
      loaded.dispose();
    }
  };
  try {
    model = options.alone ? await buildOnPlainBackend(build) : await build();
  } catch (err) {
    if (err instanceof UserError) throw err;
    const message = tfjsMessage(err);
    const unknown = /Unknown layer: (\w+)/.exec(message);
    if (unknown) throw new UserError(`${file}: unsupported layer types: ${unknown[1]} (TF.js does not know it; custom layers are refused, because loading never executes code from the file)`);
    throw new UserError(`${file}: cannot load the TF.js model: ${message}`);
  }
  try {
    checkFeatureMapSizes(model, file, options.maxMemoryMB);
  } catch (err) {
    model.dispose();
    throw err;
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
    notes: [...graphNotes, ...(inputNotes ?? resolved.notes)],
  };
}
