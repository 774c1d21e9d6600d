/**
 * View 5: sequence logos of first-layer filters (letters stacked by information content, largest
 * on top). Each letter is an image of a glyph stretched to its box, because Vega-Lite text marks
 * cannot be scaled vertically. Shows the highlighted feature and the class's strongest features.
 */
import { featureLabel, values, type ViewData } from '../data';
import { defaults, top, type ViewOptions } from './common';

export const LETTERS = ['A', 'C', 'G', 'T'] as const;
const COLORS = { A: '#109648', C: '#255c99', G: '#f7b32b', T: '#d62839' };
// Glyphs in a 100 × 100 box; C and G are arcs of a ring open to the right.
const GLYPHS = {
  A: 'M0 100L38 0H62L100 100H77L68 76H32L23 100ZM39 57H61L50 26Z',
  C: 'M88.3 17.9A50 50 0 1 0 88.3 82.1L73 69.3A30 30 0 1 1 73 30.7Z',
  G: 'M88.3 17.9A50 50 0 1 0 100 50H55V66H75.4A30 30 0 1 1 73 30.7Z',
  T: 'M0 0H100V20H61V100H39V20H0Z',
};

export function glyphUrl(letter: (typeof LETTERS)[number]): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100" preserveAspectRatio="none"><path fill-rule="evenodd" fill="${COLORS[letter]}" d="${GLYPHS[letter]}"/></svg>`;
  return `data:image/svg+xml;base64,${typeof btoa === 'function' ? btoa(svg) : (globalThis as unknown as { Buffer: { from(s: string): { toString(e: string): string } } }).Buffer.from(svg).toString('base64')}`;
}

/** The features whose logos the view shows: the highlighted one, then the class's top positive features. */
export function logoFeatures(data: ViewData, options: ViewOptions = {}, count = 6): number[] {
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  const withPwm = (k: number) => !!data.features[k]?.pwm?.length;
  const picked: number[] = [];
  if (o.feature >= 0 && withPwm(o.feature)) picked.push(o.feature);
  if (c) {
    const vals = values(c, o.measure);
    const ranked = vals.map((_, k) => k).sort((a, b) => vals[b] - vals[a]);
    for (const k of ranked) {
      if (picked.length >= count) break;
      if (!picked.includes(k) && withPwm(k)) picked.push(k);
    }
  }
  return picked;
}

export function logoRows(data: ViewData, features: number[]) {
  return features.flatMap((k) => {
    const f = data.features[k];
    const label = featureLabel(f);
    return (f.pwm ?? []).flatMap((p, pos) => {
      const ic = f.ic?.[pos] ?? 2 + p.reduce((a, q) => a + (q > 0 ? q * Math.log2(q) : 0), 0);
      const stack = LETTERS.map((letter, b) => ({ letter, height: p[b] * ic, p: p[b] })).sort((a, b) => a.height - b.height);
      let y = 0;
      return stack.map((s) => {
        const row = { feature: k, label, position: pos + 1, letter: s.letter, probability: s.p, bits: s.height, x0: pos, x1: pos + 1, y0: y, y1: y + s.height, url: glyphUrl(s.letter) };
        y += s.height;
        return row;
      });
    });
  });
}

export function logosSpec(data: ViewData, options: ViewOptions = {}) {
  const o = defaults(data, options);
  const features = logoFeatures(data, options);
  const c = data.classes[o.classPos];
  if (!features.length) {
    return {
      ...top('Feature logos', 'no sequence logos: the analysed features are not first-layer filters of a one-hot DNA input', o.theme),
      width: 320,
      height: 40,
      data: { values: [{ text: 'No position weight matrices in these results.' }] },
      mark: { type: 'text', align: 'left', color: o.theme.muted },
      encoding: { text: { field: 'text' }, x: { value: 0 }, y: { value: 20 } },
    };
  }
  const width = Math.max(...features.map((k) => data.features[k].pwm!.length));
  return {
    ...top('Feature logos', `${c ? `strongest features of class ${c.name}` : 'features'}${o.feature >= 0 ? ' and the selected feature' : ''} · letter height = probability × information content (bits)`, o.theme),
    data: { values: logoRows(data, features) },
    facet: { field: 'label', type: 'nominal', title: null, sort: features.map((k) => featureLabel(data.features[k])), header: { labelAnchor: 'start', labelFontWeight: 'bold' } },
    columns: 2,
    spec: {
      width: Math.min(360, width * 16),
      height: 70,
      mark: { type: 'image', aspect: false },
      encoding: {
        x: { field: 'x0', type: 'quantitative', scale: { domain: [0, width] }, axis: { title: 'position', tickMinStep: 1, labelExpr: 'datum.value + 0.5 === floor(datum.value + 0.5) ? "" : datum.value' } },
        x2: { field: 'x1' },
        y: { field: 'y0', type: 'quantitative', scale: { domain: [0, 2] }, axis: { title: 'bits', values: [0, 1, 2] } },
        y2: { field: 'y1' },
        url: { field: 'url', type: 'nominal' },
        tooltip: [
          { field: 'label', title: 'feature' },
          { field: 'position', title: 'position' },
          { field: 'letter', title: 'letter' },
          { field: 'probability', title: 'probability', format: '.3f' },
          { field: 'bits', title: 'bits', format: '.3f' },
        ],
      },
    },
    resolve: { scale: { x: 'independent' } },
  };
}
