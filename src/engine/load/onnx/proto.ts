/**
 * Reading an ONNX file: the protobuf is decoded by protobufjs with the official onnx.proto
 * (package onnx-proto); this module turns its messages into plain values: tensors as typed
 * arrays (raw or typed fields, external data beside the file), attributes as numbers, lists,
 * strings and tensors.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { UserError, oneLine } from '../../errors';

export type Model = onnx.ModelProto;
export type Graph = onnx.IGraphProto;
export type Node = onnx.INodeProto;

/** int64 fields arrive as Long objects (or numbers): as a JS number. */
export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: unknown }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v ?? 0);
}

export function decodeModel(file: string, bytes: Uint8Array): Model {
  let model: Model;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new UserError(`${file}: corrupt or truncated ONNX file (${oneLine(err)})`);
  }
  if (!model.graph || !model.graph.node?.length) throw new UserError(`${file}: not an ONNX model (no graph nodes)`);
  return model;
}

export type DType = 'float32' | 'int32' | 'bool';

export interface TensorData {
  dtype: DType;
  shape: number[];
  values: Float32Array | Int32Array | Uint8Array;
}

const T = onnx.TensorProto.DataType;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** The bytes of a tensor stored outside the model file (only from a file in the model's folder). */
function externalBytes(t: onnx.ITensorProto, file: string): Uint8Array {
  const entries = new Map((t.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new UserError(`${file}: tensor '${t.name}' is stored outside the file without a location`);
  const dir = path.dirname(path.resolve(file));
  const target = path.resolve(dir, location);
  if (path.dirname(target) !== dir && !target.startsWith(dir + path.sep)) {
    throw new UserError(`${file}: tensor '${t.name}' is stored in '${location}', outside the model's folder; only external data beside the model is read`);
  }
  if (!fs.existsSync(target)) throw new UserError(`${file}: tensor '${t.name}' is stored in '${location}', which is not beside the model (external data file missing)`);
  const offset = Number(entries.get('offset') ?? 0);
  const size = fs.statSync(target).size;
  const length = entries.has('length') ? Number(entries.get('length')) : size - offset;
  if (!(offset >= 0 && length >= 0 && offset + length <= size)) {
    throw new UserError(`${file}: tensor '${t.name}' lies outside its external data file '${location}' (offset ${offset}, length ${length}, file ${size} bytes)`);
  }
  const fd = fs.openSync(target, 'r');
  try {
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

/** A TensorProto as a typed array: floats (float16/32/64) as float32, integers as int32, booleans as 0/1. */
export function tensorData(t: onnx.ITensorProto, file: string): TensorData {
  const shape = (t.dims ?? []).map(num);
  const size = shape.reduce((a, b) => a * b, 1);
  const external = t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL;
  const raw = external ? externalBytes(t, file) : t.rawData && t.rawData.length ? t.rawData : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const need = (bytes: number) => {
    if (view && view.byteLength < size * bytes) throw new UserError(`${file}: tensor '${t.name}' holds ${view.byteLength} bytes, its shape [${shape}] needs ${size * bytes} (corrupt file)`);
  };
  const type = t.dataType ?? 0;
  const fromList = (list: ArrayLike<unknown> | null | undefined, conv: (v: unknown) => number) => {
    const src = list ?? [];
    if (src.length !== size) throw new UserError(`${file}: tensor '${t.name}' has ${src.length} values, its shape [${shape}] needs ${size} (corrupt file)`);
    return Array.from(src, conv);
  };
  switch (type) {
    case T.FLOAT: {
      if (view) {
        need(4);
        const out = new Float32Array(size);
        for (let i = 0; i < size; i++) out[i] = view.getFloat32(i * 4, true);
        return { dtype: 'float32', shape, values: out };
      }
      return { dtype: 'float32', shape, values: Float32Array.from(fromList(t.floatData, Number)) };
    }
    case T.DOUBLE: {
      if (view) {
        need(8);
        const out = new Float32Array(size);
        for (let i = 0; i < size; i++) out[i] = view.getFloat64(i * 8, true);
        return { dtype: 'float32', shape, values: out };
      }
      return { dtype: 'float32', shape, values: Float32Array.from(fromList(t.doubleData, Number)) };
    }
    case T.FLOAT16: {
      const out = new Float32Array(size);
      if (view) {
        need(2);
        for (let i = 0; i < size; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      } else fromList(t.int32Data, Number).forEach((h, i) => (out[i] = halfToFloat(h)));
      return { dtype: 'float32', shape, values: out };
    }
    case T.INT64:
    case T.UINT64: {
      const out = new Int32Array(size);
      if (view) {
        need(8);
        // Clamped into int32: shape arithmetic uses INT64_MAX as "to the end".
        for (let i = 0; i < size; i++) out[i] = clampInt(Number(view.getBigInt64(i * 8, true)));
      } else fromList(t.int64Data, num).forEach((v, i) => (out[i] = clampInt(v)));
      return { dtype: 'int32', shape, values: out };
    }
    case T.INT32:
    case T.INT16:
    case T.INT8:
    case T.UINT8:
    case T.UINT16:
    case T.BOOL: {
      const bytes = { [T.INT32]: 4, [T.INT16]: 2, [T.UINT16]: 2, [T.INT8]: 1, [T.UINT8]: 1, [T.BOOL]: 1 }[type] as number;
      const out = new Int32Array(size);
      if (view) {
        need(bytes);
        for (let i = 0; i < size; i++) {
          out[i] =
            bytes === 4 ? view.getInt32(i * 4, true) : bytes === 2 ? (type === T.INT16 ? view.getInt16(i * 2, true) : view.getUint16(i * 2, true)) : type === T.INT8 ? view.getInt8(i) : view.getUint8(i);
        }
      } else fromList(t.int32Data, Number).forEach((v, i) => (out[i] = v));
      if (type === T.BOOL) return { dtype: 'bool', shape, values: Uint8Array.from(out, (v) => (v ? 1 : 0)) };
      return { dtype: 'int32', shape, values: out };
    }
    default:
      throw new UserError(`${file}: tensor '${t.name}' has data type ${onnx.TensorProto.DataType[type] ?? type}, which cannot be read (float, integer and boolean tensors can)`);
  }
}

function clampInt(v: number): number {
  return Math.max(-2147483648, Math.min(2147483647, v));
}

export type AttrValue = number | number[] | string | string[] | TensorData | { graph: true };

/** A node's attributes by name. Graph-valued attributes (control flow) are marked, not read. */
export function attributes(node: Node, file: string): Record<string, AttrValue> {
  const A = onnx.AttributeProto.AttributeType;
  const out: Record<string, AttrValue> = {};
  for (const a of node.attribute ?? []) {
    const name = a.name ?? '';
    switch (a.type) {
      case A.FLOAT:
        out[name] = a.f ?? 0;
        break;
      case A.INT:
        out[name] = num(a.i);
        break;
      case A.STRING:
        out[name] = Buffer.from(a.s ?? []).toString('utf8');
        break;
      case A.TENSOR:
        out[name] = tensorData(a.t!, file);
        break;
      case A.FLOATS:
        out[name] = (a.floats ?? []).map(Number);
        break;
      case A.INTS:
        out[name] = (a.ints ?? []).map(num);
        break;
      case A.STRINGS:
        out[name] = (a.strings ?? []).map((s) => Buffer.from(s).toString('utf8'));
        break;
      case A.GRAPH:
      case A.GRAPHS:
        out[name] = { graph: true };
        break;
      default:
        break;
    }
  }
  return out;
}

/** Shape of a graph input or output: numbers, or null for a symbolic or missing dimension. */
export function valueShape(v: onnx.IValueInfoProto): (number | null)[] | null {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims) return null;
  return dims.map((d) => {
    if (d.dimParam) return null;
    const v = num(d.dimValue);
    return v > 0 ? v : null;
  });
}
