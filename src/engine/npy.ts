/**
 * NumPy's .npy and .npz formats (the results' binary companion, docs/results-schema.md): arrays
 * of float32, float64 or int32 in C order, little-endian, and an .npz as a zip of deflated
 * NAME.npy entries, as `numpy.savez_compressed` writes it (fflate makes the zip, Node's zlib
 * deflates). Both directions, so that the CLI and the extension read back what they wrote; Python
 * reads it with `numpy.load`.
 */
import { deflateRawSync } from 'node:zlib';
import { unzipSync, Zip, ZipPassThrough } from 'fflate';
import { UserError } from './errors';

export type NpyData = Float32Array | Float64Array | Int32Array;

export interface NpyArray {
  shape: number[];
  data: NpyData;
}

const DESCR: [string, new (n: number) => NpyData][] = [
  ['<f4', Float32Array],
  ['<f8', Float64Array],
  ['<i4', Int32Array],
];

function descrOf(data: NpyData): string {
  return data instanceof Float32Array ? '<f4' : data instanceof Float64Array ? '<f8' : '<i4';
}

/** One array as .npy bytes (format 1.0; header padded so the data starts at a multiple of 64). */
export function encodeNpy(a: NpyArray): Uint8Array {
  const count = a.shape.reduce((x, y) => x * y, 1);
  if (count !== a.data.length) throw new Error(`npy: shape ${a.shape.join('×')} holds ${count} values, not ${a.data.length}`);
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(', ')})`;
  let header = `{'descr': '${descrOf(a.data)}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(total + a.data.byteLength);
  out.set([0x93, ...'NUMPY'.split('').map((c) => c.charCodeAt(0)), 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  // Typed arrays are little-endian on every platform Node and VS Code run on.
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), total);
  return out;
}

/** Reads .npy bytes (format 1.x or 2.x, C order, the three element types above); `file` names it in errors. */
export function decodeNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') throw new UserError(`${file}: not a NumPy .npy array`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new UserError(`${file}: malformed .npy header`);
  if (/'fortran_order':\s*True/.test(header)) throw new UserError(`${file}: Fortran-ordered arrays are not read (save in C order)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const type = DESCR.find(([d]) => d === descr);
  if (!type) throw new UserError(`${file}: element type ${descr} is not read (float32, float64 or int32)`);
  const count = shape.reduce((x, y) => x * y, 1);
  const data = new type[1](count);
  const offset = start + headerLength;
  if (offset + data.byteLength > bytes.length) throw new UserError(`${file}: truncated (${shape.join('×')} values announced)`);
  new Uint8Array(data.buffer).set(bytes.subarray(offset, offset + data.byteLength));
  return { shape, data };
}

/**
 * A zip entry deflated by Node's zlib (native: 1.3 s for DeepSEA's 35 MB of FIVs where fflate's
 * JavaScript deflate takes 8–10 s); fflate computes the CRC and writes the zip around it.
 */
class NativeDeflate extends ZipPassThrough {
  constructor(filename: string) {
    super(filename);
    this.compression = 8;
  }
  protected override process(chunk: Uint8Array, final: boolean): void {
    // Level 1: float32 noise deflates by ~6 % at any level; exact zeros (dead ReLU channels, NaN padding) compress at level 1 already.
    this.ondata(null, deflateRawSync(chunk, { level: 1 }), final);
  }
}

/** Arrays by name as an .npz: deflated entries NAME.npy, as numpy.savez_compressed writes them. */
export function encodeNpz(arrays: Record<string, NpyArray>): Uint8Array {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    chunks.push(chunk);
  });
  for (const [name, a] of Object.entries(arrays)) {
    const entry = new NativeDeflate(`${name}.npy`);
    zip.add(entry);
    entry.push(encodeNpy(a), true);
  }
  zip.end();
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

export function decodeNpz(bytes: Uint8Array, file: string): Record<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new UserError(`${file}: not a readable .npz (zip) file (${(err as Error).message})`);
  }
  return Object.fromEntries(
    Object.entries(entries)
      .filter(([name]) => name.endsWith('.npy'))
      .map(([name, b]) => [name.slice(0, -4), decodeNpy(b, `${file}/${name}`)]),
  );
}
