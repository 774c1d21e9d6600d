/**
 * A labelled matrix heatmap with a diverging scale centred at 0, shared by the feature × class and
 * class × class views. Small matrices get one rect mark per cell (with tooltips); large ones are
 * one image (see png.ts) with the same axes, and the renderer computes hover/click cells itself.
 * Names are passed as param values and looked up by index: they never enter an expression string.
 */
import { matrixPng } from '../png';
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

const LABEL_LIMIT = 120;

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

export function colorScale(max: number) {
  const m = max > 0 ? max : 1;
  return { domain: [-m, m], scheme: 'redblue', reverse: true };
}

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
  const showRowLabels = nr <= LABEL_LIMIT;
  const showColLabels = nc <= LABEL_LIMIT;
  const params = [
    ...(showRowLabels ? [{ name: rowNames, value: m.rows.map((r) => r.label) }] : []),
    ...(showColLabels ? [{ name: colNames, value: m.cols.map((c) => c.label) }] : []),
  ];
  const band = { paddingInner: 0, paddingOuter: 0 };
  const x = {
    field: 'c',
    type: 'ordinal',
    scale: { domain: range(nc), ...band },
    axis: showColLabels
      ? { title: m.colTitle, labelExpr: `${colNames}[datum.value]`, labelAngle: -60, labelLimit: 140, labelOverlap: false, ticks: false, domain: false }
      : { title: `${m.colTitle} (${nc}, clustering order)`, labels: false, ticks: false, domain: false },
  };
  const y = {
    field: 'r',
    type: 'ordinal',
    scale: { domain: range(nr), ...band },
    axis: showRowLabels
      ? { title: m.rowTitle, labelExpr: `${rowNames}[datum.value]`, labelLimit: 180, labelOverlap: false, ticks: false, domain: false }
      : { title: `${m.rowTitle} (${nr}, clustering order)`, labels: false, ticks: false, domain: false },
  };
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
      mark: { type: 'rect' },
      encoding: {
        x,
        y,
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
    layers.push({
      name: `${m.id}_raster`,
      data: { values: [{ url: matrixPng(p.pr, p.pc, p.at, m.max > 0 ? m.max : 1) }] },
      mark: { type: 'image', aria: false, aspect: false, align: 'left', baseline: 'top', width: m.width, height: m.height, smooth: m.width < p.pc || m.height < p.pr },
      encoding: { url: { field: 'url', type: 'nominal' }, x: { value: 0 }, y: { value: 0 } },
    });
    // An invisible layer that only carries the colour legend of the image.
    layers.push({
      data: { values: [{ v: -m.max }, { v: m.max }] },
      mark: { type: 'point', opacity: 0, size: 0, aria: false },
      encoding: { color, x: { value: 0 }, y: { value: 0 } },
    });
  }
  // Outline of the highlighted row and column; these layers also carry the axes of the image.
  const outline = (name: string, values: object[], key: string, signal: string | undefined, encoding: object) => ({
    name: `${m.id}_${name}`,
    data: { values },
    transform: [{ filter: signal ? `datum.${key} === ${signal}` : 'false' }],
    mark: { type: 'rect', fillOpacity: 0, stroke: m.theme.accent, strokeWidth: 1.5 },
    encoding,
  });
  layers.push(outline('rowmark', m.rows.map((r, i) => ({ r: i, rk: r.key })), 'rk', m.rowSignal, { y }));
  layers.push(outline('colmark', m.cols.map((c, j) => ({ c: j, ck: c.key })), 'ck', m.colSignal, { x }));
  return { params, spec: { width: m.width, height: m.height, layer: layers }, pooled: isPooled };
}

/** Pixel size of a matrix plot: square-ish cells, at least 2 px, within the limits. */
export function matrixSize(rows: number, cols: number, maxWidth: number, maxHeight: number) {
  const cell = Math.max(2, Math.min(18, maxWidth / cols, maxHeight / rows));
  return { width: Math.round(Math.min(maxWidth, Math.max(cols * cell, 120))), height: Math.round(Math.min(maxHeight, Math.max(rows * cell, 60))) };
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
