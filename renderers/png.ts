/**
 * Large matrices are drawn as one image instead of one mark per cell: Vega needs seconds for
 * ~10⁶ rect marks, a PNG of the same cells paints at once. Encoded here (fflate for zlib) so the
 * same picture is produced in Node for the SVG fallback and in the webview.
 */
import { zlibSync } from 'fflate';
import { scheme } from 'vega-scale';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** RGBA pixels (width × height × 4) → PNG bytes. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlibSync(raw, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  if (typeof btoa === 'function') {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }
  return (globalThis as unknown as { Buffer: { from(b: Uint8Array): { toString(e: string): string } } }).Buffer.from(bytes).toString('base64');
}

function parseColor(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(c);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)) as [number, number, number];
  const r = /rgb\((\d+),\s*(\d+),\s*(\d+)/.exec(c);
  return r ? [Number(r[1]), Number(r[2]), Number(r[3])] : [128, 128, 128];
}

/**
 * The colour of value v on the diverging scale the heatmaps use: Vega's 'redblue' scheme
 * reversed (blue negative, white 0, red positive) over [−max, max].
 */
export function divergingLut(steps = 256): (v: number | null, max: number) => [number, number, number, number] {
  const interp = scheme('redblue') as (t: number) => string;
  const lut = Array.from({ length: steps }, (_, i) => parseColor(interp(1 - i / (steps - 1))));
  return (v, max) => {
    if (v === null || !Number.isFinite(v)) return [0, 0, 0, 0];
    const t = max > 0 ? Math.min(Math.max((v + max) / (2 * max), 0), 1) : 0.5;
    const [r, g, b] = lut[Math.round(t * (steps - 1))];
    return [r, g, b, 255];
  };
}

/** A rows × cols matrix as a PNG data URL, one pixel per cell. */
export function matrixPng(rows: number, cols: number, value: (i: number, j: number) => number | null, max: number): string {
  const color = divergingLut();
  const rgba = new Uint8Array(rows * cols * 4);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) rgba.set(color(value(i, j), max), (i * cols + j) * 4);
  return `data:image/png;base64,${base64(encodePng(cols, rows, rgba))}`;
}
