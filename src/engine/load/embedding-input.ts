/**
 * A model whose input is a sequence of integer letter codes read by an Embedding: the Embedding
 * becomes a OneHotEmbedding (src/engine/custom-layers/one-hot-embedding.ts) and the input the one-hot
 * coding of those indices, (L, input_dim). For one-hot rows the outputs are exactly Keras's; the
 * model can then be analysed like any one-hot DNA model when input_dim is 4 (index i is taken as
 * letter i of A, C, G, T, and a note says so). Other vocabularies load and predict on one-hot
 * rows of their input_dim indices, which input-layout.ts reports as not one-hot DNA.
 */
import { UserError } from '../errors';
import { fmt } from './input-layout';
import { type Dim, type Graph, type Json, isObj } from './keras-graph';

/** Rewrites an input-side Embedding of `graph` in place; returns the notes (none without an Embedding). */
export function embeddingInput(graph: Graph, file: string): string[] {
  const embeddings = graph.layers.filter((l) => l.className === 'Embedding');
  if (!embeddings.length) return [];
  const refuse = (msg: string): never => {
    throw new UserError(`${file}: ${msg}`);
  };
  const e = embeddings[0];
  const where = `layer '${e.name}' (Embedding)`;
  const inputLayer = graph.layers.find((l) => l.className === 'InputLayer');
  if (graph.kind === 'sequential') {
    if (graph.layers.find((l) => l.className !== 'InputLayer') !== e) refuse(`${where} is not the model's first layer; an Embedding is supported only on the model input`);
  } else {
    const input = graph.inputLayers[0]?.[0];
    const node = e.inbound[0] ?? [];
    if (embeddings.length > 1 || node.length !== 1 || node[0][0] !== input) refuse(`${where} does not read the model input; an Embedding is supported only on the model input`);
    const readers = graph.layers.filter((l) => l.inbound.some((n) => n.some((r) => r[0] === input)));
    if (readers.length > 1) refuse(`the model input '${input}' feeds ${readers.map((l) => `'${l.name}'`).join(', ')}; an Embedding input must feed the Embedding only`);
  }
  const cfg = isObj(e.raw.config) ? e.raw.config : {};
  if (cfg.mask_zero === true) refuse(`${where} masks index 0 (mask_zero), which is not supported`);
  const vocabulary = Number(cfg.input_dim);
  const width = Number(cfg.output_dim);
  if (!(vocabulary > 0) || !(width > 0)) refuse(`${where} lacks input_dim or output_dim`);

  // The integer input's declared shape sits on the input layer, or on the Embedding itself in a Sequential model.
  const holder: Json = inputLayer && isObj(inputLayer.raw.config) ? inputLayer.raw.config : cfg;
  const batch = holder.batch_input_shape ?? holder.batch_shape;
  const declared: Dim[] = Array.isArray(batch) ? (batch.slice(1) as Dim[]) : Array.isArray(holder.input_shape) ? (holder.input_shape as Dim[]) : [(holder.input_length as Dim) ?? null];
  if (declared.length !== 1) refuse(`${where} reads integer input of shape ${fmt(declared)}; only a sequence of indices (L,) is supported`);
  const shape = [declared[0], vocabulary];
  const oneHot: Json = { ...holder, batch_input_shape: [null, ...shape], dtype: 'float32' };
  delete oneHot.batch_shape;
  delete oneHot.input_shape;
  const config: Json = { name: e.name, trainable: cfg.trainable !== false, input_dim: vocabulary, output_dim: width };
  if (holder === cfg) Object.assign(config, { batch_input_shape: oneHot.batch_input_shape, dtype: 'float32' });
  else inputLayer!.raw = { ...inputLayer!.raw, config: oneHot };
  e.raw = { ...e.raw, class_name: 'OneHotEmbedding', config };
  e.className = 'OneHotEmbedding';
  const length = declared[0] ?? 'L';
  return [
    vocabulary === 4
      ? `${where} reads integer letter codes 0-3; the model takes them one-hot instead, (${length}, 4), index i as letter i of A, C, G, T (if it was trained with another code, the letters of sequence views are permuted accordingly)`
      : `${where} reads integer codes 0-${vocabulary - 1}; the model takes them one-hot instead, (${length}, ${vocabulary}), which is not one-hot DNA`,
  ];
}
