/**
 * A results document on disk (schema 3.0, docs/results-schema.md): `NAME.json` with everything
 * other tools read (metadata, settings, features, per-class OFIV/ONIV/variance/mixture, the
 * similarity) and `NAME.npz` beside it with the restart-level arrays (per-restart FIVs, score
 * traces, feature maps), which are most of the bytes. Numbers are stored at float32 precision —
 * the precision the analysis computes in — as the shortest decimal that reads back to the same
 * float32, so no digit in the file is noise. ONIV equals OFIV except at the non-additive
 * features, so the JSON keeps only those (`onivNonAdditive`, schema 3): a quarter of a large
 * result's bytes. Readers accept schema 1.x (everything in the JSON) and 2.x (full `oniv`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';
import { decodeNpz, encodeNpz, type NpyArray } from './npy';
import { SCHEMA_VERSION, type ClassResult, type Results } from './results';
import type { FileWrite } from './write-atomic';

/** `results.json` → `results.npz` (any other name gets `.npz` added). */
export function companionPath(jsonPath: string): string {
  return jsonPath.replace(/\.json$/i, '') + '.npz';
}

const f32 = new Float32Array(1);

/**
 * `v` at float32 precision, as the number whose shortest decimal (what JSON.stringify prints) is
 * the shortest decimal that reads back to the same float32: 0.47338867 instead of 0.473388671875.
 */
export function float32Number(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  f32[0] = v;
  const target = f32[0];
  for (let digits = 6; digits < 9; digits++) {
    const shorter = Number(target.toPrecision(digits));
    f32[0] = shorter;
    if (f32[0] === target) return shorter;
  }
  return Number(target.toPrecision(9));
}

/** Shortest float32 text of a number (CSV cells); integers and non-finite values as they are. */
export function float32Text(v: number): string {
  return String(float32Number(v));
}

/** JSON text of a number at float32 precision: the shorter of JavaScript's form and the exponent form (8.6877626e-5, not 0.000086877626). */
export function float32Json(v: number): string {
  if (!Number.isFinite(v)) return 'null';
  const x = float32Number(v);
  const plain = String(x);
  const exp = x.toExponential().replace('e+', 'e');
  return exp.length < plain.length ? exp : plain;
}

/**
 * Numeric arrays of the document are written by float32Json: each is replaced by a token (a
 * string no name can be, with a per-write nonce) that the text of the array then replaces.
 */
class NumberArrays {
  private readonly nonce = `\u0000${Math.random().toString(36).slice(2)}:`;
  readonly texts: string[] = [];
  token(xs: readonly number[]): string {
    this.texts.push(`[${xs.map(float32Json).join(',')}]`);
    return `${this.nonce}${this.texts.length - 1}`;
  }
  /** The JSON text of `doc` with every token replaced by its array's text. */
  stringify(doc: unknown): string {
    const quoted = JSON.stringify(this.nonce).slice(1, -1);
    const pattern = new RegExp(`"${quoted.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}(\\d+)"`, 'g');
    return JSON.stringify(doc).replace(pattern, (_m, i: string) => this.texts[Number(i)]);
  }
}

const sameFloat32 = (a: number, b: number) => Object.is(Math.fround(a), Math.fround(b));

/**
 * The ONIV values the JSON needs: those of the non-additive features when every other feature's
 * ONIV is its OFIV at float32 (as DeepResolve defines it, statistics.ts); null when some other
 * feature differs (a result from elsewhere), and the full list is written instead.
 */
export function onivNonAdditive(c: Pick<ClassResult, 'ofiv' | 'oniv' | 'nonAdditive'>): number[] | null {
  if (!Array.isArray(c.ofiv) || !Array.isArray(c.nonAdditive) || c.oniv.length !== c.ofiv.length) return null;
  const na = new Set(c.nonAdditive);
  if (na.size !== c.nonAdditive.length || c.nonAdditive.some((k) => !Number.isInteger(k) || k < 0 || k >= c.ofiv.length)) return null;
  for (let k = 0; k < c.oniv.length; k++) if (!na.has(k) && !sameFloat32(c.oniv[k], c.ofiv[k])) return null;
  return c.nonAdditive.map((k) => c.oniv[k]);
}

/** A class as the JSON keeps it: the restart-level arrays and sd (= √variance) left out, ONIV where it differs from OFIV. */
function diskClass(c: ClassResult, arrays: NumberArrays): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(c)) {
    if (key === 'fiv' || key === 'sd' || key === 'traces' || key === 'featureMaps') continue;
    if (key === 'oniv' && Array.isArray(value)) {
      const sparse = onivNonAdditive(c);
      if (sparse) out.onivNonAdditive = arrays.token(sparse);
      else out.oniv = arrays.token(value as number[]);
    } else if (key === 'gmm') {
      const g = value as ClassResult['gmm'];
      out.gmm = { means: arrays.token(g.means), variances: arrays.token(g.variances), weights: arrays.token(g.weights), bic: arrays.token(g.bic) };
    } else if (key === 'scores' || key === 'objectives' || key === 'weights' || key === 'ofiv' || key === 'oniv' || key === 'variance') {
      out[key] = arrays.token(value as number[]);
    } else out[key] = value;
  }
  return out;
}

function diskMatrix<T extends { matrix: number[][] }>(m: T, arrays: NumberArrays): T {
  return { ...m, matrix: m.matrix.map((row) => arrays.token(row)) };
}

/** Restart-level arrays of every class, as the .npz holds them (NaN pads what a class lacks). */
export function companionArrays(r: Results): Record<string, NpyArray> {
  const classes = r.classes.length;
  const restarts = Math.max(0, ...r.classes.map((c) => c.fiv?.length ?? 0));
  const features = r.features.length;
  const fiv = new Float32Array(classes * restarts * features).fill(NaN);
  r.classes.forEach((c, i) => c.fiv?.forEach((row, t) => fiv.set(row, (i * restarts + t) * features)));
  const arrays: Record<string, NpyArray> = {
    class_index: { shape: [classes], data: Int32Array.from(r.classes, (c) => c.index) },
    fiv: { shape: [classes, restarts, features], data: fiv },
  };
  if (r.classes.some((c) => c.traces?.length)) {
    const points = Math.max(0, ...r.classes.flatMap((c) => (c.traces ?? []).map((t) => t.scores.length)));
    const scores = new Float32Array(classes * restarts * points).fill(NaN);
    const stride = new Int32Array(classes * restarts);
    r.classes.forEach((c, i) =>
      (c.traces ?? []).forEach((t, j) => {
        stride[i * restarts + j] = t.stride;
        scores.set(t.scores, (i * restarts + j) * points);
      }),
    );
    arrays.trace_stride = { shape: [classes, restarts], data: stride };
    arrays.trace_scores = { shape: [classes, restarts, points], data: scores };
  }
  if (r.classes.some((c) => c.featureMaps?.length)) {
    const size = r.model.layer.positions * r.model.layer.channels;
    const maps = new Float32Array(classes * restarts * size).fill(NaN);
    r.classes.forEach((c, i) => (c.featureMaps ?? []).forEach((m, t) => maps.set(m, (i * restarts + t) * size)));
    arrays.feature_maps = { shape: [classes, restarts, size], data: maps };
  }
  return arrays;
}

/** What `arrays` in the JSON says about the companion. */
export interface ArraysRef {
  /** File name beside the JSON. */
  file: string;
  format: 'npz';
  entries: Record<string, { dtype: string; shape: number[] }>;
}

/** The JSON text of a result whose companion is `companionFile` (provenance stays the last key). */
export function diskJson(r: Results, arrays: Record<string, NpyArray>, companionFile: string): string {
  const numbers = new NumberArrays();
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(r)) {
    if (key === 'provenance' || key === 'arrays') continue;
    if (key === 'schemaVersion') doc[key] = SCHEMA_VERSION;
    else if (key === 'classes') doc[key] = r.classes.map((c) => diskClass(c, numbers));
    else if (key === 'similarity' || key === 'labelCorrelation') doc[key] = diskMatrix(value as Results['similarity'], numbers);
    else doc[key] = value;
  }
  const ref: ArraysRef = {
    file: companionFile,
    format: 'npz',
    entries: Object.fromEntries(Object.entries(arrays).map(([name, a]) => [name, { dtype: a.data instanceof Int32Array ? 'int32' : 'float32', shape: a.shape }])),
  };
  doc.arrays = ref;
  if (r.provenance) doc.provenance = r.provenance;
  return numbers.stringify(doc);
}

/** The two files of a result, companion first and the JSON last (writeFilesAtomic renames in order). */
export function resultsFiles(r: Results, jsonPath: string): FileWrite[] {
  const npz = companionPath(jsonPath);
  const arrays = companionArrays(r);
  return [
    { path: npz, data: encodeNpz(arrays) },
    { path: jsonPath, data: diskJson(r, arrays, path.basename(npz)) },
  ];
}

/** Rows of a (classes × restarts × n) array of class i, NaN padding dropped. */
function rowsOf(a: NpyArray, i: number): number[][] {
  const [, restarts, n] = a.shape;
  const out: number[][] = [];
  for (let t = 0; t < restarts; t++) {
    const row = Array.from(a.data.subarray((i * restarts + t) * n, (i * restarts + t + 1) * n));
    if (row.length && row.every((v) => Number.isNaN(v))) continue;
    out.push(row);
  }
  return out;
}

/** A class's full ONIV from the JSON: its OFIV with the non-additive features' values put in (schema 3), or `oniv` as written. */
function onivFromDisk(c: ClassResult & { onivNonAdditive?: number[] }): void {
  const sparse = c.onivNonAdditive;
  delete c.onivNonAdditive;
  if (Array.isArray(c.oniv) || !Array.isArray(sparse) || !Array.isArray(c.ofiv)) return;
  c.oniv = [...c.ofiv];
  (c.nonAdditive ?? []).forEach((k, j) => (c.oniv[k] = sparse[j]));
}

/** A results document read from disk: the JSON with its companion's arrays put back (schema 2 and 3), or a schema 1 document as it is. */
export function fromDisk(doc: Record<string, unknown>, arrays: Record<string, NpyArray> | null): Results {
  const r = doc as unknown as Results & { arrays?: ArraysRef };
  for (const [i, c] of r.classes.entries()) {
    onivFromDisk(c);
    c.sd ??= c.variance.map(Math.sqrt);
    if (!arrays) {
      c.fiv ??= [];
      continue;
    }
    const at = arrays.class_index ? Array.from(arrays.class_index.data).indexOf(c.index) : i;
    if (arrays.fiv && at >= 0) c.fiv = rowsOf(arrays.fiv, at);
    if (arrays.trace_scores && arrays.trace_stride && at >= 0) {
      const restarts = arrays.trace_scores.shape[1];
      c.traces = rowsOf(arrays.trace_scores, at).map((scores, t) => ({ stride: arrays.trace_stride.data[at * restarts + t], scores: scores.filter((v) => !Number.isNaN(v)) }));
    }
    if (arrays.feature_maps && at >= 0) c.featureMaps = rowsOf(arrays.feature_maps, at);
  }
  return r;
}

/**
 * Reads a results file of any schema this version knows (1.x to 3.x). With `arrays: false` the
 * companion is not read (the per-restart FIVs stay empty): for readers that need only the JSON.
 */
export function readResults(file: string, options: { arrays?: boolean } = {}): Results {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.code ? e.message : `not JSON (${e.message.split('\n')[0]})`}`);
  }
  const version = typeof doc?.schemaVersion === 'string' ? doc.schemaVersion : undefined;
  if (!version || !Array.isArray(doc.classes) || !doc.model) throw new UserError(`${file}: not a DeepResolve results document`);
  const major = Number(version.split('.')[0]);
  if (!(major >= 1 && major <= 3)) throw new UserError(`${file}: results schema ${version} is newer than this DeepResolve reads (1.x to 3.x); update DeepResolve`);
  const ref = doc.arrays as ArraysRef | undefined;
  if (major < 2 || !ref || options.arrays === false) return fromDisk(doc, null);
  const companion = path.join(path.dirname(file), path.basename(String(ref.file)));
  if (!fs.existsSync(companion)) throw new UserError(`${file}: its per-restart arrays ${path.basename(companion)} are missing (keep the .npz beside the .json)`);
  return fromDisk(doc, decodeNpz(fs.readFileSync(companion), companion));
}
