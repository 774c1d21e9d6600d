/**
 * The MIME bundle of a results cell (used by the CLI's --notebook and by the extension; no vscode
 * import): the custom payload the interactive renderer draws, and fallbacks for places without
 * it — an SVG of the main view, the same view as a Vega-Lite spec for JupyterLab, and a text
 * summary. See docs/views.md.
 */
import type { Results } from '../engine/results';
import { displayData, fromResults, featureLabel, type ViewData } from '../../renderers/data';
import { packView, RESULT_MIME, sealPayload, type ViewName } from '../../renderers/pack';
import { renderSvg } from '../../renderers/svg';
import { VIEWS } from '../../renderers/views/index';
import { makeNotebook, notebookJson, type CellSpec, type MimeBundle } from './ipynb';
import { mdText } from '../shared/escape';

export { RESULT_MIME, makeNotebook, notebookJson };
export type { CellSpec, MimeBundle, ViewName };

/** JupyterLab 4's built-in @jupyterlab/vega5-extension renders Vega-Lite 5 under this type (no v6 type exists there). */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
const VEGALITE_V5_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

export interface BundleOptions {
  /** Leave out the SVG (e.g. when no time should be spent on it). */
  svg?: boolean;
  /** Class (position in results.classes) the per-class views show first. */
  classPos?: number;
  /** Feature the views highlight first (e.g. the first of %logos FEATURES). */
  feature?: number;
  /** A magic's own output: only this view, with the data it draws (payload `only`); else the whole dashboard (%resolve). */
  only?: boolean;
  /** Leave out the interactive payload: a picture and text only (a second view of data another output carries). */
  payload?: boolean;
}

/** A Vega-Lite fallback larger than this, as a notebook saves it (indented), is left out (JupyterLab shows the SVG instead). */
const VEGALITE_LIMIT = 64 * 1024;

/** Static pictures pool matrix images to this many pixels a side, so the SVG stays small. */
const FALLBACK_PIXELS = 300;

export async function outputBundle(results: Results, view: ViewName = 'heatmap', options: BundleOptions = {}): Promise<MimeBundle> {
  const data = fromResults(results);
  const spec = VIEWS[view].build(data, { classPos: options.classPos, maxPixels: FALLBACK_PIXELS, rasterAbove: 6000 });
  const vegaLite = { ...spec, $schema: VEGALITE_V5_SCHEMA };
  const bundle: MimeBundle = {
    ...(options.payload === false ? {} : { [RESULT_MIME]: sealPayload(packView(data, view, { classPos: options.classPos, feature: options.feature }, { only: options.only })) }),
    ...(JSON.stringify(vegaLite, null, 1).length <= VEGALITE_LIMIT ? { [VEGALITE_MIME]: vegaLite } : {}),
    'text/plain': textSummary(data),
  };
  if (options.svg !== false) bundle['image/svg+xml'] = await renderSvg(spec);
  return bundle;
}

// ASCII minus and digits: numbers pasted from the summary read as numbers.
const num = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : 'NA');

const CLASS_LINES = 12;
const TOP_FEATURES = 5;

/** A short plain-text reading of the results: what a notebook shows where nothing else renders (names as displayData shows them). */
export function textSummary(raw: ViewData): string {
  const d = displayData(raw);
  const out: string[] = [];
  out.push(`DeepResolve — ${d.model.name}, layer ${d.model.layer} (${d.model.channels} features), ${d.classes.length} class${d.classes.length === 1 ? '' : 'es'}, ${d.settings.restarts} restarts, λ = ${d.settings.l2}${d.partial ? ` (${d.partial})` : ''}`);
  out.push('');
  out.push('OFIV: overall feature importance, the score-weighted mean over restarts of how much each feature raises the class score (negative: it lowers it).');
  out.push('ONIV: the same over the restarts where a non-additive feature is positive. Non-additive: features whose importance varies most across restarts (the high-variance mixture group): they act together with others.');
  out.push('');
  out.push(`Top features by OFIV (largest |OFIV|; ⊕ non-additive):`);
  const shown = d.classes.slice(0, CLASS_LINES);
  for (const c of shown) {
    const na = new Set(c.nonAdditive);
    const top = c.ofiv.map((_, k) => k).sort((a, b) => Math.abs(c.ofiv[b]) - Math.abs(c.ofiv[a])).slice(0, TOP_FEATURES);
    out.push(`  ${c.name}: ${top.map((k) => `${featureLabel(d.features[k])} ${num(c.ofiv[k])}${na.has(k) ? ' ⊕' : ''}`).join(', ')}`);
  }
  if (d.classes.length > shown.length) out.push(`  … and ${d.classes.length - shown.length} more classes`);
  out.push('');
  const withGroup = d.classes.filter((c) => c.nonAdditive.length);
  if (!withGroup.length) out.push('Non-additive group: none (one mixture component in every class)');
  else {
    out.push(`Non-additive group (${withGroup.length} of ${d.classes.length} classes have one):`);
    for (const c of withGroup.slice(0, CLASS_LINES)) {
      const names = c.nonAdditive.map((k) => featureLabel(d.features[k]));
      out.push(`  ${c.name}: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ` … (${names.length})` : ''}`);
    }
    if (withGroup.length > CLASS_LINES) out.push(`  … and ${withGroup.length - CLASS_LINES} more classes`);
  }
  const pairs = similarPairs(d, 5);
  if (pairs.length) {
    out.push('');
    out.push(`Most similar class pairs (${d.similarity.method} r of OFIV${d.labelCorrelation ? '; label r' : ''}):`);
    for (const p of pairs) out.push(`  ${p.a} — ${p.b}: ${num(p.r)}${p.label !== undefined ? ` (labels ${p.label === null ? '–' : num(p.label)})` : ''}`);
  }
  return out.join('\n');
}

function similarPairs(d: ViewData, count: number) {
  const s = d.similarity;
  const name = (ci: number) => d.classes.find((c) => c.index === ci)?.name ?? `class ${ci}`;
  const lc = d.labelCorrelation;
  const lcPos = new Map(lc?.classes.map((c, i) => [c, i]));
  const best: { i: number; j: number; r: number }[] = [];
  for (let i = 0; i < s.matrix.length; i++) {
    for (let j = i + 1; j < s.matrix.length; j++) {
      const r = s.matrix[i][j];
      if (r === null || !Number.isFinite(r)) continue;
      if (best.length < count || r > best[best.length - 1].r) {
        best.push({ i, j, r });
        best.sort((a, b) => b.r - a.r);
        if (best.length > count) best.pop();
      }
    }
  }
  return best.map(({ i, j, r }) => {
    const a = s.classes[i];
    const b = s.classes[j];
    const li = lcPos.get(a);
    const lj = lcPos.get(b);
    return { a: name(a), b: name(b), r, ...(lc ? { label: li === undefined || lj === undefined ? null : lc.matrix[li][lj] } : {}) };
  });
}

/** The result's name in a notebook the CLI writes. */
export const CLI_RESULT_NAME = 'r1';

/**
 * A notebook of one results document: a heading, the dashboard (the data, once) and the class
 * similarity as a picture for readers without the extension (the dashboard draws it itself).
 */
export async function resultsNotebook(results: Results, views: ViewName[] = ['heatmap', 'similarity']): Promise<string> {
  const cells: CellSpec[] = [
    {
      kind: 'markdown',
      source: `# DeepResolve: ${mdText(results.model.name)}\n\nLayer ${mdText(results.model.layer.name)}, ${results.classes.length} classes, ${results.settings.restarts} restarts (seed ${results.settings.seed}), ${results.createdAt}.`,
    },
  ];
  // The first view carries the result, named as a first unnamed %resolve would be, so a reopened
  // notebook's %features, %interactions, … find it (restore.ts).
  for (const [i, v] of views.entries()) {
    cells.push({ kind: 'code', source: `# ${VIEWS[v].title}`, outputs: [await outputBundle(results, v, { payload: i === 0 })], ...(i === 0 ? { outputMetadata: [{ deepresolve: { result: CLI_RESULT_NAME, view: v } }] } : {}) });
  }
  return notebookJson(cells);
}
