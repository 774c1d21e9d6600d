/**
 * A labelled matrix heatmap with a diverging scale centred at 0, shared by the feature × class and
 * class × class views. Small matrices get one rect mark per cell (with tooltips); large ones are
 * one image (see png.ts) with the same axes, and the renderer computes hover/click cells itself.
 * Names are passed as param values and looked up by index: they never enter an expression string.
 * Axis labels are thinned so they never overlap (axis-labels.ts), and the matrix zooms and pans.
 */
import { matrixPng } from '../png';
import { labelPitch, labelStride, labelTicksExpr } from './axis-labels';
import type { Theme } from './theme';

export interface MatrixInput {
  /** Prefix of this matrix's params (an internal identifier, never user data). */
  id: string;
  rows: { key: number; label: string }[];
  cols: { key: number; label: string }[];
  value: (i: number, j: number) => number | null;
  sd?: (i: number, j: number) => number | null;
  /** An extra tooltip row about a matrix row (e.g. a feature's motif matches, one line each). */
  rowTip?: { title: string; lines: (i: number) => string[] };
  /** Half-width of the symmetric colour domain. */
  max: number;
  rowTitle: string;
  colTitle: string;
  valueTitle: string;
  /** Names of the params holding the highlighted row/column key. */
  rowSignal?: string;
  colSignal?: string;
  width: number;
  height: number;
  raster: boolean;
  maxPixels: number;
  theme: Theme;
  legend?: boolean;
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function colorScale(max: number) {
  const m = max > 0 ? max : 1;
  return { domain: [-m, m], scheme: 'redblue', reverse: true };
}

/**
 * Zoom and pan of a matrix (Vega-Lite interval selection bound to the scales): Ctrl/⌘/Alt + wheel
 * zooms about the pointer (a plain wheel keeps scrolling the notebook), drag pans, double-click
 * resets. The renderer also sets the signals (zoom buttons, showing a search hit).
 */
export const ZOOM_WHEEL = 'wheel![event.ctrlKey || event.metaKey || event.altKey]';
export const zoomParam = (id: string) => `${id}Zoom`;

/** Signed value of largest magnitude in a block: pooling keeps strong negative and positive cells visible. */
function pooled(value: MatrixInput['value'], rows: number, cols: number, maxPixels: number) {
  const br = Math.max(1, Math.ceil(rows / maxPixels));
  const bc = Math.max(1, Math.ceil(cols / maxPixels));
  const pr = Math.ceil(rows / br);
  const pc = Math.ceil(cols / bc);
  const at = (i: number, j: number) => {
    let best: number | null = null;
    for (let a = i * br; a < Math.min(rows, (i + 1) * br); a++) {
      for (let b = j * bc; b < Math.min(cols, (j + 1) * bc); b++) {
        const v = value(a, b);
        if (v !== null && (best === null || Math.abs(v) > Math.abs(best))) best = v;
      }
    }
    return best;
  };
  return { pr, pc, at, pooled: br > 1 || bc > 1 };
}

export function matrixSpec(m: MatrixInput): { params: object[]; spec: Record<string, unknown>; pooled: boolean } {
  const nr = m.rows.length;
  const nc = m.cols.length;
  const rowNames = `${m.id}Rows`;
  const colNames = `${m.id}Cols`;
  const zoom = zoomParam(m.id);
  const pitch = labelPitch(m.theme.fontSize);
  // Every label is in the spec (zooming in shows more of them), looked up by index: names stay data.
  const params = [
    { name: rowNames, value: m.rows.map((r) => r.label) },
    { name: colNames, value: m.cols.map((c) => c.label) },
  ];
  // Cell j spans [j, j + 1) on a linear scale (so the zoom can bind to it); labels sit at j + 0.5.
  const visible = (field: 'c' | 'r', n: number) => `(isArray(${zoom}.${field}) ? ${zoom}.${field} : [0, ${n}])`;
  const thinnedCols = labelStride(nc, m.width, pitch) > 1;
  const thinnedRows = labelStride(nr, m.height, pitch) > 1;
  const scale = (n: number, reverse: boolean) => ({ domain: [0, n], nice: false, zero: false, ...(reverse ? { reverse: true } : {}) });
  const x = {
    field: 'c',
    type: 'quantitative',
    scale: scale(nc, false),
    axis: {
      title: thinnedCols ? `${m.colTitle} (${nc}, clustering order)` : m.colTitle,
      values: { expr: labelTicksExpr(nc, visible('c', nc), m.width, pitch) },
      labelExpr: `${colNames}[floor(datum.value)]`,
      labelAngle: -90,
      labelAlign: 'right',
      labelBaseline: 'middle',
      labelLimit: 140,
      labelOverlap: false,
      labelFlush: false,
      ticks: false,
      grid: false,
      domain: false,
    },
  };
  const y = {
    field: 'r',
    type: 'quantitative',
    scale: scale(nr, true),
    axis: {
      title: thinnedRows ? `${m.rowTitle} (${nr}, clustering order)` : m.rowTitle,
      values: { expr: labelTicksExpr(nr, visible('r', nr), m.height, pitch) },
      labelExpr: `${rowNames}[floor(datum.value)]`,
      labelBaseline: 'middle',
      labelLimit: 180,
      labelOverlap: false,
      labelFlush: false,
      ticks: false,
      grid: false,
      domain: false,
    },
  };
  const x2 = { field: 'c1' };
  const y2 = { field: 'r1' };
  const ends = [
    { calculate: 'datum.c + 1', as: 'c1' },
    { calculate: 'datum.r + 1', as: 'r1' },
  ];
  const color = { field: 'v', type: 'quantitative', scale: colorScale(m.max), title: m.valueTitle, ...(m.legend === false ? { legend: null } : {}) };
  const layers: object[] = [];
  let isPooled = false;
  if (!m.raster) {
    // One array per row, shared by the row's cells.
    const rowTips = m.rowTip ? m.rows.map((_, i) => m.rowTip!.lines(i)) : undefined;
    const cells: object[] = [];
    for (let i = 0; i < nr; i++) {
      for (let j = 0; j < nc; j++) {
        const v = m.value(i, j);
        if (v === null) continue;
        cells.push({ r: i, c: j, rk: m.rows[i].key, ck: m.cols[j].key, row: m.rows[i].label, col: m.cols[j].label, v, ...(m.sd ? { sd: m.sd(i, j) } : {}), ...(rowTips ? { tip: rowTips[i] } : {}) });
      }
    }
    layers.push({
      name: `${m.id}_cells`,
      data: { values: cells },
      transform: ends,
      mark: { type: 'rect', clip: true },
      encoding: {
        x,
        x2,
        y,
        y2,
        color,
        tooltip: [
          { field: 'row', type: 'nominal', title: m.rowTitle },
          { field: 'col', type: 'nominal', title: m.colTitle },
          { field: 'v', type: 'quantitative', title: m.valueTitle, format: '.4~g' },
          ...(m.sd ? [{ field: 'sd', type: 'quantitative', title: 'SD across restarts', format: '.3~g' }] : []),
          ...(m.rowTip ? [{ field: 'tip', type: 'nominal', title: m.rowTip.title }] : []),
        ],
      },
    });
  } else {
    const p = pooled(m.value, nr, nc, m.maxPixels);
    isPooled = p.pooled;
    // The image spans the scales' [0, n] on both axes, so zooming the scales zooms it; smoothed
    // while it shows more pixels than the plot has, crisp cells once zoomed in beyond that.
    const span = (field: 'c' | 'r', n: number) => `abs(${visible(field, n)}[1] - ${visible(field, n)}[0])`;
    layers.push({
      name: `${m.id}_raster`,
      data: { values: [{ url: matrixPng(p.pr, p.pc, p.at, m.max > 0 ? m.max : 1) }] },
      mark: { type: 'image', aria: false, aspect: false, clip: true, smooth: { expr: `${span('c', nc)} * ${p.pc / nc} > ${m.width} || ${span('r', nr)} * ${p.pr / nr} > ${m.height}` } },
      encoding: {
        url: { field: 'url', type: 'nominal' },
        x: { datum: 0, type: 'quantitative', scale: x.scale, axis: x.axis },
        x2: { datum: nc },
        y: { datum: 0, type: 'quantitative', scale: y.scale, axis: y.axis },
        y2: { datum: nr },
      },
    });
    // An invisible layer that only carries the colour legend of the image.
    layers.push({
      data: { values: [{ v: -m.max }, { v: m.max }] },
      mark: { type: 'point', opacity: 0, size: 0, aria: false },
      encoding: { color, x: { value: 0 }, y: { value: 0 } },
    });
  }
  // Outline of the highlighted row and column.
  const outline = (name: string, values: object[], key: string, signal: string | undefined, encoding: object) => ({
    name: `${m.id}_${name}`,
    data: { values },
    transform: [{ filter: signal ? `datum.${key} === ${signal}` : 'false' }, ...ends],
    mark: { type: 'rect', fillOpacity: 0, stroke: m.theme.accent ?? 'transparent', strokeWidth: 1.5, clip: true },
    encoding,
  });
  layers.push(outline('rowmark', m.rows.map((r, i) => ({ r: i, rk: r.key, c: 0 })), 'rk', m.rowSignal, { y, y2 }));
  layers.push(outline('colmark', m.cols.map((c, j) => ({ c: j, ck: c.key, r: 0 })), 'ck', m.colSignal, { x, x2 }));
  // The zoom lives on an invisible layer of the matrix's two corners (a selection needs fields on both axes).
  layers.push({
    name: `${m.id}_zoom`,
    data: { values: [{ c: 0, r: 0 }, { c: nc, r: nr }] },
    params: [{ name: zoom, select: { type: 'interval', encodings: ['x', 'y'], zoom: ZOOM_WHEEL, clear: 'dblclick' }, bind: 'scales' }],
    mark: { type: 'point', opacity: 0, size: 0, aria: false },
    encoding: { x, y },
  });
  return { params, spec: { width: m.width, height: m.height, layer: layers }, pooled: isPooled };
}

/**
 * Pixel size of a matrix plot within the limits, cells at least 2 px: square cells (a class × class
 * matrix), or with `square: false` each axis its own cell size up to 18 px (the heatmap: 20 rows
 * of a top-N filter by 919 classes get rows tall enough to label, not a 60 px strip).
 */
export function matrixSize(rows: number, cols: number, maxWidth: number, maxHeight: number, square = true) {
  const w = Math.max(2, Math.min(18, maxWidth / cols));
  const h = Math.max(2, Math.min(18, maxHeight / rows));
  const cw = square ? Math.min(w, h) : w;
  const ch = square ? Math.min(w, h) : h;
  return { width: Math.round(Math.min(maxWidth, Math.max(cols * cw, 120))), height: Math.round(Math.min(maxHeight, Math.max(rows * ch, 60))) };
}

export function maxAbs(rows: number, cols: number, value: (i: number, j: number) => number | null): number {
  let max = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = value(i, j);
      if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
    }
  }
  return max;
}
