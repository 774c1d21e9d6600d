/**
 * Small ONNX graphs written by the tests (with onnx-proto, the library the loader decodes with):
 * one float input, constant initializers, nodes with attributes. For ops whose attributes the
 * PyTorch fixtures never exercise (e.g. LSTM peepholes, clip, bidirectional), checked against
 * ONNX Runtime.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';

const A = onnx.AttributeProto.AttributeType;
export type Attr = number | number[] | string | string[] | { float: number };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Record<string, Attr>;
}

export interface GraphSpec {
  opset: number;
  /** The input's shape; a string entry is a symbolic (dynamic) axis. */
  input: { name: string; shape: (number | string)[] };
  /** Float initializers (name → shape, values), int64 ones (`ints`) and int32 ones (`int32s`). */
  floats?: Record<string, { shape: number[]; values: number[] }>;
  ints?: Record<string, { shape: number[]; values: number[] }>;
  int32s?: Record<string, { shape: number[]; values: number[] }>;
  nodes: NodeSpec[];
  outputs: string[];
}

function attribute(name: string, v: Attr): onnx.IAttributeProto {
  if (typeof v === 'number') return Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v };
  if (typeof v === 'string') return { name, type: A.STRING, s: Buffer.from(v) };
  if (!Array.isArray(v)) return { name, type: A.FLOAT, f: v.float };
  if (v.every((x) => typeof x === 'string')) return { name, type: A.STRINGS, strings: (v as string[]).map((s) => Buffer.from(s)) };
  return { name, type: A.INTS, ints: v as number[] };
}

const valueInfo = (name: string, shape?: (number | string)[]): onnx.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: shape ? { dim: shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } : undefined } },
});

export function encodeGraph(spec: GraphSpec): Uint8Array {
  const initializer: onnx.ITensorProto[] = [
    ...Object.entries(spec.floats ?? {}).map(([name, t]) => ({ name, dims: t.shape, dataType: onnx.TensorProto.DataType.FLOAT, floatData: t.values })),
    ...Object.entries(spec.ints ?? {}).map(([name, t]) => ({ name, dims: t.shape, dataType: onnx.TensorProto.DataType.INT64, int64Data: t.values })),
    ...Object.entries(spec.int32s ?? {}).map(([name, t]) => ({ name, dims: t.shape, dataType: onnx.TensorProto.DataType.INT32, int32Data: t.values })),
  ];
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'deepresolve-tests',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: {
      name: 'test',
      input: [valueInfo(spec.input.name, spec.input.shape)],
      initializer,
      node: spec.nodes.map((n, i) => ({
        name: n.name ?? `${n.op.toLowerCase()}_${i}`,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
      })),
      output: spec.outputs.map((o) => valueInfo(o)),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const made: string[] = [];
process.on('exit', () => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** Writes the graph to a fresh temporary folder (removed when the process exits); returns the file's path. */
export function writeGraph(spec: GraphSpec, name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-build-'));
  made.push(dir);
  const file = path.join(dir, `${name}.onnx`);
  fs.writeFileSync(file, encodeGraph(spec));
  return file;
}
