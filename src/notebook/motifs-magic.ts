/**
 * %motifs: which known motifs the features match. Without --db the matches %resolve stored in the
 * result are listed (no work); with --db, or for a result resolved without motifs, the feature PWMs
 * are matched again in the worker (reading a collection and matching hundreds of filters takes
 * seconds). The result itself is not changed.
 */
import { UserError } from '../engine/errors';
import { JASPAR_ATTRIBUTION, JASPAR_SHORT_ATTRIBUTION } from '../engine/motifs/attribution';
import type { MotifMatch } from '../engine/motifs/match';
import type { Results } from '../engine/results';
import type { TaskResult, Task } from '../worker/protocol';
import type { MagicCall } from './magics';
import { text, type Output } from './output-items';
import { resultOutput } from './result-output';
import type { RunContext } from './run-context';
import { parseFeatureSpec } from './session';
import { sentence, table } from './text-views';
import { label, mdText, visible } from '../shared/escape';
import { shownLogo } from '../shared/logo';

/** Matches %resolve keeps per feature, and their q-value limit (annotateFeatures' defaults). */
export const STORED_TOP = 5;
export const REPORT_Q = 0.5;
/** q-value under which a match names its feature in the views (SIGNIFICANT_Q). */
const NAMES_Q = 0.05;

type MatchTask = Extract<Task, { kind: 'motifs' }>;

/** Feature indices of the FEATURE argument: an exact feature name, else indices and ranges. */
export function pickFeatures(spec: string | undefined, r: Results): number[] {
  const named = spec === undefined ? -1 : r.features.findIndex((f) => f.name === spec);
  return named >= 0 ? [named] : parseFeatureSpec(spec, r.features.length);
}

const num = (v: number) => (v === 0 ? '0' : v < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(2))));

/**
 * The table: one row per match, the feature named on its first row; features without a match listed
 * below. `title` is our own words with names (file names) already escaped for each form.
 */
export function motifsTable(r: Results, features: number[], matches: MotifMatch[][], title: { plain: string; markdown: string }) {
  const rows: string[][] = [];
  const none: string[] = [];
  features.forEach((k, i) => {
    if (!matches[i].length) none.push(r.features[k].name);
    matches[i].forEach((m, j) => rows.push([j === 0 ? r.features[k].name : '', m.name, m.id, String(m.offset), m.strand, num(m.pValue), num(m.qValue)]));
  });
  const t = table(['feature', 'motif', 'ID', 'offset', 'strand', 'p', 'q'], rows);
  const missing = (name: (s: string) => string) =>
    none.length ? `No match with q ≤ ${REPORT_Q}: ${none.slice(0, 40).map((n) => name(n)).join(', ')}${none.length > 40 ? `, … (${none.length})` : ''}` : '';
  // The licence of JASPAR (CC BY 4.0) asks for the citation wherever its names are shown.
  const credits = [...new Set(matches.flat().flatMap((m) => (m.attribution ? [m.attribution === JASPAR_SHORT_ATTRIBUTION ? JASPAR_ATTRIBUTION : m.attribution] : [])))];
  const foot = (name: (s: string) => string) => [missing(name), ...credits].filter(Boolean);
  return {
    plain: [title.plain, ...(rows.length ? [t.plain] : []), ...foot(label)].join('\n'),
    markdown: [`**${title.markdown}**`, ...(rows.length ? [t.markdown] : []), ...foot(mdText)].join('\n\n'),
  };
}

export async function motifsMagic(call: MagicCall, ctx: RunContext, match: (task: MatchTask) => Promise<TaskResult['motifs']>): Promise<Output[]> {
  const [a0, a1] = call.args;
  // One argument may be either the feature or a result name (as for %logos).
  const [spec, resultName] = a1 === undefined && a0 !== undefined && ctx.session.isResultName(a0) ? [undefined, a0] : [a0, a1];
  const { name, results } = ctx.session.result(resultName);
  const top = (call.options.top as number | undefined) ?? 3;
  if (top < 1) throw new UserError('--top must be at least 1');
  const asked = pickFeatures(spec, results);
  const features = asked.filter((k) => shownLogo(results.features[k]));
  if (!features.length) {
    const why = asked.length === 1 && results.features[asked[0]].noLogo;
    throw new UserError(
      asked.length === 1
        ? `${label(results.features[asked[0]].name)} has no PWM or logo to match (${why ? `no logo: ${visible(why)}` : 'first-layer filters on one-hot DNA have PWMs; other features need %resolve --feature-logos optimised'})`
        : `the features of layer '${label(results.model.layer.name)}' have no PWMs or logos to match (first-layer filters on one-hot DNA have PWMs; other features need %resolve --feature-logos optimised)`,
    );
  }
  const db = call.options.db as string | undefined;
  const stored = results.features.some((f) => f.matches !== undefined);
  const count = `${features.length} feature${features.length === 1 ? '' : 's'}`;
  let matches: MotifMatch[][];
  let title: ReturnType<typeof sentence>;
  if (db === undefined && stored) {
    matches = features.map((k) => (results.features[k].matches ?? []).slice(0, top));
    const more = top > STORED_TOP ? ` (%resolve keeps ${STORED_TOP} per feature; --db matches again)` : '';
    title = sentence`Motif matches of ${name}, ${count}: top ${String(Math.min(top, STORED_TOP))} with q ≤ ${String(REPORT_Q)}${more}; q ≤ ${String(NAMES_Q)} names the feature in the views`;
  } else {
    const collection = db ?? ctx.defaults.motifDatabase ?? 'jaspar';
    if (collection.split(',').map((s) => s.trim()).includes('none')) {
      throw new UserError(db === undefined ? `${name} has no motif matches (resolved with --motifs none): give a collection, e.g. %motifs --db jaspar` : '--db none: give a collection to match against (jaspar or motif files)');
    }
    ctx.onStart?.(`Matching ${count} with ${label(collection)}`);
    const found = await match({ kind: 'motifs', pwms: features.map((k) => shownLogo(results.features[k])!.matrix), motifs: collection, motifsBase: ctx.session.folder, top, qThreshold: REPORT_Q });
    matches = found.matches;
    title = sentence`Motif matches of ${name}, ${count}, against ${found.files} (${String(found.motifCount)} motifs): top ${String(top)} with q ≤ ${String(REPORT_Q)}`;
  }
  const t = motifsTable(results, features, matches, title);
  const out = [text(t.plain, t.markdown)];
  // One feature with the stored matches: its logo above the matched motif's, as the views draw it.
  if (features.length === 1 && db === undefined && stored) {
    out.push(await resultOutput(ctx.client, results, name, { view: 'logos', features }, `${name}: logo of ${label(results.features[features[0]].name)}`));
  }
  return out;
}
