/**
 * The notebook payload (MIME application/vnd.deepresolve.result+json): ViewData with its large
 * numeric arrays stored as base64 float16 after a power-of-two scale, so a 919 × 960 result stays
 * a few MB in a saved notebook. float16 keeps ~3 significant digits at every magnitude, which is
 * more than a colour or a tooltip needs. Runs in Node and in the browser (no Buffer).
 */
import type { MotifMatch, ViewClass, ViewData, ViewFeature, ViewMatrix } from './data';

export const RESULT_MIME = 'application/vnd.deepresolve.result+json';
export const PAYLOAD_FORMAT = 'deepresolve.view';
export const PAYLOAD_VERSION = 1;

export const VIEW_NAMES = ['heatmap', 'importance', 'interactions', 'similarity', 'logos', 'convergence'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** values[i] ≈ decode(f16[i]) · scale; NaN stands for null. */
export interface Packed {
  n: number;
  scale: number;
  f16: string;
}

export interface PackedMatrix extends Omit<ViewMatrix, 'matrix'> {
  size: number;
  /** Symmetric matrices keep the upper triangle (with diagonal) row by row. */
  symmetric: boolean;
  values: Packed;
}

/** A feature's motif match with its attribution line replaced by an index into data.attributions. */
export type PackedMatch = Omit<MotifMatch, 'attribution'> & { a?: number };
export type PackedFeature = Omit<ViewFeature, 'matches'> & { matches?: PackedMatch[] };

export interface Payload {
  format: typeof PAYLOAD_FORMAT;
  version: typeof PAYLOAD_VERSION;
  /** The view shown first. */
  view: ViewName;
  /** What the view opens on (e.g. %interactions CLASS, %logos FEATURES); optional, so version 1 still reads. */
  focus?: Focus;
  data: Omit<ViewData, 'classes' | 'similarity' | 'labelCorrelation' | 'features'> & {
    features: PackedFeature[];
    /** Attribution lines of the motif collections, stored once (optional: older payloads carry them per match). */
    attributions?: string[];
    classes: (Omit<ViewClass, 'ofiv' | 'oniv' | 'sd' | 'traces'> & { onivNonAdditive: number[]; traces?: { stride: number; scores: Packed }[] })[];
    /** classes × features, row-major. */
    ofiv: Packed;
    sd: Packed;
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

export function pack(values: ArrayLike<number | null>): Packed {
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
    const h = toHalf(v === null || !Number.isFinite(v) ? NaN : v / scale);
    bytes[2 * i] = h & 255;
    bytes[2 * i + 1] = h >> 8;
  }
  return { n: values.length, scale, f16: toBase64(bytes) };
}

export function unpack(p: Packed): (number | null)[] {
  const bytes = fromBase64(p.f16);
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
  const bytes = fromBase64(p.f16);
  const table = halfTable();
  const out = new Array<number>(p.n);
  for (let i = 0; i < p.n; i++) out[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)] * p.scale;
  return out;
}

function packMatrix(m: ViewMatrix): PackedMatrix {
  const size = m.matrix.length;
  const symmetric = m.matrix.every((row, i) => row.every((v, j) => v === m.matrix[j][i] || (Number.isNaN(v as number) && Number.isNaN(m.matrix[j][i] as number))));
  const flat: (number | null)[] = [];
  for (let i = 0; i < size; i++) for (let j = symmetric ? i : 0; j < size; j++) flat.push(m.matrix[i][j]);
  const { matrix: _, ...rest } = m;
  return { ...rest, size, symmetric, values: pack(flat) };
}

function unpackMatrix(p: PackedMatrix): ViewMatrix {
  const flat = unpack(p.values);
  const matrix: (number | null)[][] = Array.from({ length: p.size }, () => new Array<number | null>(p.size).fill(null));
  let k = 0;
  for (let i = 0; i < p.size; i++) {
    for (let j = p.symmetric ? i : 0; j < p.size; j++) {
      matrix[i][j] = flat[k];
      if (p.symmetric) matrix[j][i] = flat[k];
      k++;
    }
  }
  const { size: _s, symmetric: _y, values: _v, ...rest } = p;
  return { ...rest, matrix };
}

const round = (v: number, digits = 4) => (Number.isFinite(v) ? Number(v.toPrecision(digits)) : v);

/** Position in `classes` and feature index a view opens on. */
export interface Focus {
  classPos?: number;
  feature?: number;
}

export function packView(data: ViewData, view: ViewName = 'heatmap', focus: Focus = {}): Payload {
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
  const packedFeatures = features.map(({ matches, ...f }): PackedFeature => ({
    ...f,
    ...(f.pwm ? { pwm: f.pwm.map((row) => row.map((v) => round(v, 3))), ic: f.ic?.map((v) => round(v, 3)) } : {}),
    ...(matches ? { matches: matches.map(packMatch) } : {}),
  }));
  return {
    format: PAYLOAD_FORMAT,
    version: PAYLOAD_VERSION,
    view,
    ...(focus.classPos !== undefined || focus.feature !== undefined ? { focus } : {}),
    data: {
      ...rest,
      features: packedFeatures,
      ...(attributions.length ? { attributions } : {}),
      classes: classes.map(({ ofiv: _o, oniv, sd: _s, traces, ...c }) => ({
        ...c,
        scores: c.scores.map((v) => round(v)),
        gmm: { means: c.gmm.means.map((v) => round(v)), variances: c.gmm.variances.map((v) => round(v)), weights: c.gmm.weights.map((v) => round(v)) },
        onivNonAdditive: c.nonAdditive.map((k) => round(oniv[k])),
        ...(traces ? { traces: traces.map((t) => ({ stride: t.stride, scores: pack(t.scores) })) } : {}),
      })),
      ofiv: pack(classes.flatMap((c) => c.ofiv)),
      sd: pack(classes.flatMap((c) => c.sd)),
      similarity: packMatrix(similarity),
      ...(labelCorrelation ? { labelCorrelation: packMatrix(labelCorrelation) } : {}),
    },
  };
}

export class PayloadError extends Error {}

export function unpackView(payload: unknown): { view: ViewName; focus: Focus; data: ViewData } {
  const p = payload as Payload;
  if (!p || typeof p !== 'object' || p.format !== PAYLOAD_FORMAT) throw new PayloadError('not a DeepResolve view payload');
  if (p.version !== PAYLOAD_VERSION) throw new PayloadError(`payload version ${String(p.version)} is not supported (this renderer reads version ${PAYLOAD_VERSION}); update the extension`);
  const { classes, ofiv, sd, similarity, labelCorrelation, attributions = [], features, ...rest } = p.data;
  const k = features.length;
  const allOfiv = unpackNumbers(ofiv);
  const allSd = unpackNumbers(sd);
  return {
    view: VIEW_NAMES.includes(p.view) ? p.view : 'heatmap',
    focus: p.focus ?? {},
    data: {
      ...rest,
      features: features.map(({ matches, ...f }) => ({
        ...f,
        ...(matches ? { matches: matches.map(({ a, ...m }) => ({ ...m, ...(a !== undefined && attributions[a] ? { attribution: attributions[a] } : {}) })) } : {}),
      })),
      classes: classes.map(({ onivNonAdditive, traces, ...c }, i) => {
        const o = allOfiv.slice(i * k, (i + 1) * k);
        const oniv = [...o];
        c.nonAdditive.forEach((f, j) => (oniv[f] = onivNonAdditive[j]));
        return {
          ...c,
          ofiv: o,
          oniv,
          sd: allSd.slice(i * k, (i + 1) * k),
          ...(traces ? { traces: traces.map((t) => ({ stride: t.stride, scores: unpackNumbers(t.scores) })) } : {}),
        };
      }),
      similarity: unpackMatrix(similarity),
      ...(labelCorrelation ? { labelCorrelation: unpackMatrix(labelCorrelation) } : {}),
    },
  };
}
