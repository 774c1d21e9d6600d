/**
 * The notebook payload (MIME application/vnd.deepresolve.result+json): ViewData with its large
 * numeric arrays stored as integer multiples of a step per class (Quantized: zigzag, byte planes,
 * deflated, base64) — so a 919 × 960 result stays under 3 MB in a saved notebook. The step is a
 * fraction of the class's largest |value|: 1/32767 in small payloads, 1/1023 (OFIV) and 1/127
 * (SD) in a large dashboard — a pixel of any bar or axis, a shade of any colour; the values read
 * back rounded to the decimals their step supports, so no tooltip shows a digit the payload does
 * not hold. A dashboard's class similarity is not stored: it is the Pearson correlation of the
 * OFIV profiles, recomputed on reading; negative features are recomputed from the OFIV and the
 * threshold (the few the rounding moves are listed). Versions 1 and 2 (float16) still read. Runs
 * in Node and in the browser (no Buffer).
 */
import { deflateSync, inflateSync } from 'fflate';
import { correlationMatrix } from '../src/engine/cluster';
import type { MotifMatch, ViewClass, ViewData, ViewFeature, ViewMatrix } from './data';

export const RESULT_MIME = 'application/vnd.deepresolve.result+json';
export const PAYLOAD_FORMAT = 'deepresolve.view';
/**
 * 2: deflated arrays (Packed.z), similarity recomputed (PackedMatrix.values absent), single-view payloads (`only`).
 * 3: OFIV, SD and matrices Quantized, ONIV of the non-additive features in OFIV steps (onivQ), negatives recomputed (negativeFix).
 * 1 and 2 still read.
 */
export const PAYLOAD_VERSION = 3;

export const VIEW_NAMES = ['heatmap', 'importance', 'interactions', 'similarity', 'logos', 'convergence'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/**
 * values[i] ≈ decode(half[i]) · scale; NaN stands for null. The halves are little-endian bytes:
 * `f16` (version 1) their base64, `z` (version 2) the base64 of their deflated byte planes (all
 * low bytes, then all high bytes: the high bytes of similar values repeat, so they deflate).
 */
export interface Packed {
  n: number;
  scale: number;
  f16?: string;
  z?: string;
}

/**
 * Version 3: `rows` rows of `n` values, value = q · steps[row], q an integer in
 * ±(2^(bits−1) − 1); `z` is the base64 of the deflated byte planes (low bytes, then high bytes) of
 * the zigzag-coded q as uint16 (0xffff: NaN). Small integers near 0 have a zero high byte, so the
 * high plane deflates to almost nothing.
 */
export interface Quantized {
  rows: number;
  n: number;
  bits: number;
  steps: number[];
  z: string;
}

export interface PackedMatrix extends Omit<ViewMatrix, 'matrix'> {
  size: number;
  /** Symmetric matrices keep the upper triangle (with diagonal) row by row. */
  symmetric: boolean;
  /** Absent: the Pearson correlation of the classes' OFIV profiles, computed by the reader. */
  values?: Packed | Quantized;
}

/** A feature's motif match with its attribution line replaced by an index into data.attributions. */
export type PackedMatch = Omit<MotifMatch, 'attribution'> & { a?: number };
export type PackedFeature = Omit<ViewFeature, 'matches'> & { matches?: PackedMatch[] };

export interface Payload {
  format: typeof PAYLOAD_FORMAT;
  version: typeof PAYLOAD_VERSION;
  /** The view shown first. */
  view: ViewName;
  /** Only this view (a magic's own output: %features, %similarity, …); its data is the subset it draws. Absent: the whole dashboard (%resolve). */
  only?: boolean;
  /** What the view opens on (e.g. %interactions CLASS, %logos FEATURES); optional, so version 1 still reads. */
  focus?: Focus;
  /**
   * Version 2 as saved: `data` as deflated JSON in base64 (sealPayload). A notebook is saved
   * indented, one number a line, so numbers outside strings would take many times their size.
   */
  zdata?: string;
  data: Omit<ViewData, 'classes' | 'similarity' | 'labelCorrelation' | 'features'> & {
    features: PackedFeature[];
    /** Attribution lines of the motif collections, stored once (optional: older payloads carry them per match). */
    attributions?: string[];
    classes: (Omit<ViewClass, 'ofiv' | 'oniv' | 'sd' | 'traces' | 'negative'> & {
      /** Versions 1–2: ONIV of the non-additive features (4 digits). */
      onivNonAdditive?: number[];
      /** Version 3: ONIV of the non-additive features in steps of the class's OFIV row. */
      onivQ?: number[];
      /** Version 3: features whose negative flag differs from the one recomputed from the stored OFIV (rounding at the threshold). */
      negativeFix?: number[];
      traces?: { stride: number; scores: Packed }[];
      /** Version 1: the negative features' indices. */
      negative?: number[];
      /** Version 2: base64 bitmask over the features (bit k of byte k >> 3): half of a noisy layer's features can be negative. */
      negativeMask?: string;
    })[];
    /** classes × features, row-major (version 3: one row per class). */
    ofiv: Packed | Quantized;
    sd: Packed | Quantized;
    similarity: PackedMatrix;
    labelCorrelation?: PackedMatrix;
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE half precision, round to nearest even; NaN → 0x7e00. */
export function toHalf(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00;
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

type NodeBuffer = { from(b: Uint8Array | string, enc?: string): Uint8Array & { toString(e: string): string } };
const NodeBuf = (globalThis as unknown as { Buffer?: NodeBuffer }).Buffer;

// Native codecs (Buffer in Node, btoa/atob in the webview): a 919 × 960 payload is ~8 MB of base64.
export function toBase64(bytes: Uint8Array): string {
  if (NodeBuf) return NodeBuf.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  return btoa(s);
}

export function fromBase64(s: string): Uint8Array {
  if (NodeBuf) return new Uint8Array(NodeBuf.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

let HALF_TABLE: Float64Array | undefined;
function halfTable(): Float64Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float64Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = fromHalf(h);
  }
  return HALF_TABLE;
}

/**
 * Packs values as float16 (keeping `bits` of the 10 mantissa bits, rounded: fewer bits deflate
 * better), byte planes deflated. `compress: false` writes version 1's plain `f16`.
 */
export function pack(values: ArrayLike<number | null>, options: { bits?: number; compress?: boolean } = {}): Packed {
  const drop = 10 - Math.max(0, Math.min(10, options.bits ?? 10));
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  }
  // A power of two keeps the scaling exact; values then lie in [-1, 1].
  const scale = max > 0 ? 2 ** Math.ceil(Math.log2(max)) : 1;
  const bytes = new Uint8Array(values.length * 2);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let h = toHalf(v === null || !Number.isFinite(v) ? NaN : v / scale);
    // Round to the kept mantissa bits (a carry into the exponent is the right rounding too).
    if (drop && (h & 0x7c00) !== 0x7c00) h = Math.min(0x7bff | (h & 0x8000), ((h + (1 << (drop - 1))) >> drop) << drop);
    bytes[2 * i] = h & 255;
    bytes[2 * i + 1] = h >> 8;
  }
  if (options.compress === false) return { n: values.length, scale, f16: toBase64(bytes) };
  const planes = new Uint8Array(bytes.length);
  for (let i = 0; i < values.length; i++) {
    planes[i] = bytes[2 * i];
    planes[values.length + i] = bytes[2 * i + 1];
  }
  return { n: values.length, scale, z: toBase64(deflateSync(planes, { level: 9 })) };
}

/** The little-endian half bytes of a Packed, from either form. */
function halfBytes(p: Packed): Uint8Array {
  if (p.z === undefined) return fromBase64(p.f16 ?? '');
  const planes = inflateSync(fromBase64(p.z));
  const bytes = new Uint8Array(2 * p.n);
  for (let i = 0; i < p.n; i++) {
    bytes[2 * i] = planes[i];
    bytes[2 * i + 1] = planes[p.n + i];
  }
  return bytes;
}

export function unpack(p: Packed): (number | null)[] {
  const bytes = halfBytes(p);
  const table = halfTable();
  const out = new Array<number | null>(p.n);
  for (let i = 0; i < p.n; i++) {
    const v = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
    out[i] = v !== v ? null : v * p.scale;
  }
  return out;
}

/** Like unpack, with NaN for null: the form per-class vectors take. */
function unpackNumbers(p: Packed): number[] {
  const bytes = halfBytes(p);
  const table = halfTable();
  const out = new Array<number>(p.n);
  for (let i = 0; i < p.n; i++) out[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)] * p.scale;
  return out;
}

/** Step of a row whose largest |value| is `max`, at `bits` (a float32, so that the payload's JSON keeps it exactly). */
function stepOf(max: number, bits: number): number {
  return max > 0 && Number.isFinite(max) ? Math.fround(max / (2 ** (bits - 1) - 1)) : 1;
}

/** Rows of values as integers of a per-row step (see Quantized). */
export function quantize(rows: ArrayLike<number | null>[], bits: number): Quantized {
  const n = rows[0]?.length ?? 0;
  const limit = 2 ** (bits - 1) - 1;
  const count = rows.length * n;
  const planes = new Uint8Array(2 * count);
  const steps = rows.map((row, i) => {
    if (row.length !== n) throw new Error(`quantize: row ${i} has ${row.length} values, not ${n}`);
    let max = 0;
    for (let k = 0; k < n; k++) {
      const v = row[k];
      if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
    }
    const step = stepOf(max, bits);
    for (let k = 0; k < n; k++) {
      const v = row[k];
      let z = 0xffff;
      if (v !== null && Number.isFinite(v)) {
        const q = Math.max(-limit, Math.min(limit, Math.round(v / step)));
        z = q >= 0 ? 2 * q : -2 * q - 1;
      }
      planes[i * n + k] = z & 255;
      planes[count + i * n + k] = z >> 8;
    }
    return step;
  });
  return { rows: rows.length, n, bits, steps, z: toBase64(deflateSync(planes, { level: 9 })) };
}

/** q · step rounded to the decimals the step supports (10^−d ≤ step): tooltips show no digit the payload lacks. */
function stepValue(q: number, step: number): number {
  const d = Math.ceil(-Math.log10(step));
  const v = q * step;
  if (!Number.isFinite(d) || d > 20) return v;
  // Steps of 10 or more round to whole tens, hundreds…: multiplying integers stays exact.
  return d >= 0 ? Math.round(v * 10 ** d) / 10 ** d : Math.round(v / 10 ** -d) * 10 ** -d;
}

/** The rows of a Quantized (NaN where a value was not finite). */
export function dequantize(p: Quantized): number[][] {
  const planes = inflateSync(fromBase64(p.z));
  const count = p.rows * p.n;
  return Array.from({ length: p.rows }, (_, i) => {
    const row = new Array<number>(p.n);
    for (let k = 0; k < p.n; k++) {
      const z = planes[i * p.n + k] | (planes[count + i * p.n + k] << 8);
      row[k] = z === 0xffff ? NaN : stepValue(z & 1 ? -(z + 1) / 2 : z / 2, p.steps[i]);
    }
    return row;
  });
}

const isQuantized = (p: Packed | Quantized): p is Quantized => 'steps' in p;

/** Values of a Packed or Quantized as one flat list (NaN for null). */
function flatNumbers(p: Packed | Quantized): number[] {
  return isQuantized(p) ? dequantize(p).flat() : unpackNumbers(p);
}

/** Above this many values an array is stored at the dashboard's coarser steps (payloads of one class stay at 1/32767). */
const LARGE = 100_000;
const FINE_BITS = 16;
/** A large dashboard: OFIV to 1/1023 of the class's largest |OFIV|, SD to 1/127 of its largest SD, correlations to 1/511. */
const OFIV_BITS = 11;
const SD_BITS = 8;
const MATRIX_BITS = 10;

function packMatrix(m: ViewMatrix, withValues = true): PackedMatrix {
  const size = m.matrix.length;
  const symmetric = m.matrix.every((row, i) => row.every((v, j) => v === m.matrix[j][i] || (Number.isNaN(v as number) && Number.isNaN(m.matrix[j][i] as number))));
  const flat: (number | null)[] = [];
  for (let i = 0; i < size; i++) for (let j = symmetric ? i : 0; j < size; j++) flat.push(m.matrix[i][j]);
  const { matrix: _, ...rest } = m;
  return { ...rest, size, symmetric, ...(withValues ? { values: quantize([flat], flat.length > LARGE ? MATRIX_BITS : FINE_BITS) } : {}) };
}

function unpackMatrix(p: PackedMatrix, classes: ViewClass[]): ViewMatrix {
  const { size: _s, symmetric: _y, values: _v, ...rest } = p;
  if (!p.values) {
    // The engine's similarity (src/engine/resolve.ts): Pearson r of the OFIV profiles, in classes[] order.
    const at = new Map(classes.map((c, i) => [c.index, i]));
    const matrix = correlationMatrix(p.classes.map((ci) => classes[at.get(ci) ?? -1]?.ofiv ?? []));
    return { ...rest, matrix: matrix.map((row) => row.map((v) => (Number.isFinite(v) ? v : null))) };
  }
  const flat = isQuantized(p.values) ? p.values.rows ? dequantize(p.values)[0].map((v) => (Number.isNaN(v) ? null : v)) : [] : unpack(p.values);
  const matrix: (number | null)[][] = Array.from({ length: p.size }, () => new Array<number | null>(p.size).fill(null));
  let k = 0;
  for (let i = 0; i < p.size; i++) {
    for (let j = p.symmetric ? i : 0; j < p.size; j++) {
      matrix[i][j] = flat[k];
      if (p.symmetric) matrix[j][i] = flat[k];
      k++;
    }
  }
  return { ...rest, matrix };
}

/** Whether the reader can recompute `m` from the OFIV profiles of `classes` (the engine's own similarity). */
function recomputable(m: ViewMatrix, classes: ViewClass[]): boolean {
  if (m.method !== 'pearson' || m.classes.length !== classes.length || m.classes.some((ci, i) => classes[i].index !== ci)) return false;
  // Spot-check a few entries, so that a matrix computed otherwise is stored as it is.
  const n = classes.length;
  const probes = [[0, n - 1], [Math.floor(n / 2), 0], [n - 1, Math.floor(n / 3)]];
  return probes.every(([i, j]) => {
    const v = m.matrix[i]?.[j];
    const r = i === j ? 1 : correlationMatrix([classes[i].ofiv, classes[j].ofiv])[0][1];
    // float32 inputs (a result read from disk) move r by ~1e-7.
    return v === null || v === undefined ? !Number.isFinite(r) : Math.abs(v - r) < 1e-5;
  });
}

const round = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

/** Position in `classes` and feature index a view opens on. */
export interface Focus {
  classPos?: number;
  feature?: number;
}

/** A view's own data: per-class views keep their class; the similarity keeps names and the matrices. */
function subsetFor(data: ViewData, view: ViewName, focus: Focus): { data: ViewData; focus: Focus } {
  if (view === 'heatmap') return { data, focus };
  if (view === 'similarity') {
    // The matrix needs the classes' names and indices only.
    const classes = data.classes.map((c) => ({ ...c, ofiv: [], oniv: [], sd: [], scores: [], iterations: [], gmm: { means: [], variances: [], weights: [] }, nonAdditive: [], negative: [], traces: undefined }));
    return { data: { ...data, classes }, focus };
  }
  const pos = Math.min(Math.max(focus.classPos ?? 0, 0), Math.max(data.classes.length - 1, 0));
  const c = data.classes[pos];
  if (!c) return { data, focus };
  return {
    data: { ...data, classes: [c], similarity: { method: data.similarity.method, classes: [c.index], order: [0], matrix: [[1]] }, labelCorrelation: undefined },
    focus: { ...focus, classPos: 0 },
  };
}

export function packView(data: ViewData, view: ViewName = 'heatmap', focus: Focus = {}, options: { only?: boolean } = {}): Payload {
  if (options.only) ({ data, focus } = subsetFor(data, view, focus));
  const { classes, similarity, labelCorrelation, features, ...rest } = data;
  const attributions: string[] = [];
  const packMatch = ({ attribution, pwm, ...m }: MotifMatch): PackedMatch => {
    let a = attribution === undefined ? -1 : attributions.indexOf(attribution);
    if (attribution !== undefined && a < 0) a = attributions.push(attribution) - 1;
    return {
      ...m,
      ...(m.pValue !== undefined ? { pValue: round(m.pValue, 2) } : {}),
      ...(m.qValue !== undefined ? { qValue: round(m.qValue, 2) } : {}),
      ...(a >= 0 ? { a } : {}),
      ...(pwm ? { pwm: pwm.map((row) => row.map((v) => round(v, 3))) } : {}),
    };
  };
  const large = classes.length * features.length > LARGE;
  const ofiv = quantize(classes.map((c) => c.ofiv), large ? OFIV_BITS : FINE_BITS);
  // The negative features as the reader will recompute them from the stored OFIV.
  const storedOfiv = dequantize(ofiv);
  const packedFeatures = features.map(({ matches, ...f }): PackedFeature => ({
    ...f,
    ...(f.pwm ? { pwm: f.pwm.map((row) => row.map((v) => round(v, 3))), ic: f.ic?.map((v) => round(v, 3)) } : {}),
    ...(matches ? { matches: matches.map(packMatch) } : {}),
  }));
  return {
    format: PAYLOAD_FORMAT,
    version: PAYLOAD_VERSION,
    view,
    ...(options.only ? { only: true } : {}),
    ...(focus.classPos !== undefined || focus.feature !== undefined ? { focus } : {}),
    data: {
      ...rest,
      features: packedFeatures,
      ...(attributions.length ? { attributions } : {}),
      classes: classes.map(({ ofiv: _o, oniv, sd: _s, traces, negative, ...c }, i) => {
        const step = ofiv.steps[i];
        const fix = symmetricDifference(negativeOf(storedOfiv[i], data.settings.negativeThreshold), negative);
        return {
          ...c,
          ...(fix.length ? { negativeFix: fix } : {}),
          scores: c.scores.map((v) => round(v)),
          gmm: { means: c.gmm.means.map((v) => round(v)), variances: c.gmm.variances.map((v) => round(v)), weights: c.gmm.weights.map((v) => round(v)) },
          onivQ: c.nonAdditive.map((k) => (Number.isFinite(oniv[k]) ? Math.round(oniv[k] / step) : 0)),
          ...(traces ? { traces: traces.map((t) => ({ stride: t.stride, scores: pack(t.scores) })) } : {}),
        };
      }),
      ofiv,
      sd: quantize(classes.map((c) => c.sd), large ? SD_BITS : FINE_BITS),
      similarity: packMatrix(similarity, !(view !== 'similarity' && recomputable(similarity, classes))),
      ...(labelCorrelation ? { labelCorrelation: packMatrix(labelCorrelation) } : {}),
    },
  };
}

/** The engine's rule (src/engine/statistics.ts): OFIV < 0 and |OFIV| ≥ threshold · max |OFIV| of the class. */
function negativeOf(ofiv: number[], threshold: number): number[] {
  let scale = 0;
  for (const v of ofiv) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  return ofiv.flatMap((v, k) => (v < 0 && -v >= threshold * scale ? [k] : []));
}

function symmetricDifference(a: number[], b: number[]): number[] {
  const sa = new Set(a);
  const sb = new Set(b);
  return [...a.filter((k) => !sb.has(k)), ...b.filter((k) => !sa.has(k))].sort((x, y) => x - y);
}

function fromBitmask(bytes: Uint8Array, n: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < n; k++) if (bytes[k >> 3] & (1 << (k & 7))) out.push(k);
  return out;
}

export class PayloadError extends Error {}

/** The payload as a notebook stores it: `data` deflated into `zdata` (see Payload.zdata). */
export function sealPayload(p: Payload): Omit<Payload, 'data'> & { zdata: string } {
  const { data, ...rest } = p;
  return { ...rest, zdata: toBase64(deflateSync(new TextEncoder().encode(JSON.stringify(data)), { level: 9 })) };
}

export function unpackView(payload: unknown): { view: ViewName; focus: Focus; data: ViewData; only: boolean } {
  const p = payload as Payload;
  if (!p || typeof p !== 'object' || p.format !== PAYLOAD_FORMAT) throw new PayloadError('not a DeepResolve view payload');
  if (p.version !== PAYLOAD_VERSION && (p.version as number) !== 1 && (p.version as number) !== 2) throw new PayloadError(`payload version ${String(p.version)} is not supported (this renderer reads version ${PAYLOAD_VERSION}); update the extension`);
  let sealed: Payload['data'] | undefined;
  if (typeof p.zdata === 'string' && !p.data) {
    try {
      sealed = JSON.parse(new TextDecoder().decode(inflateSync(fromBase64(p.zdata)))) as Payload['data'];
    } catch {
      throw new PayloadError('the DeepResolve payload of this output is damaged (its data does not inflate); run the magic again');
    }
  }
  const { classes, ofiv, sd, similarity, labelCorrelation, attributions = [], features, ...rest } = sealed ?? p.data;
  const k = features.length;
  const allOfiv = flatNumbers(ofiv);
  const allSd = flatNumbers(sd);
  const threshold = (rest.settings as Partial<ViewData['settings']> | undefined)?.negativeThreshold ?? 0.05;
  const unpacked: ViewClass[] = classes.map(({ onivNonAdditive, onivQ, negativeFix, traces, negativeMask, negative, ...c }, i) => {
    const o = allOfiv.slice(i * k, (i + 1) * k);
    const oniv = [...o];
    if (onivQ && isQuantized(ofiv)) c.nonAdditive.forEach((f, j) => (oniv[f] = stepValue(onivQ[j], ofiv.steps[i])));
    else c.nonAdditive.forEach((f, j) => (oniv[f] = onivNonAdditive?.[j] ?? o[f]));
    const negatives =
      negativeMask !== undefined ? fromBitmask(fromBase64(negativeMask), k) : negative ?? symmetricDifference(negativeOf(o, threshold), negativeFix ?? []);
    return {
      ...c,
      negative: negatives,
      ofiv: o,
      oniv,
      sd: allSd.slice(i * k, (i + 1) * k),
      ...(traces ? { traces: traces.map((t) => ({ stride: t.stride, scores: unpackNumbers(t.scores) })) } : {}),
    };
  });
  return {
    view: VIEW_NAMES.includes(p.view) ? p.view : 'heatmap',
    focus: p.focus ?? {},
    only: p.only === true,
    data: {
      ...rest,
      features: features.map(({ matches, ...f }) => ({
        ...f,
        ...(matches ? { matches: matches.map(({ a, ...m }) => ({ ...m, ...(a !== undefined && attributions[a] ? { attribution: attributions[a] } : {}) })) } : {}),
      })),
      classes: unpacked,
      similarity: unpackMatrix(similarity, unpacked),
      ...(labelCorrelation ? { labelCorrelation: unpackMatrix(labelCorrelation, unpacked) } : {}),
    },
  };
}
