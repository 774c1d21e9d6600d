/**
 * View 5: sequence logos of the features (letters stacked by information content, largest on
 * top): first-layer filters' weight PWMs, and the logos derived from the model for channels of
 * any layer (results' features[].logo; src/shared/logo.ts says which one a feature shows), drawn
 * alike. Each letter is an image of a glyph stretched to its box, because Vega-Lite text marks
 * cannot be scaled vertically. Shows the highlighted feature and the class's strongest features.
 */
import { attribution, bestMatch, featureLabel, hasMatches, matchLines, matchText, values, type MotifMatch, type ViewData, type ViewFeature, displayData } from '../data';
import { defaults, top, type ViewOptions } from './common';
import { LIGHT, type Theme } from './theme';

export const LETTERS = ['A', 'C', 'G', 'T'] as const;
// Glyphs in a 100 × 100 box; C and G are arcs of a ring open to the right.
const GLYPHS = {
  A: 'M0 100L38 0H62L100 100H77L68 76H32L23 100ZM39 57H61L50 26Z',
  C: 'M88.3 17.9A50 50 0 1 0 88.3 82.1L73 69.3A30 30 0 1 1 73 30.7Z',
  G: 'M88.3 17.9A50 50 0 1 0 100 50H55V66H75.4A30 30 0 1 1 73 30.7Z',
  T: 'M0 0H100V20H61V100H39V20H0Z',
};

/** A letter's glyph in the theme's colour for it (the usual logo colours, darkened or lightened to read on the background). */
export function glyphUrl(letter: (typeof LETTERS)[number], colors: Theme['marks']['letters'] = LIGHT.marks.letters): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" width="100" height="100" preserveAspectRatio="none"><path fill-rule="evenodd" fill="${colors[letter]}" d="${GLYPHS[letter]}"/></svg>`;
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

/** Bits between the motif's track and the feature's in a paired logo; the caption sits there. */
const GAP = 0.8;
/** Where the feature's track starts when motifs are drawn under the features. */
const UPPER = 2 + GAP;

/** The matched motif drawn under a feature's logo: its best significant match, when it carries the aligned PWM. */
export function alignedMatch(f: ViewFeature): (MotifMatch & { pwm: number[][]; offset: number }) | undefined {
  const m = bestMatch(f);
  return m?.pwm?.length && typeof m.offset === 'number' ? (m as MotifMatch & { pwm: number[][]; offset: number }) : undefined;
}

export interface LogoRow {
  feature: number;
  /** Position of the feature's logo in the view (the facet); its label is looked up by it. */
  slot: number;
  label: string;
  /** 'feature': the feature's own logo; 'motif': the matched motif aligned under it. */
  track: 'feature' | 'motif';
  /** 1-based column in its own matrix (feature or motif). */
  position: number;
  letter: (typeof LETTERS)[number];
  probability: number;
  bits: number;
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  url: string;
  /** Motif name, accession and q (motif track). */
  motif?: string;
  strand?: '+' | '-';
  /** The feature's top matches, one line each (feature track, when features have matches). */
  matches?: string[];
  /** Where the feature's logo comes from (feature track): the filter's weights, or the model (layer, receptive field). */
  source?: string;
}

function stack(pwm: number[][], ic: number[] | undefined, x: number, y: number, base: Omit<LogoRow, 'position' | 'letter' | 'probability' | 'bits' | 'x0' | 'x1' | 'y0' | 'y1' | 'url'>, colors: Theme['marks']['letters']): LogoRow[] {
  return pwm.flatMap((p, pos) => {
    const bits = ic?.[pos] ?? 2 + p.reduce((a, q) => a + (q > 0 ? q * Math.log2(q) : 0), 0);
    const letters = LETTERS.map((letter, b) => ({ letter, height: p[b] * bits, p: p[b] })).sort((a, b) => a.height - b.height);
    let top = y;
    return letters.map((s) => {
      const row: LogoRow = { ...base, position: pos + 1, letter: s.letter, probability: s.p, bits: s.height, x0: x + pos, x1: x + pos + 1, y0: top, y1: top + s.height, url: glyphUrl(s.letter, colors) };
      top += s.height;
      return row;
    });
  });
}

/**
 * Letters of the features' logos. With `paired`, a feature's logo is lifted above its aligned
 * motif: motif column j lies under feature column j + offset (MotifMatch.offset), so the columns
 * that the match aligned are drawn one above the other.
 */
export function logoRows(data: ViewData, features: number[], paired = features.some((k) => alignedMatch(data.features[k])), colors: Theme['marks']['letters'] = LIGHT.marks.letters): LogoRow[] {
  const tips = hasMatches(data.features);
  return features.flatMap((k, slot) => {
    const f = data.features[k];
    const label = featureLabel(f);
    const own = stack(f.pwm ?? [], f.ic, 0, paired ? UPPER : 0, { feature: k, slot, label, track: 'feature', source: logoSource(f), ...(tips ? { matches: matchLines(f) } : {}) }, colors);
    const m = paired ? alignedMatch(f) : undefined;
    return m ? [...own, ...stack(m.pwm, undefined, m.offset, 0, { feature: k, slot, label, track: 'motif', motif: matchText(m), strand: m.strand }, colors)] : own;
  });
}

/** "filter weights", or "derived from the model: layer conv2, columns 4–19 of its 26-bp receptive field" (tooltips). */
export function logoSource(f: ViewFeature): string {
  const d = f.derived;
  return d ? `derived from the model: layer ${d.layer}, columns ${d.window[0] + 1}–${d.window[1] + 1} of its ${d.receptiveField}-bp receptive field` : 'filter weights';
}

/** The caption of each motif track: name, accession, q and strand, or why there is none. */
function captions(data: ViewData, features: number[], x: number) {
  return features.map((k, slot) => {
    const f = data.features[k];
    const m = alignedMatch(f);
    const text = m ? `${matchText(m)} · ${m.strand === '-' ? 'reverse complement' : 'forward strand'}` : f.matches?.length ? 'no match with q ≤ 0.05' : 'no motif match';
    return { feature: k, slot, label: featureLabel(f), caption: text, x0: x, y0: 2 + GAP / 2 };
  });
}

export function logosSpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const features = logoFeatures(data, options);
  const c = data.classes[o.classPos];
  if (!features.length) {
    const why = data.features[o.feature]?.noLogo;
    return {
      ...top(
        'Feature logos',
        why
          ? `no sequence logo for ${data.features[o.feature].name}: ${why}`
          : 'no sequence logos: the features are not first-layer filters of a one-hot DNA input and no logos were derived from the model (--feature-logos optimised)',
        o.theme,
      ),
      width: 320,
      height: 40,
      data: { values: [{ text: 'No position weight matrices or logos in these results.' }] },
      mark: { type: 'text', align: 'left', color: o.theme.muted },
      encoding: { text: { field: 'text' }, x: { value: 0 }, y: { value: 20 } },
    };
  }
  const shown = features.map((k) => data.features[k]);
  const paired = shown.some((f) => alignedMatch(f));
  const aligned = shown.map(alignedMatch).filter((m): m is NonNullable<typeof m> => !!m);
  const lo = Math.min(0, ...aligned.map((m) => m.offset));
  const hi = Math.max(...shown.map((f) => f.pwm!.length), ...aligned.map((m) => m.offset + m.pwm.length));
  const credit = attribution(shown);
  const derived = shown.filter((f) => f.derived);
  const selected = data.features[o.feature];
  const subtitle = [
    `${c ? `strongest features of class ${c.name}` : 'features'}${o.feature >= 0 ? ' and the selected feature' : ''} · letter height = probability × information content (bits)`,
    ...(derived.length
      ? [`${derived.length === shown.length ? 'all' : `${derived.length} of ${shown.length}`} logos derived from the model (no data): the most activating windows of random sequences at layer ${[...new Set(derived.map((f) => f.derived!.layer))].join(', ')}`]
      : []),
    ...(selected?.noLogo ? [`${selected.name}: no logo — ${selected.noLogo}`] : []),
    ...(paired ? ['under each feature: its best significant motif match (q ≤ 0.05), aligned column by column'] : []),
    ...(credit ? [credit] : []),
  ];
  const x = {
    field: 'x0',
    type: 'quantitative',
    scale: { domain: [lo, hi] },
    axis: { title: 'position', tickMinStep: 1, labelExpr: 'datum.value < 0 || datum.value + 0.5 === floor(datum.value + 0.5) ? "" : datum.value' },
  };
  const y = paired
    ? { field: 'y0', type: 'quantitative', scale: { domain: [0, UPPER + 2] }, axis: { title: 'bits', values: [0, 1, 2, UPPER, UPPER + 1, UPPER + 2], labelExpr: `datum.value >= ${UPPER} ? round(datum.value - ${UPPER}) : datum.value` } }
    : { field: 'y0', type: 'quantitative', scale: { domain: [0, 2] }, axis: { title: 'bits', values: [0, 1, 2] } };
  const letters = (track: LogoRow['track'], tooltip: object[]) => ({
    transform: [{ filter: { field: 'track', equal: track } }],
    mark: { type: 'image', aspect: false },
    encoding: { x, x2: { field: 'x1' }, y, y2: { field: 'y1' }, url: { field: 'url', type: 'nominal' }, tooltip },
  });
  const letterTips = [
    { field: 'position', title: 'position' },
    { field: 'letter', title: 'letter' },
    { field: 'probability', title: 'probability', format: '.3f' },
    { field: 'bits', title: 'bits', format: '.3f' },
  ];
  const featureTips = [{ field: 'label', title: 'feature' }, ...(hasMatches(data.features) ? [{ field: 'matches', title: 'motif matches' }] : []), { field: 'source', title: 'logo' }, ...letterTips];
  const motifTips = [{ field: 'motif', title: 'motif' }, { field: 'label', title: 'aligned under' }, { field: 'strand', title: 'strand' }, ...letterTips];
  return {
    ...top('Feature logos', subtitle, o.theme),
    // Facets by position, headers looked up in a param: a sort by label would put the names into
    // an expression that Vega-Lite generates, and two features with one label would share a facet.
    params: [{ name: 'logoLabels', value: features.map((k) => featureLabel(data.features[k])) }],
    data: { values: [...logoRows(data, features, paired, o.theme.marks.letters), ...(paired ? captions(data, features, lo) : [])] },
    facet: { field: 'slot', type: 'ordinal', title: null, header: { labelExpr: 'logoLabels[datum.value]', labelAnchor: 'start', labelFontWeight: 'bold' } },
    columns: 2,
    spec: {
      width: Math.min(360, Math.max(paired ? 240 : 0, (hi - lo) * 16)),
      height: paired ? 150 : 70,
      layer: [
        letters('feature', featureTips),
        ...(paired
          ? [
              letters('motif', motifTips),
              {
                transform: [{ filter: 'isValid(datum.caption)' }],
                mark: { type: 'text', align: 'left', baseline: 'middle', fontSize: 10, color: o.theme.muted },
                encoding: { x, y, text: { field: 'caption' } },
              },
            ]
          : []),
      ],
    },
    resolve: { scale: { x: 'independent' } },
  };
}
