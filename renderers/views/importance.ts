/**
 * View 2: one class's feature importance as bars with the SD across restarts as error bars.
 * The N features of largest |value| are shown, sorted by value, so strong negative features stay
 * visible at the bottom; bar colour marks positive, negative and non-additive features.
 */
import { attribution, bestMatch, featureLabel, matchLines, matchText, measureName, values, displayData, type ViewData } from '../data';
import { defaults, featureTooltip, fmt, selectionParams, SIGNAL, top, type ViewOptions } from './common';

export interface BarRow {
  feature: number;
  label: string;
  match: string;
  /** Top matches, one line each (tooltip; not in the CSV, which has `match`). */
  matches: string[];
  value: number;
  sd: number;
  lo: number;
  hi: number;
  kind: 'positive' | 'negative' | 'non-additive';
  rank: number;
}

/** The rows the bars show (also the CSV export of the view). */
export function importanceRows(data: ViewData, options: ViewOptions = {}): { rows: BarRow[]; total: number } {
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  if (!c) return { rows: [], total: 0 };
  const vals = values(c, o.measure);
  const na = new Set(c.nonAdditive);
  const byMagnitude = vals.map((_, k) => k).filter((k) => Number.isFinite(vals[k])).sort((a, b) => Math.abs(vals[b]) - Math.abs(vals[a]));
  const shown = new Set(byMagnitude.slice(0, Math.max(1, o.topN)));
  if (o.feature >= 0 && o.feature < vals.length) shown.add(o.feature);
  const sorted = [...shown].sort((a, b) => vals[b] - vals[a]);
  const rows = sorted.map((k, i): BarRow => {
    const sd = Number.isFinite(c.sd[k]) ? c.sd[k] : 0;
    return {
      feature: k,
      label: featureLabel(data.features[k]),
      match: matchText(bestMatch(data.features[k])),
      matches: matchLines(data.features[k]),
      value: vals[k],
      sd,
      lo: vals[k] - sd,
      hi: vals[k] + sd,
      kind: na.has(k) ? 'non-additive' : vals[k] < 0 ? 'negative' : 'positive',
      rank: i + 1,
    };
  });
  return { rows, total: byMagnitude.length };
}

export function importanceSpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  const { rows, total } = importanceRows(data, options);
  const name = measureName(o.measure);
  const labels = rows.map((r) => r.label);
  const y = {
    field: 'rank',
    type: 'ordinal',
    scale: { domain: rows.map((r) => r.rank) },
    axis: { title: null, labelExpr: 'barLabels[datum.value - 1]', labelLimit: 220, ticks: false },
  };
  const x = { field: 'value', type: 'quantitative', title: `${name} (± SD across ${data.settings.restarts} restarts)` };
  const kindColors = { positive: o.theme.marks.positive, negative: o.theme.marks.negative, 'non-additive': o.theme.marks.nonAdditive };
  const kinds = Object.keys(kindColors) as (keyof typeof kindColors)[];
  const subtitle = [
    c
      ? `${rows.length} of ${total} features (largest |${name}|) · ${c.nonAdditive.length} non-additive · ${c.negative.length} negative (below −${fmt(data.settings.negativeThreshold)} × max)`
      : 'no class',
    ...(attribution(rows.map((r) => data.features[r.feature])) ? [attribution(rows.map((r) => data.features[r.feature]))!] : []),
  ];
  return {
    ...top(c ? `${name} of class ${c.name}` : name, subtitle, o.theme),
    params: [...selectionParams(o.feature, o.classPos), { name: 'barLabels', value: labels }],
    width: Math.min(o.maxWidth, 520),
    height: { step: rows.length > 40 ? 12 : 16 },
    data: { name: 'bars', values: rows },
    layer: [
      {
        mark: { type: 'bar', name: 'bars' },
        encoding: {
          y,
          x,
          color: { field: 'kind', type: 'nominal', title: 'feature', scale: { domain: kinds, range: kinds.map((k) => kindColors[k]) } },
          stroke: { condition: { test: `datum.feature === ${SIGNAL.feature}`, value: o.theme.accent }, value: null },
          strokeWidth: { value: 2 },
          tooltip: [
            ...featureTooltip(data, name),
            { field: 'sd', title: 'SD across restarts', format: '.3~g' },
            { field: 'kind', title: 'kind' },
            { field: 'rank', title: 'rank' },
          ],
        },
      },
      {
        mark: { type: 'rule', color: o.theme.foreground },
        encoding: { y, x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
      },
      {
        data: { values: [{ zero: 0 }] },
        mark: { type: 'rule', color: o.theme.muted, strokeDash: [3, 3] },
        encoding: { x: { field: 'zero', type: 'quantitative' } },
      },
    ],
  };
}
