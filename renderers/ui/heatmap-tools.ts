/**
 * The heatmap's own controls: the top-N feature filter and the zoom (buttons, carrying a zoom
 * over a redraw, bringing a selected row or column into view). The zoom itself is the spec's
 * interval selection bound to the scales (views/matrix.ts); here the renderer sets its signals
 * `<id>Zoom_c` / `<id>Zoom_r` (visible [lo, hi] in cells, null: everything).
 */
import type { View } from 'vega';
import { zoomParam } from '../views/matrix';

export type Range = [number, number] | null;
export interface Zoom {
  c: Range;
  r: Range;
}

const signalOf = (id: string, field: 'c' | 'r') => `${zoomParam(id)}_${field}`;

function read(view: View, name: string): Range {
  try {
    const v = view.signal(name) as unknown;
    return Array.isArray(v) && v.length === 2 && v.every(Number.isFinite) ? [Math.min(v[0], v[1]), Math.max(v[0], v[1])] : null;
  } catch {
    return null;
  }
}

export function getZoom(view: View, id: string): Zoom {
  return { c: read(view, signalOf(id, 'c')), r: read(view, signalOf(id, 'r')) };
}

/** Sets the visible ranges; a null on one axis shows all of it (Vega-Lite's store needs both). */
export async function setZoom(view: View, id: string, z: Zoom, size: { rows: number; cols: number }) {
  try {
    const none = !z.c && !z.r;
    view.signal(signalOf(id, 'c'), none ? null : (z.c ?? [0, size.cols]));
    view.signal(signalOf(id, 'r'), none ? null : (z.r ?? [0, size.rows]));
    await view.runAsync();
  } catch {
    // A view without the zoom (an older spec) or one finalized meanwhile.
  }
}

/** The range `factor` times as wide about its centre, kept inside [0, n]; whole again at n or more. */
export function scaleRange(r: Range, n: number, factor: number): Range {
  const [lo, hi] = r ?? [0, n];
  const width = Math.min(n, Math.max(1, (hi - lo) * factor));
  if (width >= n) return null;
  const mid = (lo + hi) / 2;
  const a = Math.min(Math.max(0, mid - width / 2), n - width);
  return [a, a + width];
}

/** A range that shows cell `i`: unchanged when it already does, else the same width centred on it. */
export function showCell(r: Range, n: number, i: number): Range {
  if (!r || (i >= r[0] && i + 1 <= r[1])) return r;
  const width = r[1] - r[0];
  const a = Math.min(Math.max(0, i + 0.5 - width / 2), n - width);
  return [a, a + width];
}

const TOP_CHOICES = [20, 50, 100, 200, 500];

/** "features: [all ▾]" — the heatmap's top-N filter; `onChange` gets N (undefined: all). */
export function topNControl(doc: Document, total: number, onChange: (n: number | undefined) => void): HTMLLabelElement {
  const label = doc.createElement('label');
  label.className = 'dr-topn';
  label.title = 'heatmap rows: the N features with the largest |value| in any class (the selected feature is always kept)';
  label.append('heatmap features ');
  const input = doc.createElement('input');
  input.type = 'number';
  input.min = '1';
  input.max = String(total);
  input.step = '1';
  input.placeholder = `all ${total}`;
  input.setAttribute('aria-label', 'heatmap: top N features by largest |value|');
  input.setAttribute('list', 'dr-topn-choices');
  input.style.width = '6em';
  const list = doc.createElement('datalist');
  list.id = 'dr-topn-choices';
  for (const n of TOP_CHOICES.filter((n) => n < total)) {
    const o = doc.createElement('option');
    o.value = String(n);
    list.appendChild(o);
  }
  input.addEventListener('change', () => {
    const n = Math.floor(Number(input.value));
    onChange(input.value.trim() && Number.isFinite(n) && n >= 1 && n < total ? n : undefined);
  });
  label.append(input, list);
  return label;
}
