/**
 * The weights of a TF.js Layers model: the manifest in model.json, checked (names, shapes of
 * whole numbers, known types), and the binary shards it names, whose sizes must add up to what
 * the manifest describes before any is read (a short shard is a truncated download, a longer one
 * the wrong file). Float32 weights must be finite.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../errors';
import { checkFinite } from './finite';
import { shown } from './shown';

export interface Manifest {
  specs: tf.io.WeightsManifestEntry[];
  /** Shard files, relative to model.json, in order. */
  paths: string[];
  parameters: number;
  /** Bytes the shards must hold together; null when a string weight makes it unknowable. */
  bytes: number | null;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function readManifest(raw: unknown, file: string): Manifest {
  const bad = (what: string) => new UserError(`${file}: the weights manifest is malformed (${what}; corrupt model.json?)`);
  if (raw === undefined || raw === null) return { specs: [], paths: [], parameters: 0, bytes: 0 };
  if (!Array.isArray(raw)) throw bad(`weightsManifest is ${shown(raw)}, not a list`);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const paths: string[] = [];
  let parameters = 0;
  let bytes: number | null = 0;
  raw.forEach((group, g) => {
    if (!isObj(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw bad(`group ${g + 1} has no paths or weights list`);
    for (const p of group.paths) {
      if (typeof p !== 'string' || !p) throw bad(`group ${g + 1} names a shard ${shown(p)}`);
      paths.push(p);
    }
    for (const w of group.weights) {
      if (!isObj(w) || typeof w.name !== 'string') throw bad(`a weight of group ${g + 1} has no name`);
      const shape = w.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`weight '${w.name}' has shape ${shown(shape)}`);
      const n = count(shape as number[]);
      const q = w.quantization;
      let size: number | undefined;
      if (q !== undefined) {
        if (!isObj(q) || typeof q.dtype !== 'string' || !Object.hasOwn(QUANTIZED_BYTES, q.dtype)) throw bad(`weight '${w.name}' has quantization ${shown(q)}`);
        size = QUANTIZED_BYTES[q.dtype];
      } else if (w.dtype === 'string') {
        bytes = null;
      } else if (typeof w.dtype === 'string' && Object.hasOwn(DTYPE_BYTES, w.dtype)) {
        size = DTYPE_BYTES[w.dtype];
      } else {
        throw bad(`weight '${w.name}' has type ${shown(w.dtype)}`);
      }
      if (bytes !== null && size !== undefined) bytes += n * size;
      parameters += n;
      specs.push(w as unknown as tf.io.WeightsManifestEntry);
    }
  });
  return { specs, paths, parameters, bytes };
}

/** Reads the shards after checking that their sizes add up; float32 weights must be finite. */
export function readShards(dir: string, manifest: Manifest, file: string): ArrayBuffer {
  let total = 0;
  const files = manifest.paths.map((shard) => {
    const shardPath = path.resolve(dir, shard);
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(shardPath);
    } catch {
      // missing: said below
    }
    if (!stat?.isFile()) throw new UserError(`${file}: weight shard '${shard}' is missing`);
    total += stat.size;
    return { path: shardPath, size: stat.size };
  });
  if (manifest.bytes !== null && total < manifest.bytes) throw new UserError(`${file}: weight data is truncated (${total} bytes, ${manifest.bytes} expected)`);
  if (manifest.bytes !== null && total > manifest.bytes) {
    throw new UserError(`${file}: weight data is longer than the manifest says (${total} bytes, ${manifest.bytes} expected: a wrong or corrupt shard?)`);
  }
  // Each shard read straight into its place in one buffer: reading them whole, joining them and
  // taking the joined bytes' own ArrayBuffer copied DeepSEA's 211 MB three times (0.4 s).
  const data = new ArrayBuffer(total);
  const bytes = new Uint8Array(data);
  let at = 0;
  for (const shard of files) {
    const end = at + shard.size;
    const fd = fs.openSync(shard.path, 'r');
    try {
      for (let n = 1; at < end && n > 0; at += n) n = fs.readSync(fd, bytes, at, end - at, null);
      // Shorter or longer than its size a moment ago: rewritten meanwhile.
      if (at !== end || fs.readSync(fd, Buffer.alloc(1), 0, 1, null) !== 0) throw new UserError(`${file}: a weight shard changed while it was read`);
    } finally {
      fs.closeSync(fd);
    }
  }
  let offset = 0;
  for (const spec of manifest.specs) {
    const n = count(spec.shape);
    const size = spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
    if (size === undefined) break; // a string weight: offsets beyond it are not known here
    if (spec.dtype === 'float32' && !spec.quantization) {
      const values = offset % 4 === 0 ? new Float32Array(data, offset, n) : new Float32Array(data.slice(offset, offset + n * 4));
      const slash = spec.name.lastIndexOf('/');
      checkFinite(values, file, slash > 0 ? spec.name.slice(0, slash) : spec.name, spec.name);
    }
    offset += n * size;
  }
  return data;
}
