/**
 * View 3: every feature of one class as a point at (mean importance, variance across restarts),
 * coloured by the Gaussian-mixture group of its variance; the non-additive group is labelled.
 */
import { attribution, featureLabel, matchLines, measureName, mixtureGroups, values, displayData, type ViewData } from '../data';
import { defaults, featureTooltip, selectionParams, SIGNAL, top, type ViewOptions } from './common';
import type { Theme } from './theme';

/** Mixture groups and the theme colour of each. */
const GROUP_COLORS: Record<string, keyof Theme['marks']> = {
  'non-additive': 'nonAdditive',
  'intermediate variance': 'intermediate',
  'additive (lowest variance)': 'additive',
  'additive (1 component)': 'additive',
};
const LABELLED = 15;

export function interactionRows(data: ViewData, options: ViewOptions = {}) {
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  if (!c) return [];
  const groups = mixtureGroups(c);
  const vals = values(c, o.measure);
  const negative = new Set(c.negative);
  const na = c.nonAdditive;
  // Label the non-additive features with the largest variance (a crowded plot stays readable).
  const labelled = new Set([...na].sort((a, b) => c.sd[b] - c.sd[a]).slice(0, LABELLED));
  return vals.map((v, k) => ({
    feature: k,
    label: featureLabel(data.features[k]),
    value: v,
    variance: c.sd[k] * c.sd[k],
    sd: c.sd[k],
    group: groups[k],
    negative: negative.has(k),
    matches: matchLines(data.features[k]),
    text: labelled.has(k) ? featureLabel(data.features[k]) : '',
  }));
}

export function interactionsSpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  const rows = interactionRows(data, options);
  const name = measureName(o.measure);
  const domain = [...new Set(rows.map((r) => r.group))].sort();
  const x = { field: 'value', type: 'quantitative', title: `mean importance (${name})` };
  const y = { field: 'variance', type: 'quantitative', title: 'variance across restarts (√ scale)', scale: { type: 'sqrt' } };
  const subtitle = [
    c
      ? `${rows.length} features · mixture of ${c.gmmComponents} component${c.gmmComponents === 1 ? '' : 's'} (lowest BIC) · non-additive group: ${c.nonAdditive.length} feature${c.nonAdditive.length === 1 ? '' : 's'}`
      : 'no class',
    ...(attribution(data.features) ? [attribution(data.features)!] : []),
  ];
  return {
    ...top(c ? `Interactions in class ${c.name}` : 'Interactions', subtitle, o.theme),
    params: selectionParams(o.feature, o.classPos),
    width: Math.min(o.maxWidth, 520),
    height: 320,
    data: { name: 'points', values: rows },
    layer: [
      {
        mark: { type: 'point', filled: true, opacity: 0.8 },
        encoding: {
          x,
          y,
          color: { field: 'group', type: 'nominal', title: 'mixture group', scale: { domain, range: domain.map((g) => o.theme.marks[GROUP_COLORS[g] ?? 'additive'] as string) } },
          // Vega-Lite fills a shape legend's symbols black (invisible on a dark theme) unless told.
          shape: { field: 'negative', type: 'nominal', title: 'negative feature', scale: { domain: [false, true], range: ['circle', 'triangle-down'] }, legend: { symbolFillColor: o.theme.marks.symbol, symbolStrokeColor: o.theme.marks.symbol } },
          // No accent (exported pictures): nothing is highlighted.
          size: o.theme.accent ? { condition: { test: `datum.feature === ${SIGNAL.feature}`, value: 220 }, value: 50 } : { value: 50 },
          stroke: { condition: { test: `datum.feature === ${SIGNAL.feature}`, value: o.theme.accent }, value: null },
          strokeWidth: { value: 2 },
          tooltip: [
            ...featureTooltip(data, name),
            { field: 'variance', title: 'variance', format: '.3~g' },
            { field: 'sd', title: 'SD', format: '.3~g' },
            { field: 'group', title: 'mixture group' },
            { field: 'negative', title: 'negative' },
          ],
        },
      },
      // Only when there are labels: an empty layer makes Vega warn about an empty extent.
      ...(rows.some((r) => r.text) ? [{
        transform: [{ filter: "datum.text !== ''" }],
        mark: { type: 'text', align: 'left', dx: 6, dy: -4, fontSize: 10, color: o.theme.foreground },
        encoding: { x, y, text: { field: 'text' } },
      }] : []),
    ],
  };
}
