/**
 * Whether a result is current: computed from the same model files (by content) with the same
 * settings. The CLI records both in every result (`provenance`, the last key of results.json); a
 * batch skips a model whose result records what the model and the options are now, redoes one
 * whose model or settings changed, and refuses to overwrite the result of a different model that
 * happens to have the same name. Files are compared by size and modification time first and hashed
 * (SHA-256) only when those differ, so a resumed batch of hundreds of models checks in seconds,
 * and a model copied or touched without changing is not redone.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { findArchitecture, findWeights } from '../engine/load/keras-pair';
import { pickInFolder } from '../engine/load/model-files';
import type { FileStamp, Provenance, Results } from '../engine/results';
import { completeSettings, type Settings } from '../engine/settings';
import { shippedJaspar } from '../notebook/motif-files';

/** What the analysis of one model depends on besides the model (ModelJob's fields). */
export interface AnalysisInputs {
  settings: Partial<Settings>;
  length?: number;
  labelsFile?: string;
  motifs?: string;
  motifsBase?: string;
}

function tryOr<T>(f: () => T, fallback: T): T {
  try {
    return f();
  } catch {
    return fallback;
  }
}

/**
 * The files a model is read from: the file given (a folder's model.json or only model file), a TF.js
 * model's weight shards, a Keras weights file's architecture or an architecture's weights. When the
 * partner cannot be told for sure, candidates are included: a stamp that holds too many files only
 * redoes a model more often, never keeps a stale result.
 */
export function modelFiles(target: string): string[] {
  const file = tryOr(() => (fs.statSync(target).isDirectory() ? pickInFolder(target) : target), target);
  const files = new Set([file]);
  const dir = path.dirname(file);
  if (/\.json$/i.test(file)) {
    const json = tryOr(() => (fs.statSync(file).size < 64 << 20 ? JSON.parse(fs.readFileSync(file, 'utf8')) : null), null) as { weightsManifest?: { paths?: string[] }[] } | null;
    if (json?.weightsManifest) for (const group of json.weightsManifest) for (const p of group.paths ?? []) files.add(path.resolve(dir, p));
    else files.add(tryOr(() => findWeights(file), file));
  } else if (/\.ya?ml$/i.test(file)) {
    files.add(tryOr(() => findWeights(file), file));
  } else if (/\.(h5|hdf5)$/i.test(file)) {
    files.add(tryOr(() => findArchitecture(file).file, file));
  }
  return [...files].sort();
}

/** SHA-256 of a file, read in pieces (models of hundreds of MB). */
export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(1 << 22);
    for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

// Hashes by path, size and mtime, so a file read by many models (JASPAR) is hashed once per process.
const hashes = new Map<string, string>();

function stat(file: string): { bytes: number; mtimeMs: number } | null {
  return tryOr(() => {
    const s = fs.statSync(file);
    return { bytes: s.size, mtimeMs: s.mtimeMs };
  }, null);
}

/** The stamp of a file now (size −1 and no hash when it cannot be read). */
export function stampFile(file: string): FileStamp {
  const s = stat(file);
  if (!s) return { path: file, bytes: -1, mtimeMs: -1, sha256: '' };
  const key = `${file}\n${s.bytes}\n${s.mtimeMs}`;
  let sha = hashes.get(key);
  if (sha === undefined) {
    sha = tryOr(() => sha256File(file), '');
    hashes.set(key, sha);
  }
  return { path: file, ...s, sha256: sha };
}

/** A file named by content only (its name, not its folder: results travel between machines). */
function contentOf(file: string): { name: string; sha256: string } {
  return { name: path.basename(file), sha256: stampFile(file).sha256 };
}

/** JSON with object keys sorted, so that equal inputs give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v,
  );
}

/**
 * What the numbers depend on besides the model: every setting with its default filled in, except
 * the thread count (results are the same on 1 and 2 threads; a batch picks threads per job), the
 * input length, and the labels and motif files by content.
 */
export function analysisOf(inputs: AnalysisInputs): Record<string, unknown> {
  const { workers: _threads, ...settings } = completeSettings(inputs.settings);
  const spec = inputs.motifs ?? 'jaspar';
  const parts = spec.split(',').map((s) => s.trim()).filter(Boolean);
  const motifFiles = parts.includes('none') ? [] : parts.map((p) => (p === 'jaspar' ? shippedJaspar() : path.resolve(inputs.motifsBase ?? process.cwd(), p)));
  return JSON.parse(
    canonicalJson({
      settings,
      length: inputs.length ?? null,
      labels: inputs.labelsFile ? contentOf(inputs.labelsFile) : null,
      motifs: { spec, files: motifFiles.map(contentOf) },
    }),
  ) as Record<string, unknown>;
}

export function provenanceOf(model: string, inputs: AnalysisInputs): Provenance {
  return { modelFiles: modelFiles(model).map(stampFile), analysis: analysisOf(inputs) };
}

/** Files at least this large are hashed on a worker thread by provenanceSoon. */
const WORKER_BYTES = 16 << 20;

/** sha256File of each file on a worker thread ('' for one that cannot be read), the same loop. */
const HASH_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
parentPort.postMessage(workerData.map((file) => {
  try {
    const hash = createHash('sha256');
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(1 << 22);
      for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) hash.update(buffer.subarray(0, n));
    } finally {
      fs.closeSync(fd);
    }
    return hash.digest('hex');
  } catch {
    return '';
  }
}));
`;

function hashOnWorker(files: string[]): Promise<string[]> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(HASH_WORKER, { eval: true, workerData: files });
    } catch {
      resolve(files.map((f) => tryOr(() => sha256File(f), '')));
      return;
    }
    // It must not keep a process alive that has nothing else to do (a failed run exits at once).
    worker.unref();
    worker.once('message', (digests: string[]) => resolve(digests));
    worker.once('error', () => resolve(files.map((f) => tryOr(() => sha256File(f), ''))));
  });
}

/**
 * provenanceOf, with the model's large files hashed on a worker thread while the calling thread
 * loads and analyses the model (hashing DeepSEA's 211 MB of weights took 0.14 s of the CLI's
 * run). Sizes and times are taken now, before the model is read, as provenanceOf does.
 */
export function provenanceSoon(model: string, inputs: AnalysisInputs): Promise<Provenance> {
  const files = modelFiles(model).map((file) => ({ file, stat: stat(file) }));
  const analysis = analysisOf(inputs);
  const key = (file: string, s: { bytes: number; mtimeMs: number }) => `${file}\n${s.bytes}\n${s.mtimeMs}`;
  const large = files.filter((f) => f.stat !== null && f.stat.bytes >= WORKER_BYTES && !hashes.has(key(f.file, f.stat)));
  const hashed = large.length ? hashOnWorker(large.map((f) => f.file)) : Promise.resolve([]);
  return hashed.then((digests) => {
    large.forEach((f, i) => hashes.set(key(f.file, f.stat!), digests[i]));
    const modelFiles = files.map(({ file, stat: s }): FileStamp => {
      const sha256 = s ? hashes.get(key(file, s)) : undefined;
      return s && sha256 !== undefined ? { path: file, ...s, sha256 } : stampFile(file);
    });
    return { modelFiles, analysis };
  });
}

/** How far to read from the end of a results file for its provenance (it is the last key). */
const TAIL = 1 << 20;
const MARKER = ',"provenance":';

/**
 * The provenance recorded in a results file, or null (no file, not a result, none recorded). Only
 * the end of the file is read when the CLI wrote it (provenance is its last key); anything else is
 * parsed whole.
 */
export function readProvenance(file: string): Provenance | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, TAIL);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const tail = buffer.toString('utf8');
    const at = tail.lastIndexOf(MARKER);
    if (at >= 0) {
      const parsed = tryOr(() => JSON.parse(`{${tail.slice(at + 1)}`) as { provenance?: Provenance }, null);
      if (parsed?.provenance) return parsed.provenance;
    }
    if (size > 256 << 20) return null;
    const whole = tryOr(() => JSON.parse(fs.readFileSync(file, 'utf8')) as Results, null);
    return whole?.provenance ?? null;
  } finally {
    fs.closeSync(fd);
  }
}

export type Currency =
  | { current: true }
  | { current: false; why: 'new' | 'settings' | 'model'; detail?: string }
  /** The file holds the result of another model (same name, other path and content). */
  | { current: false; why: 'other-model'; detail: string };

/** The first setting whose recorded value differs, for the line that says why a model is redone. */
function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ''): string | undefined {
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[key];
    const y = b[key];
    if (canonicalJson(x) === canonicalJson(y)) continue;
    if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) return firstDifference(x as Record<string, unknown>, y as Record<string, unknown>, `${prefix}${key}.`);
    return `${prefix}${key}: ${canonicalJson(x) ?? 'unset'} → ${canonicalJson(y) ?? 'unset'}`;
  }
  return undefined;
}

/** Whether the result in `resultFile` was computed from `model` as it is now with `analysis`. */
export function currency(resultFile: string, model: string, analysis: Record<string, unknown>): Currency {
  const recorded = readProvenance(resultFile);
  if (!recorded?.modelFiles || !recorded.analysis) return { current: false, why: 'new' };
  const files = modelFiles(model);
  const samePlace = recorded.modelFiles.length === files.length && recorded.modelFiles.every((r, i) => r.path === files[i]);
  const unchanged = samePlace && recorded.modelFiles.every((r) => {
    const s = stat(r.path);
    return s !== null && s.bytes === r.bytes && s.mtimeMs === r.mtimeMs;
  });
  if (!unchanged) {
    const now = files.map((f) => stampFile(f).sha256).sort();
    const then = recorded.modelFiles.map((r) => r.sha256).sort();
    if (canonicalJson(now) !== canonicalJson(then)) {
      const overlap = recorded.modelFiles.some((r) => files.includes(r.path));
      if (!overlap) return { current: false, why: 'other-model', detail: recorded.modelFiles[0]?.path ?? '?' };
      return { current: false, why: 'model', detail: 'the model file changed' };
    }
  }
  if (canonicalJson(recorded.analysis) !== canonicalJson(analysis)) return { current: false, why: 'settings', detail: firstDifference(recorded.analysis, analysis) };
  return { current: true };
}
