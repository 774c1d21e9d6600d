/**
 * What a chart drew, measured in the page, and the WCAG 2.x contrast of it
 * (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio), written out independently of the renderer's
 * renderers/views/contrast.ts. Shared by the Chromium theme test and the real VS Code one.
 */
import assert from 'node:assert/strict';

export type Rgb = [number, number, number, number];

export function rgb(css: string): Rgb {
  const hex = /^#([0-9a-f]{6})([0-9a-f]{2})?$/i.exec(css.trim());
  if (hex) return [0, 2, 4].map((i) => parseInt(hex[1].slice(i, i + 2), 16)).concat(hex[2] ? parseInt(hex[2], 16) / 255 : 1) as Rgb;
  const m = /^rgba?\(([^)]+)\)$/.exec(css.trim());
  assert.ok(m, `a colour: ${css}`);
  const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}

/** `top` at `alpha` (times its own) over an opaque `bottom`. */
export function blend(top: Rgb, bottom: Rgb, alpha = 1): Rgb {
  const a = top[3] * alpha;
  return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat(1) as Rgb;
}

export function lum(c: Rgb): number {
  const ch = c.slice(0, 3).map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

export function ratio(a: Rgb, b: Rgb): number {
  const [x, y] = [lum(a), lum(b)];
  return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05);
}

/** What MEASURE returns for one SVG. */
export interface Drawn {
  background: string;
  page: string;
  texts: { text: string; color: string; alpha: number }[];
  symbols: { fill: string; stroke: string; alpha: number; fillAlpha: number; strokeWidth: number }[];
  marks: { kind: string; color: string; alpha: number }[];
  glyphs: string[];
}

/** A string, not a function: tsx would add helpers (__name) the page does not have. */
export const MEASURE = `(selector) => {
  const svg = document.querySelector(selector);
  if (!svg) return null;
  const alpha = (el) => { let a = 1; for (let e = el; e && e !== svg.parentElement; e = e.parentElement) a *= parseFloat(getComputedStyle(e).opacity); return a; };
  const visible = (cs) => cs.fill !== 'none' && cs.fill !== 'transparent' && cs.fill !== 'rgba(0, 0, 0, 0)';
  const texts = [...svg.querySelectorAll('text')].filter((t) => t.textContent.trim()).map((t) => { const cs = getComputedStyle(t); return { text: t.textContent, color: cs.fill, alpha: alpha(t) * parseFloat(cs.fillOpacity) }; });
  const symbols = [...svg.querySelectorAll('.role-legend-symbol path')].map((p) => { const cs = getComputedStyle(p); return { fill: cs.fill, stroke: cs.stroke, alpha: alpha(p), fillAlpha: visible(cs) ? parseFloat(cs.fillOpacity) : 0, strokeWidth: parseFloat(cs.strokeWidth) }; });
  const marks = [];
  for (const g of svg.querySelectorAll('g.role-mark')) {
    const cls = g.getAttribute('class');
    // Data-scale cells (heatmap, similarity) and the selection outlines are not categorical marks.
    if (/_(cells|rowmark|colmark|raster)_marks|role-legend|role-axis/.test(cls) || g.closest('.role-legend, .role-axis')) continue;
    const kind = (/mark-(\\w+)/.exec(cls) || [])[1];
    for (const p of g.children) {
      const cs = getComputedStyle(p);
      if (kind === 'rect' || kind === 'symbol') { if (visible(cs)) marks.push({ kind, color: cs.fill, alpha: alpha(p) * parseFloat(cs.fillOpacity) }); }
      else if (kind === 'line' || kind === 'rule') { if (cs.stroke !== 'none') marks.push({ kind, color: cs.stroke, alpha: alpha(p) * parseFloat(cs.strokeOpacity) }); }
    }
  }
  const glyphs = [...new Set([...svg.querySelectorAll('image')].map((i) => i.getAttribute('href')).filter((h) => h && h.startsWith('data:image/svg+xml;base64,')))]
    .map((h) => (/fill="([^"]+)"/.exec(atob(h.slice(26))) || [])[1]).filter(Boolean);
  return { background: getComputedStyle(svg).backgroundColor, page: getComputedStyle(document.body).backgroundColor, texts, symbols, marks, glyphs };
}`;
