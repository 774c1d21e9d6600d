/** View 1: feature × class heatmap of OFIV or ONIV, rows and columns in clustering order. */
import { attribution, featureLabel, hasMatches, matchLines, measureName, values, displayData, type ViewData } from '../data';
import { defaults, selectionParams, SIGNAL, top, type ViewOptions } from './common';
import { matrixSize, matrixSpec, maxAbs } from './matrix';

/** Columns of the heatmap: positions into data.classes in clustering order. */
export function heatmapClasses(data: ViewData): number[] {
  return data.similarity.order.length === data.classes.length ? data.similarity.order : data.classes.map((_, i) => i);
}

/**
 * Rows of the heatmap, in clustering order: every feature, or with `heatmapTop` N the N features
 * whose largest |value| over the shown classes is largest (ties: lower index), plus the selected
 * feature when it is not among them, so a selection stays visible.
 */
export function heatmapFeatures(data: ViewData, options: ViewOptions = {}): { features: number[]; total: number } {
  const o = defaults(data, options);
  const total = data.featureOrder.length;
  if (o.heatmapTop >= total) return { features: data.featureOrder, total };
  const vals = data.classes.map((c) => values(c, o.measure));
  const strength = data.features.map((_, k) => {
    let m = -1;
    for (const v of vals) if (Number.isFinite(v[k])) m = Math.max(m, Math.abs(v[k]));
    return m;
  });
  const ranked = data.features.map((_, k) => k).sort((a, b) => strength[b] - strength[a] || a - b);
  const keep = new Set(ranked.slice(0, o.heatmapTop));
  if (o.feature >= 0) keep.add(o.feature);
  return { features: data.featureOrder.filter((k) => keep.has(k)), total };
}

export function heatmapSpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const shown = heatmapFeatures(data, options);
  const featureOrder = shown.features;
  const rows = featureOrder.map((k) => ({ key: k, label: featureLabel(data.features[k]) }));
  const order = heatmapClasses(data);
  const cols = order.map((pos) => ({ key: pos, label: data.classes[pos].name }));
  const vals = data.classes.map((c) => values(c, o.measure));
  const value = (i: number, j: number) => {
    const v = vals[order[j]][featureOrder[i]];
    return Number.isFinite(v) ? v : null;
  };
  const sd = (i: number, j: number) => data.classes[order[j]].sd[featureOrder[i]];
  const max = maxAbs(rows.length, cols.length, value);
  const size = matrixSize(rows.length, cols.length, o.maxWidth, o.maxHeight, false);
  const raster = rows.length * cols.length > o.rasterAbove;
  const m = matrixSpec({
    id: 'hm',
    rows,
    cols,
    value,
    sd,
    ...(hasMatches(data.features) ? { rowTip: { title: 'motif matches', lines: (i: number) => matchLines(data.features[featureOrder[i]]) } } : {}),
    max,
    rowTitle: 'feature',
    colTitle: 'class',
    valueTitle: measureName(o.measure),
    rowSignal: SIGNAL.feature,
    colSignal: SIGNAL.cls,
    ...size,
    raster,
    maxPixels: o.maxPixels,
    theme: o.theme,
  });
  const subtitle = [
    `${data.model.name} · layer ${data.model.layer} · ${rows.length < shown.total ? `top ${rows.length} of ${shown.total} features by largest |${measureName(o.measure)}| in any class` : `${rows.length} features`} × ${cols.length} classes · ${o.measure === 'oniv' ? 'ONIV (non-additive features: positive restarts only)' : 'OFIV (score-weighted mean over restarts)'}`,
    ...(m.pooled ? ['overview: each pixel shows the strongest (signed) value of a block of cells'] : []),
    ...(attribution(data.features) ? [attribution(data.features)!] : []),
  ];
  return {
    ...top(`Feature importance (${measureName(o.measure)}) by class`, subtitle, o.theme),
    params: [...selectionParams(o.feature, o.classPos), ...m.params],
    ...m.spec,
  };
}
