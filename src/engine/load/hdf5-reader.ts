/**
 * The HDF5 reader thread: the only place the HDF5 library runs. It opens a file, walks its
 * groups and datasets into a snapshot (shapes and the attributes the loaders use, every size
 * checked against the file before the library allocates it), and reads the datasets it is asked
 * for, a slice at a time with a sign of life after each. The HDF5 C library loops forever on
 * some corrupt files (measured: a swapped block in a Keras file's global heap); on this thread
 * such a file costs a terminated thread (hdf5.ts), not a hung load.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type * as H5 from 'h5wasm/node';
import { type H5Wasm, Hdf5Failure, fileIdentity, guard, isTainted, start, taint } from './hdf5-runtime';
import { type DatasetNode, type FromReader, type GroupNode, SKIPPED_GROUPS, type Snapshot, type ToReader, WANTED_ATTRIBUTES } from './hdf5-protocol';

type H5File = InstanceType<H5Wasm['File']>;
type H5Group = InstanceType<H5Wasm['Group']>;
type H5Dataset = InstanceType<H5Wasm['Dataset']>;

/**
 * Deflate, the one compression Keras files use, shrinks data at most 1032-fold; a chunked
 * dataset claiming more bytes than that times the file size cannot be stored in it.
 */
const MAX_COMPRESSION = 1032;
/** Bounds of a walk: Keras files nest a few levels and hold thousands of objects; links can form cycles. */
const MAX_DEPTH = 64;
const MAX_OBJECTS = 1_000_000;
/** Datasets larger than this are read in slices along their first axis, with a sign of life after each. */
const SLICE_BYTES = 16 * 1024 * 1024;
const H5T_INTEGER = 0;
const H5T_FLOAT = 1;

/** A cause found by our own checks (not by the library), complete for `<file>: <cause>`. */
class Refusal extends Error {}

interface OpenFile {
  file: H5File;
  identity: string;
  bytes: number;
  maxBytes: number;
}

let h5: H5Wasm;
const files = new Map<number, OpenFile>();
let nextHandle = 1;

function post(message: FromReader, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(message, transfer);
}

const show = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const corrupt = (where: string, detail: string) => new Refusal(`corrupt HDF5 file (${where}: ${detail})`);

/** Runs calls into the library, naming `where` in the failure. */
function call<T>(fn: () => T, where: string): T {
  try {
    return guard(fn);
  } catch (err) {
    if (err instanceof Hdf5Failure) throw Object.assign(err, { where });
    throw err;
  }
}

/** Bytes of an attribute's or dataset's values; refused when more than `limit`. */
function checkBytes(metadata: H5.Metadata, where: string, limit: number, fileBytes: number): number {
  const shape = metadata.shape ?? [];
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw corrupt(where, `shape ${show(shape)} is not a possible size`);
  const count = shape.reduce((a, b) => a * b, 1);
  const size = metadata.size;
  if (!Number.isSafeInteger(size) || size < 1 || (metadata.shape && count !== metadata.total_size)) {
    throw corrupt(where, `its element size ${size} or count ${metadata.total_size} is not a possible size`);
  }
  const bytes = count * size;
  if (bytes > limit) {
    throw corrupt(where, `shape ${show(shape)} of ${size}-byte values needs ${bytes.toLocaleString('en-US')} bytes, more than the file's ${fileBytes.toLocaleString('en-US')} can hold`);
  }
  return bytes;
}

function describeDataset(ds: H5Dataset, at: OpenFile): DatasetNode {
  const where = `dataset '${ds.path}'`;
  const metadata = call(() => ds.metadata, where);
  const bytes = checkBytes(metadata, where, metadata.chunks ? at.bytes * MAX_COMPRESSION : at.bytes, at.bytes);
  if (metadata.chunks) {
    const chunk = metadata.chunks.reduce((a, b) => a * b, 1) * metadata.size;
    // HDF5 allocates a whole chunk to read any part of it.
    if (!metadata.chunks.every((d) => Number.isSafeInteger(d) && d > 0) || chunk > Math.max(at.maxBytes, 1)) {
      throw corrupt(where, `its storage chunks ${show(metadata.chunks)} are not a possible size`);
    }
  }
  return { kind: 'dataset', path: ds.path, shape: metadata.shape ?? [], dtype: String(call(() => ds.dtype, where)), type: metadata.type, size: metadata.size, vlen: metadata.vlen, bytes };
}

function walk(at: OpenFile, id: number): Snapshot {
  const snapshot: Snapshot = {};
  let count = 0;
  const visit = (g: H5Group, depth: number) => {
    if (depth > MAX_DEPTH || ++count > MAX_OBJECTS) throw corrupt(`group '${g.path}'`, `nesting deeper than ${MAX_DEPTH} or more than ${MAX_OBJECTS.toLocaleString('en-US')} objects (a cycle of links?)`);
    if (count % 256 === 0) post({ type: 'progress', id });
    const where = `group '${g.path}'`;
    const keys = call(() => g.keys(), where);
    const attrs: Record<string, unknown> = {};
    const names = call(() => Object.keys(g.attrs), where);
    for (const name of WANTED_ATTRIBUTES) {
      if (!names.includes(name)) continue;
      const aWhere = `attribute '${name}' of '${g.path}'`;
      const attribute = call(() => g.attrs[name], aWhere);
      // Attributes live uncompressed in object headers or the file's heaps.
      checkBytes(attribute.metadata, aWhere, at.bytes, at.bytes);
      post({ type: 'progress', id, where: aWhere });
      attrs[name] = call(() => attribute.value, aWhere) ?? undefined;
    }
    const node: GroupNode = { kind: 'group', path: g.path, keys, attrs };
    snapshot[g.path] = node;
    for (const key of keys) {
      const path = g.path === '/' ? `/${key}` : `${g.path}/${key}`;
      if ((SKIPPED_GROUPS as readonly string[]).includes(path)) continue;
      const child = call(() => g.get(key), `object '${path}'`);
      if (child instanceof h5.Group) visit(child, depth + 1);
      else if (child instanceof h5.Dataset) {
        if (++count > MAX_OBJECTS) throw corrupt(`group '${g.path}'`, `more than ${MAX_OBJECTS.toLocaleString('en-US')} objects`);
        snapshot[path] = describeDataset(child, at);
      }
      // Links and named types are not part of a model.
    }
  };
  visit(at.file, 0);
  return snapshot;
}

/** Typed array of any numeric HDF5 type → float32 (into `out` at `offset`). */
function toFloat(value: unknown, out: Float32Array, offset: number, where: string): number {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) throw corrupt(where, 'its values cannot be read as numbers');
  const arr = value as unknown as ArrayLike<number | bigint>;
  if (offset + arr.length > out.length) throw corrupt(where, 'it holds more values than its shape says');
  if (value instanceof Float32Array) out.set(value, offset);
  else for (let i = 0; i < arr.length; i++) out[offset + i] = Number(arr[i]);
  return arr.length;
}

function readDataset(at: OpenFile, path: string, id: number): Float32Array {
  const where = `dataset '${path}'`;
  post({ type: 'progress', id, where });
  const ds = call(() => at.file.get(path), where);
  if (!(ds instanceof h5.Dataset)) throw corrupt(where, 'it is no longer a dataset');
  const node = describeDataset(ds, at);
  const numeric = (node.type === H5T_INTEGER && [1, 2, 4, 8].includes(node.size)) || (node.type === H5T_FLOAT && [4, 8].includes(node.size));
  if (!numeric || node.vlen) throw new Refusal(`${where} is not numeric (dtype ${node.dtype})`);
  const count = node.shape.reduce((a, b) => a * b, 1);
  if (node.bytes <= SLICE_BYTES || node.shape.length === 0) {
    const value = call(() => ds.value, where);
    if (value instanceof Float32Array && value.length === count) return value;
    const out = new Float32Array(count);
    if (toFloat(value, out, 0, where) !== count) throw corrupt(where, 'it holds fewer values than its shape says');
    return out;
  }
  const out = new Float32Array(count);
  const rowBytes = node.bytes / node.shape[0];
  const rows = Math.max(1, Math.floor(SLICE_BYTES / Math.max(rowBytes, 1)));
  let filled = 0;
  for (let start = 0; start < node.shape[0]; start += rows) {
    const end = Math.min(node.shape[0], start + rows);
    filled += toFloat(call(() => ds.slice([[start, end]]), where), out, filled, where);
    post({ type: 'progress', id });
  }
  if (filled !== count) throw corrupt(where, 'it holds fewer values than its shape says');
  return out;
}

/** One request; a failure of a file that was open leaves it tainted (the library may still hold it). */
function handle(m: ToReader): void {
  if (m.type === 'open') {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(m.path);
    } catch (err) {
      throw new Refusal(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    const identity = fileIdentity(stat);
    if (isTainted(identity)) {
      post({ type: 'failed', id: m.id, cause: 'read failed earlier in this reader', fresh: true });
      return;
    }
    const file = call(() => new h5.File(m.path, 'r'), 'the superblock');
    // Without the throwing error handler a failed open shows only as a negative id.
    if (file.file_id < 0n) throw new Hdf5Failure('unreadable');
    const at: OpenFile = { file, identity, bytes: stat.size, maxBytes: m.maxBytes };
    try {
      const snapshot = walk(at, m.id);
      const handle = nextHandle++;
      files.set(handle, at);
      post({ type: 'opened', id: m.id, handle, snapshot });
    } catch (err) {
      if (err instanceof Hdf5Failure) taint(identity);
      closeQuietly(file);
      throw err;
    }
    return;
  }
  const at = files.get(m.handle);
  if (m.type === 'close') {
    if (at) closeQuietly(at.file);
    files.delete(m.handle);
    post({ type: 'closed', id: m.id });
    return;
  }
  if (!at) throw new Refusal('the HDF5 reader lost track of the file (read after close)');
  try {
    const values = m.datasets.map((p) => readDataset(at, p, m.id));
    post({ type: 'values', id: m.id, values }, values.map((v) => v.buffer as ArrayBuffer));
  } catch (err) {
    if (err instanceof Hdf5Failure) taint(at.identity);
    throw err;
  }
}

function closeQuietly(file: H5File): void {
  try {
    guard(() => file.close());
  } catch {
    // closing a file whose reading failed can fail again; nothing is left to report
  }
}

const queue: ToReader[] = [];
let ready = false;

function drain(): void {
  while (ready && queue.length) {
    const m = queue.shift()!;
    try {
      handle(m);
    } catch (err) {
      if (err instanceof Hdf5Failure) {
        const where = (err as Hdf5Failure & { where?: string }).where;
        post({ type: 'failed', id: m.id, cause: err.describe(where === 'the superblock' ? undefined : where), fatal: err.options.fatal, fresh: err.options.fresh });
      } else if (err instanceof Refusal) {
        post({ type: 'failed', id: m.id, cause: err.message });
      } else {
        const text = err instanceof Error ? err.message.split('\n')[0] : String(err);
        post({ type: 'failed', id: m.id, cause: `cannot be read (${text})`, fatal: true });
      }
    }
  }
}

parentPort?.on('message', (m: ToReader) => {
  queue.push(m);
  drain();
});

void start().then((rt) => {
  h5 = rt.h5;
  ready = true;
  post({ type: 'ready', id: 0 });
  drain();
});
