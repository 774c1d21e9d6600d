/** View 1: feature × class heatmap of OFIV or ONIV, rows and columns in clustering order. */
import { attribution, featureLabel, hasMatches, matchLines, measureName, values, displayData, type ViewData } from '../data';
import { defaults, selectionParams, SIGNAL, top, type ViewOptions } from './common';
import { matrixSize, matrixSpec, maxAbs } from './matrix';

export function heatmapSpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const rows = data.featureOrder.map((k) => ({ key: k, label: featureLabel(data.features[k]) }));
  const order = data.similarity.order.length === data.classes.length ? data.similarity.order : data.classes.map((_, i) => i);
  const cols = order.map((pos) => ({ key: pos, label: data.classes[pos].name }));
  const vals = data.classes.map((c) => values(c, o.measure));
  const value = (i: number, j: number) => {
    const v = vals[order[j]][data.featureOrder[i]];
    return Number.isFinite(v) ? v : null;
  };
  const sd = (i: number, j: number) => data.classes[order[j]].sd[data.featureOrder[i]];
  const max = maxAbs(rows.length, cols.length, value);
  const size = matrixSize(rows.length, cols.length, o.maxWidth, o.maxHeight);
  const raster = rows.length * cols.length > o.rasterAbove;
  const m = matrixSpec({
    id: 'hm',
    rows,
    cols,
    value,
    sd,
    ...(hasMatches(data.features) ? { rowTip: { title: 'motif matches', lines: (i: number) => matchLines(data.features[data.featureOrder[i]]) } } : {}),
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
    `${data.model.name} · layer ${data.model.layer} · ${rows.length} features × ${cols.length} classes · ${o.measure === 'oniv' ? 'ONIV (non-additive features: positive restarts only)' : 'OFIV (score-weighted mean over restarts)'}`,
    ...(m.pooled ? ['overview: each pixel shows the strongest (signed) value of a block of cells'] : []),
    ...(attribution(data.features) ? [attribution(data.features)!] : []),
  ];
  return {
    ...top(`Feature importance (${measureName(o.measure)}) by class`, subtitle, o.theme),
    params: [...selectionParams(o.feature, o.classPos), ...m.params],
    ...m.spec,
  };
}
