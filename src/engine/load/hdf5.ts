/**
 * Thin wrapper over h5wasm (the HDF5 C library compiled to WebAssembly): opens a file read-only,
 * reads attributes and datasets, and turns HDF5's failures into one-line UserErrors.
 */
import fs from 'node:fs';
import type * as H5 from 'h5wasm/node';
import { UserError } from '../errors';

type H5Wasm = typeof H5.default;
type H5File = InstanceType<H5Wasm['File']>;
export type H5Group = InstanceType<H5Wasm['Group']>;
export type H5Dataset = InstanceType<H5Wasm['Dataset']>;

// h5wasm's Node build is an ES module with only an `import` export condition, so a CommonJS
// caller (tsx in this package, the esbuild bundles) must reach it through a dynamic import.
let h5wasm: H5Wasm;
async function h5(): Promise<H5Wasm> {
  if (!h5wasm) {
    h5wasm = (await import('h5wasm/node')).default;
    await h5wasm.ready;
  }
  return h5wasm;
}

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 files start with the signature at offset 0, or after a user block of 512·2^k bytes. */
export function isHdf5(head: Buffer): boolean {
  for (let at = 0; at + 8 <= head.length; at = at === 0 ? 512 : at * 2) {
    if (head.subarray(at, at + 8).equals(SIGNATURE)) return true;
  }
  return false;
}

/**
 * Runs `fn` with HDF5's diagnostic stack silenced. The library prints it straight to file
 * descriptor 2 through fs.writeSync (Emscripten NODERAWFS), which would put pages of C traces in
 * front of our one-line message; we keep the text to explain the failure instead.
 */
export function quiet<T>(fn: () => T): { value: T; diagnostics: string } {
  const mutable = fs as unknown as { writeSync: (...args: unknown[]) => number };
  const original = mutable.writeSync;
  let diagnostics = '';
  mutable.writeSync = function (fd: unknown, data: unknown, offset?: unknown, length?: unknown) {
    if (fd !== 2) return original.apply(fs, [...arguments]);
    if (ArrayBuffer.isView(data)) {
      // Emscripten passes its whole heap (an Int8Array) with an offset and a length.
      const start = typeof offset === 'number' ? offset : 0;
      const end = typeof length === 'number' ? start + length : data.byteLength;
      diagnostics += Buffer.from(data.buffer, data.byteOffset + start, end - start).toString('utf8');
      return end - start;
    }
    diagnostics += String(data);
    return String(data).length;
  };
  try {
    return { value: fn(), diagnostics };
  } finally {
    mutable.writeSync = original;
  }
}

/** The most telling line of an HDF5 error stack (the innermost one), for a one-line message. */
function cause(diagnostics: string): string {
  const lines = diagnostics.split('\n').filter((l) => /^\s*#\d+:/.test(l));
  const last = lines[lines.length - 1] ?? '';
  const text = last.replace(/^.*\(\):\s*/, '').trim();
  if (/truncated file/.test(text)) {
    const eof = /eof = (\d+)/.exec(text)?.[1];
    const stored = /stored_eof = (\d+)/.exec(text)?.[1];
    return eof && stored ? `truncated HDF5 file (${eof} bytes, the header says ${stored})` : 'truncated HDF5 file';
  }
  return text ? `corrupt HDF5 file (${text})` : 'corrupt HDF5 file';
}

/** An open HDF5 file. Always call close(). */
export class Hdf5 {
  private constructor(
    readonly path: string,
    private readonly file: H5File,
  ) {}

  static async open(path: string): Promise<Hdf5> {
    await h5();
    const { value: file, diagnostics } = quiet(() => new h5wasm.File(path, 'r'));
    if (file.file_id < 0n) {
      throw new UserError(`${path}: ${cause(diagnostics)}`);
    }
    return new Hdf5(path, file);
  }

  get root(): H5Group {
    return this.file;
  }

  /** A group or dataset at `p` (relative to `from`), or null when absent or unreadable. */
  get(p: string, from: H5Group = this.file): H5Group | H5Dataset | null {
    const { value } = quiet(() => {
      try {
        return from.get(p);
      } catch {
        return null;
      }
    });
    if (value instanceof h5wasm.Group || value instanceof h5wasm.Dataset) return value;
    return null;
  }

  isGroup(e: unknown): e is H5Group {
    return e instanceof h5wasm.Group;
  }

  isDataset(e: unknown): e is H5Dataset {
    return e instanceof h5wasm.Dataset;
  }

  keys(g: H5Group): string[] {
    return quiet(() => g.keys()).value;
  }

  /** A string attribute (Keras stores JSON as one string), or undefined. */
  stringAttr(g: H5Group, name: string): string | undefined {
    const value = this.attr(g, name);
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
    return undefined;
  }

  /** A list-of-strings attribute (layer_names, weight_names); empty when absent or numeric. */
  stringListAttr(g: H5Group, name: string): string[] | undefined {
    const value = this.attr(g, name);
    if (value === undefined) return undefined;
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.map((v) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : String(v)));
    return [];
  }

  private attr(g: H5Group, name: string): unknown {
    const { value } = quiet(() => {
      try {
        const attrs = g.attrs;
        return name in attrs ? attrs[name].value : undefined;
      } catch {
        return undefined;
      }
    });
    return value;
  }

  /** Reads a numeric dataset as float32. */
  read(ds: H5Dataset): Float32Array {
    const { value, diagnostics } = quiet(() => {
      try {
        return ds.value;
      } catch {
        return null;
      }
    });
    if (value == null) throw new UserError(`${this.path}: cannot read dataset '${ds.path}' (${cause(diagnostics)})`);
    if (value instanceof Float32Array) return value;
    if (ds.dtype === '<e' || ds.dtype === '>e') return halfToFloat(value as Uint8Array, ds.dtype === '<e');
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const arr = value as unknown as ArrayLike<number | bigint>;
      return Float32Array.from({ length: arr.length }, (_, i) => Number(arr[i]));
    }
    throw new UserError(`${this.path}: dataset '${ds.path}' is not numeric (dtype ${String(ds.dtype)})`);
  }

  shape(ds: H5Dataset): number[] {
    return quiet(() => ds.shape ?? []).value;
  }

  close(): void {
    quiet(() => this.file.close());
  }
}

/** IEEE half precision to float32 (mixed-precision Keras models store float16 weights). */
function halfToFloat(bytes: Uint8Array, littleEndian: boolean): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) {
    const h = view.getUint16(i * 2, littleEndian);
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] = exp === 0 ? sign * 2 ** -14 * (frac / 1024) : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}
