/**
 * Reading HDF5 files for the Keras loaders. The HDF5 library runs on its own thread
 * (hdf5-reader.ts): opening a file returns a snapshot of its groups, dataset shapes and the
 * attributes the loaders use, which they query synchronously; dataset values are fetched on
 * request. A corrupt file is refused with one line, `<file>: corrupt HDF5 file (<cause>)`:
 * also when the library crashes on it, or stops making progress (it loops forever on some
 * corrupt files), in which case its thread is terminated and the next file gets a fresh one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { UserError } from '../errors';
import type { DatasetNode, FromReader, GroupNode, Node, Snapshot, ToReader } from './hdf5-protocol';
import { DEFAULT_MAX_MEMORY_MB } from './options';

export type H5Group = GroupNode;
export type H5Dataset = DatasetNode;

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 files start with the signature at offset 0, or after a user block of 512·2^k bytes. */
export function isHdf5(head: Buffer): boolean {
  for (let at = 0; at + 8 <= head.length; at = at === 0 ? 512 : at * 2) {
    if (head.subarray(at, at + 8).equals(SIGNATURE)) return true;
  }
  return false;
}

/**
 * The reader gives a sign of life at least after every 256 objects and every 16 MB slice
 * (milliseconds each); this long without one, the library is taken to be looping on a corrupt
 * file. Loading the library itself (compiling 4 MB of WebAssembly) may take longer on a busy machine.
 */
export const HDF5_STALL_MS = 5_000;
const STARTUP_MS = 60_000;
/** An idle reader thread is stopped after this long (it holds ~30 MB). */
const IDLE_MS = 60_000;

const BUNDLED = path.join(__dirname, 'hdf5-reader.js');
const SOURCE = path.join(__dirname, 'hdf5-reader.ts');

const mb = (bytes: number) => (bytes / (1024 * 1024) >= 10 ? (bytes / (1024 * 1024)).toFixed(0) : (bytes / (1024 * 1024)).toPrecision(2));

/** A request without its id (distributed over the union). */
type Request = ToReader extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

interface Pending {
  file: string;
  /** The object the reader said it was reading last. */
  where?: string;
  resolve(m: FromReader): void;
  reject(err: Error): void;
}

/** A request that never ran: its reader stopped over another file. Retried on a fresh reader. */
class ReaderGone extends Error {}

/**
 * The reader thread and its requests. The thread works through them in order, so only the
 * oldest is being worked on: the watchdog watches it, and when it fires, that request's file is
 * the corrupt one; the others are retried on a fresh thread.
 */
class Reader {
  readonly worker: Worker;
  private ready = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private timer?: NodeJS.Timeout;
  private idle?: NodeJS.Timeout;
  retired = false;

  constructor() {
    // The script next to the bundle (dist/), or the TypeScript source through tsx (tests).
    if (!fs.existsSync(BUNDLED) && !fs.existsSync(SOURCE)) throw new Error(`the HDF5 reader script is missing (${BUNDLED}): a packaging error`);
    this.worker = fs.existsSync(BUNDLED)
      ? new Worker(BUNDLED)
      : new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(SOURCE)});`, { eval: true });
    this.worker.on('message', (m: FromReader) => this.receive(m));
    this.worker.on('error', (err: Error) => this.stopped(`the HDF5 library crashed on it: ${err.message.split('\n')[0]}`));
    this.worker.on('exit', (code: number) => this.stopped(`the HDF5 reader stopped (exit code ${code})`));
    this.worker.unref();
  }

  request(message: Request, file: string): Promise<FromReader> {
    if (this.retired) return Promise.reject(new ReaderGone());
    const id = this.nextId++;
    clearTimeout(this.idle);
    this.worker.ref();
    return new Promise<FromReader>((resolve, reject) => {
      this.pending.set(id, { file, resolve, reject });
      if (this.pending.size === 1) this.watch();
      this.worker.postMessage({ ...message, id } as ToReader);
    });
  }

  private head(): [number, Pending] | undefined {
    return this.pending.entries().next().value;
  }

  /** (Re)starts the watchdog over the oldest request: a stall means the library is looping on its file. */
  private watch(): void {
    clearTimeout(this.timer);
    if (!this.pending.size) return;
    const limit = this.ready ? HDF5_STALL_MS : STARTUP_MS;
    this.timer = setTimeout(() => {
      const p = this.head()?.[1];
      const where = p?.where ? `${p.where}: ` : '';
      this.stopped(`${where}the HDF5 library made no progress on it for ${limit / 1000} s; stopped`);
    }, limit);
  }

  private receive(m: FromReader): void {
    if (m.type === 'ready') {
      this.ready = true;
      this.watch();
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      if (m.where) p.where = m.where;
      this.watch();
      return;
    }
    this.pending.delete(m.id);
    this.watch();
    if (!this.pending.size) {
      this.worker.unref();
      this.idle = setTimeout(() => this.retire(), IDLE_MS);
      this.idle.unref();
    }
    if (m.type === 'failed' && m.fatal) this.retire();
    p.resolve(m);
  }

  /** The thread stopped, crashed or hung: the request it was on fails, naming its file; the rest are retried. */
  private stopped(reason: string): void {
    const head = this.head();
    this.retire();
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(id === head?.[0] ? new UserError(`${p.file}: corrupt HDF5 file (${reason})`) : new ReaderGone());
    }
  }

  /** Stops the thread; the next file gets a fresh library. */
  retire(): void {
    if (reader === this) reader = undefined;
    if (this.retired) return;
    this.retired = true;
    clearTimeout(this.timer);
    clearTimeout(this.idle);
    void this.worker.terminate();
  }
}

let reader: Reader | undefined;

function current(): Reader {
  if (!reader || reader.retired) reader = new Reader();
  return reader;
}

/** An open HDF5 file: its snapshot, and dataset values on request. Always call close(). */
export class Hdf5 {
  private constructor(
    readonly path: string,
    private snapshot: Snapshot,
    private at: { reader: Reader; handle: number },
    /** The most one dataset may take in memory (options.maxMemoryMB). */
    private readonly maxBytes: number,
  ) {}

  static async open(file: string, options: { maxMemoryMB?: number } = {}): Promise<Hdf5> {
    const maxBytes = (options.maxMemoryMB ?? DEFAULT_MAX_MEMORY_MB) * 1024 * 1024;
    const { snapshot, at } = await Hdf5.openOn(file, maxBytes);
    return new Hdf5(file, snapshot, at, maxBytes);
  }

  private static async openOn(file: string, maxBytes: number, retry = true): Promise<{ snapshot: Snapshot; at: { reader: Reader; handle: number } }> {
    const r = current();
    let m: FromReader;
    try {
      m = await r.request({ type: 'open', path: path.resolve(file), maxBytes }, file);
    } catch (err) {
      if (err instanceof ReaderGone && retry) return Hdf5.openOn(file, maxBytes, false);
      throw err;
    }
    if (m.type === 'opened') return { snapshot: m.snapshot, at: { reader: r, handle: m.handle } };
    if (m.type === 'failed' && m.fresh && retry) {
      // The file failed before in this reader, which may still hold its old contents.
      r.retire();
      return Hdf5.openOn(file, maxBytes, false);
    }
    throw new UserError(`${file}: ${m.type === 'failed' ? m.cause : 'corrupt HDF5 file'}`);
  }

  get root(): H5Group {
    return this.snapshot['/'] as GroupNode;
  }

  /** A group or dataset at `p` (relative to `from`), or null when absent (or a link, a named type). */
  get(p: string, from: H5Group = this.root): H5Group | H5Dataset | null {
    const joined = p.startsWith('/') ? p : `${from.path === '/' ? '' : from.path}/${p}`;
    const normal = `/${joined.split('/').filter(Boolean).join('/')}`;
    return (Object.hasOwn(this.snapshot, normal) ? this.snapshot[normal] : null) as Node | null;
  }

  isGroup(e: unknown): e is H5Group {
    return (e as Node | null)?.kind === 'group';
  }

  isDataset(e: unknown): e is H5Dataset {
    return (e as Node | null)?.kind === 'dataset';
  }

  keys(g: H5Group): string[] {
    return g.keys;
  }

  /** A string attribute (Keras stores JSON as one string), or undefined. */
  stringAttr(g: H5Group, name: string): string | undefined {
    const value = g.attrs[name];
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    return undefined;
  }

  /** A list-of-strings attribute (layer_names, weight_names); empty when absent or numeric. */
  stringListAttr(g: H5Group, name: string): string[] | undefined {
    const value = g.attrs[name];
    if (value === undefined) return undefined;
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v)));
    return [];
  }

  /** The dataset's shape (checked against what the file can hold when the file was opened). */
  shape(ds: H5Dataset): number[] {
    return ds.shape;
  }

  /** The datasets' values as float32, in order; sizes and types are checked before anything is read. */
  async read(datasets: H5Dataset[]): Promise<Float32Array[]> {
    for (const ds of datasets) {
      const where = `dataset '${ds.path}'`;
      // h5wasm reads no float16 (mixed-precision Keras models store float16 weights).
      if (ds.type === 1 && ds.size === 2) throw new UserError(`${this.path}: ${where} holds float16 values, which cannot be read yet`);
      if (ds.bytes > this.maxBytes) throw new UserError(`${this.path}: ${where} needs ${mb(ds.bytes)} MB, more than the limit of ${mb(this.maxBytes)} MB (maxMemoryMB)`);
    }
    if (!datasets.length) return [];
    for (let attempt = 0; ; attempt++) {
      if (this.at.reader.retired) {
        // Another file stopped the reader this one was opened on: open it again on a fresh one.
        const again = await Hdf5.openOn(this.path, this.maxBytes);
        this.snapshot = again.snapshot;
        this.at = again.at;
      }
      let m: FromReader;
      try {
        m = await this.at.reader.request({ type: 'read', handle: this.at.handle, datasets: datasets.map((d) => d.path) }, this.path);
      } catch (err) {
        if (err instanceof ReaderGone && attempt === 0) continue;
        throw err;
      }
      if (m.type === 'values') return m.values;
      if (m.type === 'failed' && m.fresh && attempt === 0) {
        this.at.reader.retire();
        continue;
      }
      throw new UserError(`${this.path}: ${m.type === 'failed' ? m.cause : 'corrupt HDF5 file'}`);
    }
  }

  close(): void {
    this.at.reader.request({ type: 'close', handle: this.at.handle }, this.path).catch(() => undefined);
  }
}
