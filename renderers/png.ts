/**
 * Large matrices are drawn as one image instead of one mark per cell: Vega needs seconds for
 * ~10⁶ rect marks, a PNG of the same cells paints at once. Encoded here (fflate for zlib) so the
 * same picture is produced in Node for the SVG fallback and in the webview.
 */
import { zlibSync } from 'fflate';
import { scheme } from 'vega-scale';
import { toBase64 as base64 } from './pack';

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
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlibSync(raw, { level: 4 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** In the webview the browser's own PNG encoder is several times faster than ours. */
function browserPng(width: number, height: number, rgba: Uint8Array): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return undefined;
  const image = ctx.createImageData(width, height);
  image.data.set(rgba);
  ctx.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}

function parseColor(c: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(c);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16)) as [number, number, number];
  const r = /rgb\((\d+),\s*(\d+),\s*(\d+)/.exec(c);
  return r ? [Number(r[1]), Number(r[2]), Number(r[3])] : [128, 128, 128];
}

/**
 * Colours of the diverging scale the heatmaps use: Vega's 'redblue' scheme reversed (blue
 * negative, white 0, red positive) over [−max, max], as `steps` RGB triples.
 */
export function divergingLut(steps = 256): Uint8Array {
  const interp = scheme('redblue') as (t: number) => string; // a continuous scheme: an interpolator
  const lut = new Uint8Array(steps * 3);
  for (let i = 0; i < steps; i++) lut.set(parseColor(interp(1 - i / (steps - 1))), i * 3);
  return lut;
}

/** A rows × cols matrix as a PNG data URL, one pixel per cell (transparent where null). */
export function matrixPng(rows: number, cols: number, value: (i: number, j: number) => number | null, max: number): string {
  const steps = 256;
  const lut = divergingLut(steps);
  const m = max > 0 ? max : 1;
  const rgba = new Uint8Array(rows * cols * 4);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = value(i, j);
      if (v === null || !Number.isFinite(v)) continue;
      const t = Math.min(Math.max((v + m) / (2 * m), 0), 1);
      const c = Math.round(t * (steps - 1)) * 3;
      const o = (i * cols + j) * 4;
      rgba[o] = lut[c];
      rgba[o + 1] = lut[c + 1];
      rgba[o + 2] = lut[c + 2];
      rgba[o + 3] = 255;
    }
  }
  return browserPng(cols, rows, rgba) ?? `data:image/png;base64,${base64(encodePng(cols, rows, rgba))}`;
}
