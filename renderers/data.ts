/**
 * What the views draw: a small, decoded subset of the results document (src/engine/results.ts).
 * The interactive renderer gets it from the notebook MIME payload (see pack.ts); the CLI and
 * worker build it straight from Results. Per-restart FIVs and feature maps are left out.
 */
import type { OutputResult, Results } from '../src/engine/results';
import { label, visible } from '../src/shared/escape';
import { shownLogo } from '../src/shared/logo';
import { partialText, type PartialInfo } from '../src/shared/partial';

export type Measure = 'ofiv' | 'oniv';

/** The fields of a motif match (src/engine/motifs/match.ts) the views use; all but name optional. */
export interface MotifMatch {
  /** Accession, e.g. 'MA0139.2'. */
  id?: string;
  /** Motif name, e.g. 'CTCF'. */
  name: string;
  p?: number;
  q?: number;
  pValue?: number;
  qValue?: number;
  attribution?: string;
  /** Feature column that the motif's first column faces (in the `strand` orientation). */
  offset?: number;
  strand?: '+' | '-';
  /** The motif in the aligned orientation; kept only for a feature's best significant match (logo view). */
  pwm?: number[][];
}

/** Matches a feature keeps in the views: tooltips list this many. */
export const SHOWN_MATCHES = 3;

export interface ViewFeature {
  index: number;
  name: string;
  /** The logo the views draw: a first-layer filter's weight PWM, else its model-derived logo (see `derived`). */
  pwm?: number[][];
  ic?: number[];
  /** Set when `pwm` is a model-derived logo (results' features[].logo): the layer whose channel it shows and its receptive field. */
  derived?: { layer: string; method: string; receptiveField: number; window: [number, number] };
  /** Why the feature has no model-derived logo (e.g. a dead ReLU). */
  noLogo?: string;
  matches?: MotifMatch[];
}

export interface ViewTrace {
  stride: number;
  scores: number[];
}

export interface ViewClass {
  index: number;
  name: string;
  ofiv: number[];
  oniv: number[];
  sd: number[];
  scores: number[];
  iterations: number[];
  gmmComponents: number;
  gmm: { means: number[]; variances: number[]; weights: number[] };
  nonAdditive: number[];
  negative: number[];
  traces?: ViewTrace[];
}

export interface ViewMatrix {
  method: string;
  /** Class indices of rows/columns, in classes[] order. */
  classes: number[];
  /** Positions into classes[] in clustering order. */
  order: number[];
  /** null where the measure is undefined (e.g. a constant profile). */
  matrix: (number | null)[][];
  samples?: number;
  source?: string;
}

export interface ViewData {
  tool: string;
  createdAt: string;
  /** outputs: the analysed outputs as results.model.outputs has them (a reopened notebook names each class's output and unit from them; absent in payloads saved before they were kept). */
  model: { name: string; layer: string; layerClass: string; positions: number; channels: number; numClasses: number; strippedActivation: string | null; outputs?: OutputResult[] };
  settings: { restarts: number; l2: number; lr: number; seed: number; regCovar: number; negativeThreshold: number };
  features: ViewFeature[];
  featureOrder: number[];
  classes: ViewClass[];
  similarity: ViewMatrix;
  labelCorrelation?: ViewMatrix;
  notes: string[];
  /** A partial result (a cancelled run): "partial: 12 of 919 classes, cancelled", in every view's title. */
  partial?: string;
  /** results.partial itself, so that a reopened notebook's result is partial again (absent in payloads saved before it was kept). */
  partialInfo?: PartialInfo;
}

const finiteOrNull = (v: number | null | undefined) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The view subset of a full results document (no rounding: used for the Node-side fallbacks). */
export function fromResults(r: Results): ViewData {
  const matrix = (m: Results['similarity'] | NonNullable<Results['labelCorrelation']>): ViewMatrix => ({
    method: m.method,
    classes: [...m.classes],
    order: [...m.order],
    matrix: m.matrix.map((row) => row.map(finiteOrNull)),
    ...('samples' in m ? { samples: m.samples } : {}),
    ...('source' in m && m.source ? { source: m.source } : {}),
  });
  return {
    tool: `${r.tool.name} ${r.tool.version}`,
    createdAt: r.createdAt,
    model: {
      name: r.model.name,
      layer: r.model.layer.name,
      layerClass: r.model.layer.className,
      positions: r.model.layer.positions,
      channels: r.model.layer.channels,
      numClasses: r.model.numClasses,
      strippedActivation: r.model.strippedActivation,
      ...(r.model.outputs?.length ? { outputs: r.model.outputs.map((o) => ({ ...o, shape: [...o.shape], classes: [...o.classes] as [number, number] })) } : {}),
    },
    settings: {
      restarts: r.settings.restarts,
      l2: r.settings.l2,
      lr: r.settings.lr,
      seed: r.settings.seed,
      regCovar: r.settings.regCovar,
      negativeThreshold: r.settings.negativeThreshold,
    },
    features: r.features.map((f) => {
      const matches = viewMatches(f.matches ?? []);
      // A filter keeps its weight PWM in the views (its model-derived logo, if any, stays in the results).
      const shown = shownLogo(f);
      const logo = shown?.source === 'model' ? f.logo! : undefined;
      return {
        index: f.index,
        name: f.name,
        ...(shown ? { pwm: shown.matrix, ic: shown.ic } : {}),
        ...(logo ? { derived: { layer: logo.layer, method: logo.method, receptiveField: logo.receptiveField.size, window: logo.window } } : {}),
        ...(f.noLogo ? { noLogo: f.noLogo } : {}),
        ...(matches.length ? { matches } : {}),
      };
    }),
    featureOrder: [...r.featureOrder],
    classes: r.classes.map((c) => ({
      index: c.index,
      name: c.name,
      ofiv: c.ofiv,
      oniv: c.oniv,
      // Results read from a schema 2 file without readResults have no sd: it is √variance.
      sd: c.sd ?? c.variance.map(Math.sqrt),
      scores: c.scores,
      iterations: c.iterations,
      gmmComponents: c.gmmComponents,
      gmm: { means: c.gmm.means, variances: c.gmm.variances, weights: c.gmm.weights },
      nonAdditive: c.nonAdditive,
      negative: c.negative,
      ...(c.traces ? { traces: c.traces.map((t) => ({ stride: t.stride, scores: t.scores })) } : {}),
    })),
    similarity: matrix(r.similarity),
    ...(r.labelCorrelation ? { labelCorrelation: matrix(r.labelCorrelation) } : {}),
    notes: [...r.notes],
    ...(r.partial ? { partial: partialText(r.partial), partialInfo: { ...r.partial, classesDone: [...r.partial.classesDone], classesRequested: [...r.partial.classesRequested] } } : {}),
  };
}

/** ViewData objects that displayData made (or returned), so a second call costs nothing. */
const DISPLAYED = new WeakSet<ViewData>();
const DISPLAY_CACHE = new WeakMap<ViewData, ViewData>();

/**
 * The names of a ViewData as the views and the renderer show them: one visible line each, at most
 * NAME_LIMIT characters (`label`, src/shared/escape.ts; Vega escapes markup but passes control
 * characters, and a NUL makes the SVG unreadable). The arrays of numbers are shared, not copied.
 * The payload, the CSV export and the results JSON keep the full names.
 */
export function displayData(d: ViewData): ViewData {
  if (DISPLAYED.has(d)) return d;
  const hit = DISPLAY_CACHE.get(d);
  if (hit) return hit;
  const match = (m: MotifMatch): MotifMatch => ({ ...m, name: label(m.name), ...(m.id !== undefined ? { id: label(m.id) } : {}), ...(m.attribution ? { attribution: visible(m.attribution) } : {}) });
  const out: ViewData = {
    ...d,
    model: { ...d.model, name: label(d.model.name), layer: label(d.model.layer), layerClass: label(d.model.layerClass), strippedActivation: d.model.strippedActivation === null ? null : label(d.model.strippedActivation) },
    features: d.features.map((f) => ({
      ...f,
      name: label(f.name),
      ...(f.matches ? { matches: f.matches.map(match) } : {}),
      ...(f.derived ? { derived: { ...f.derived, layer: label(f.derived.layer), method: label(f.derived.method) } } : {}),
      ...(f.noLogo ? { noLogo: visible(f.noLogo) } : {}),
    })),
    classes: d.classes.map((c) => ({ ...c, name: label(c.name) })),
    similarity: { ...d.similarity, method: label(d.similarity.method) },
    ...(d.labelCorrelation ? { labelCorrelation: { ...d.labelCorrelation, method: label(d.labelCorrelation.method) } } : {}),
    notes: d.notes.map(visible),
  };
  DISPLAYED.add(out);
  DISPLAY_CACHE.set(d, out);
  return out;
}

const SIGNIFICANT = 0.05;

/**
 * What the views need of a feature's matches: the top three for tooltips, and the aligned motif
 * only for the best significant one (the logo view draws that one under the feature's logo).
 * Source files and E-values stay out: they would only grow the payload.
 */
export function viewMatches(all: readonly MotifMatchIn[]): MotifMatch[] {
  const top = all.slice(0, SHOWN_MATCHES).map(
    (m): MotifMatch => ({
      id: m.id,
      name: m.name,
      pValue: m.pValue,
      qValue: m.qValue,
      offset: m.offset,
      strand: m.strand,
      ...(m.attribution ? { attribution: m.attribution } : {}),
    }),
  );
  const best = top.length ? bestMatch({ index: -1, name: '', matches: top }) : undefined;
  const full = best ? all[top.indexOf(best)] : undefined;
  if (best && full?.pwm?.length) best.pwm = full.pwm;
  return top;
}

type MotifMatchIn = NonNullable<Results['features'][number]['matches']>[number];

function significance(m: MotifMatch): number {
  return m.q ?? m.qValue ?? m.p ?? m.pValue ?? 1;
}

/** The best significant motif match of a feature (lowest q, else p), if any. */
export function bestMatch(f: ViewFeature): MotifMatch | undefined {
  const ok = (f.matches ?? []).filter((m) => significance(m) <= SIGNIFICANT);
  return ok.sort((a, b) => significance(a) - significance(b))[0];
}

/** "filter 7 · CTCF": the feature's own name stays visible next to its motif's short name. */
export function featureLabel(f: ViewFeature): string {
  const m = bestMatch(f);
  if (!m) return f.name;
  const short = m.name.replace(/\s*\([^)]*\)\s*$/, '') || m.name;
  return `${f.name} · ${short}`;
}

/** "CTCF (MA0139.2), q = 0.001" for tooltips and tables. */
export function matchText(m: MotifMatch | undefined): string {
  if (!m) return '';
  const q = m.qValue ?? m.q;
  return `${m.name}${m.id ? ` (${m.id})` : ''}${q !== undefined ? `, q = ${Number(q.toPrecision(2))}` : ''}`;
}

/**
 * Tooltip lines of a feature's matches, best first ("CTCF (MA0139.2), q = 0.001"); Vega-Lite shows
 * an array as one line per item. Never empty: a missing value would show as "undefined".
 */
export function matchLines(f: ViewFeature): string[] {
  const shown = (f.matches ?? []).slice(0, SHOWN_MATCHES);
  if (shown.length) return shown.map(matchText);
  return [f.pwm?.length ? 'no match with q ≤ 0.5' : f.noLogo ? 'no logo to match' : 'no PWM to match'];
}

/** Whether any feature has motif matches (views then add the tooltip row and the attribution). */
export function hasMatches(features: ViewFeature[]): boolean {
  return features.some((f) => f.matches?.length);
}

/** Licence line for views that show motif database names (JASPAR is CC BY 4.0): any match a label or tooltip shows. */
export function attribution(features: ViewFeature[]): string | undefined {
  const used = features.flatMap((f) => (f.matches ?? []).slice(0, SHOWN_MATCHES));
  const own = used.map((m) => m.attribution).find((a) => a);
  if (own) return own;
  return used.some((m) => /jaspar/i.test(m.name) || /^MA\d{4}\.\d+$/.test(m.id ?? '')) ? 'Motif names: JASPAR 2024 (CC BY 4.0)' : undefined;
}

export function measureName(m: Measure): string {
  return m === 'ofiv' ? 'OFIV' : 'ONIV';
}

/** Mixture group of every feature of a class: 'non-additive' (the engine's group) or a component rank. */
export function mixtureGroups(c: ViewClass): string[] {
  const k = c.gmmComponents;
  const na = new Set(c.nonAdditive);
  if (k <= 1) return c.sd.map(() => 'additive (1 component)');
  const rank = c.gmm.means.map((_, i) => i).sort((a, b) => c.gmm.means[a] - c.gmm.means[b]);
  const top = rank[rank.length - 1];
  return c.sd.map((sd, f) => {
    if (na.has(f)) return 'non-additive';
    const v = sd * sd;
    let best = -1;
    let bestLog = -Infinity;
    for (const i of rank) {
      if (i === top) continue;
      const variance = c.gmm.variances[i];
      const log = Math.log(c.gmm.weights[i]) - 0.5 * Math.log(variance) - ((v - c.gmm.means[i]) ** 2) / (2 * variance);
      if (log > bestLog) [best, bestLog] = [i, log];
    }
    return best === rank[0] ? 'additive (lowest variance)' : 'intermediate variance';
  });
}

export function values(c: ViewClass, m: Measure): number[] {
  return m === 'ofiv' ? c.ofiv : c.oniv;
}
