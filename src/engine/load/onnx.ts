/**
 * ONNX models (`.onnx`, as written by torch.onnx.export or tf2onnx) → a TF.js LayersModel held
 * channels-last, so the engine sees what it sees for a Keras model: Conv1D, Dense, … layers where
 * an ONNX node means one, OnnxOp layers (tfjs-core ops) for the rest. The file is data: its
 * protobuf is decoded by a maintained library, each node is looked up in a fixed table of
 * lowerings, and nothing in it is executed as code. What cannot be run is refused up front, in
 * one line naming each unsupported op type and the nodes that use it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { UserError, oneLine } from '../errors';
import { fmt, resolveInput } from './input-layout';
import type { LoadedModel, OutputInfo } from './model';
import { Context, isConst, type DataVal, type Val } from './onnx/context';
import { channelsLast, invert, isIdentity, type Perm } from './onnx/layout';
import { LOWERINGS } from './onnx/lowerings';
import { attributes, decodeModel, num, tensorData, valueShape, type Node } from './onnx/proto';
import { type LoadOptions, checkMemory, validLength } from './options';

export const SUPPORTED_OPSETS = { min: 7, max: 21, tested: [11, 18] as const };
const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan', 'SequenceMap']);

/** ONNX files have no signature: the extension decides, and the decoder confirms. */
export const isOnnxName = (file: string) => /\.onnx$/i.test(file);

function refuseUnsupported(file: string, nodes: Node[]) {
  const byType = new Map<string, string[]>();
  const custom: string[] = [];
  const flow: string[] = [];
  for (const n of nodes) {
    const label = `'${n.name || n.output?.[0]}'`;
    if (n.domain && n.domain !== 'ai.onnx') custom.push(`${label} (${n.domain}::${n.opType})`);
    else if (CONTROL_FLOW.has(n.opType ?? '')) flow.push(`${label} (${n.opType})`);
    else if (!Object.prototype.hasOwnProperty.call(LOWERINGS, n.opType ?? '')) byType.set(n.opType ?? '?', [...(byType.get(n.opType ?? '?') ?? []), label]);
  }
  if (custom.length) throw new UserError(`${file}: nodes of custom operator domains cannot be run: ${custom.slice(0, 5).join(', ')}${custom.length > 5 ? ', …' : ''} (only the standard ONNX domain is supported)`);
  if (flow.length) throw new UserError(`${file}: control flow is not supported: ${flow.slice(0, 5).join(', ')}${flow.length > 5 ? ', …' : ''}`);
  if (byType.size) {
    const list = [...byType].map(([t, ns]) => `${t} (${ns.slice(0, 3).join(', ')}${ns.length > 3 ? `, … ${ns.length} nodes` : ''})`);
    throw new UserError(`${file}: unsupported ONNX op${byType.size > 1 ? 's' : ''}: ${list.join('; ')} — see docs/formats.md for the supported set`);
  }
}

/** Held layout of the input: one-hot DNA channels-first is held channels-last. */
function inputPerm(shape: (number | null)[]): Perm {
  const s = shape.slice(1);
  if (s.length === 2 && s[0] === 4 && s[1] !== 4) return [0, 2, 1]; // (N, 4, L)
  if (s.length === 3 && s[0] === 4 && s[1] === 1) return channelsLast(4); // (N, 4, 1, L)
  return null;
}

export async function loadOnnx(file: string, bytes: Uint8Array, options: LoadOptions = {}): Promise<LoadedModel> {
  const length = validLength(options);
  const proto = decodeModel(file, bytes);
  const graph = proto.graph!;
  const opsetEntry = (proto.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const opset = opsetEntry ? num(opsetEntry.version) : 0;
  if (opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new UserError(`${file}: ONNX opset ${opset || 'missing'} is not supported (opsets ${SUPPORTED_OPSETS.min}–${SUPPORTED_OPSETS.max}; ${SUPPORTED_OPSETS.tested[0]}–${SUPPORTED_OPSETS.tested[1]} tested)`);
  }
  const nodes = graph.node ?? [];
  refuseUnsupported(file, nodes);

  const initNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  const inputs = (graph.input ?? []).filter((i) => !initNames.has(i.name ?? ''));
  if (inputs.length !== 1) {
    throw new UserError(`${file}: the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); models with one input (the sequence) are supported`);
  }
  const params = (graph.initializer ?? []).reduce((n, t) => n + (t.dims ?? []).map(num).reduce((a, b) => a * b, 1), 0);
  checkMemory(file, params, options);

  const input = inputs[0];
  const declared = valueShape(input);
  if (!declared || declared.length < 2) throw new UserError(`${file}: input '${input.name}' has no usable shape (${declared ? fmt(declared) : 'none'}); a batch axis and the sequence axes are needed`);
  const perm = inputPerm(declared);
  const heldDeclared = (perm ? perm.map((a) => declared[a]) : declared).slice(1);
  const resolved = resolveInput(heldDeclared, length);
  if (resolved.shape.some((d) => d === null)) throw new UserError(`${file}: input ${fmt(declared.slice(1))} has more than one unspecified dimension; cannot choose a shape to analyse`);

  const ctx = new Context(file, opset);
  for (const n of nodes) for (const i of n.input ?? []) if (i) ctx.readers.set(i, (ctx.readers.get(i) ?? 0) + 1);
  for (const o of graph.output ?? []) ctx.readers.set(o.name ?? '', (ctx.readers.get(o.name ?? '') ?? 0) + 1);

  tf.engine().startScope();
  let model: tfl.LayersModel;
  const outputs: OutputInfo[] = [];
  try {
    for (const t of graph.initializer ?? []) {
      const d = tensorData(t, file);
      ctx.values.set(t.name ?? '', { kind: 'const', t: tf.tensor(d.dtype === 'bool' ? Array.from(d.values, Boolean) : d.values, d.shape, d.dtype) });
    }
    const x = tfl.input({ shape: resolved.shape as number[], name: ctx.layerName({ name: input.name ?? 'input', opType: 'Input' }) });
    ctx.values.set(input.name ?? '', { kind: 'data', t: x, perm, flat: null });

    for (const node of nodes) {
      const ins = (node.input ?? []).map((name) => {
        if (!name) return undefined;
        const v = ctx.values.get(name);
        if (!v) throw new UserError(`${file}: node '${node.name || node.output?.[0]}' reads '${name}', which no earlier node computes (graph not in topological order, or a missing input)`);
        return v;
      });
      let outs: Val[];
      try {
        outs = LOWERINGS[node.opType!](ctx, node, ins, attributes(node, file));
      } catch (err) {
        if (err instanceof UserError) throw err;
        throw ctx.refuse(node, `cannot be converted (${oneLine(err)})`);
      }
      (node.output ?? []).forEach((name, i) => {
        if (name && outs[i]) ctx.values.set(name, outs[i]);
      });
    }

    const outTensors: SymbolicTensor[] = [];
    for (const o of graph.output ?? []) {
      const name = o.name ?? '';
      let v = ctx.values.get(name);
      if (!v || isConst(v)) throw new UserError(`${file}: output '${name}' does not depend on the input`);
      let d = v as DataVal;
      const node = { name, opType: 'Output', output: [name] };
      if (d.flat) d = ctx.restoreFlat(node, d);
      const rank = d.t.shape.length;
      // Maps are given to the engine channels-last (N, positions…, C); anything else natively.
      const cl = rank >= 3 ? channelsLast(rank) : null;
      if (d.perm && !(cl && d.perm.join() === cl.join())) d = ctx.native(node, d);
      if (d.t === x) throw new UserError(`${file}: output '${name}' is the input itself`);
      outTensors.push(d.t);
      outputs.push({ name, toNative: d.perm && !isIdentity(d.perm) ? invert(d.perm) : null });
      v = d;
    }
    model = tfl.model({ inputs: x, outputs: outTensors, name: 'onnx_model' });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${file}: TF.js cannot build this ONNX graph: ${oneLine(err)}`);
  } finally {
    tf.engine().endScope();
  }

  const notes = [...resolved.notes, ...ctx.notes];
  if (perm) notes.push(`the input ${fmt(declared.slice(1))} is channels-first; feature maps are shown as positions × channels (input held as ${fmt(resolved.shape)})`);
  if (declared[0] !== null) notes.push(`the file fixes the batch size at ${declared[0]}; any batch size is used here`);
  if (opset < SUPPORTED_OPSETS.tested[0] || opset > SUPPORTED_OPSETS.tested[1]) notes.push(`ONNX opset ${opset} is outside the tested range ${SUPPORTED_OPSETS.tested[0]}–${SUPPORTED_OPSETS.tested[1]}`);
  return {
    model,
    name: file.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, ''),
    path: file,
    format: 'onnx',
    input: resolved.layout,
    outputs,
    layerAliases: ctx.aliases,
    notes,
  };
}
