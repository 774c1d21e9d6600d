/**
 * The cross-model summary (src/summary): its rows and counts, the TSV's columns, and the notebook
 * payload (MIME application/vnd.deepresolve.summary+json) with the table's sorting and filtering.
 * One file for both sides: the Node side builds the rows and the TSV, the renderer's table sorts and
 * filters them, so the two never disagree about a column. Imports nothing but the escaping rule.
 */
import { label } from '../src/shared/escape';

export const SUMMARY_MIME = 'application/vnd.deepresolve.summary+json';
export const SUMMARY_FORMAT = 'deepresolve.summary';
export const SUMMARY_VERSION = 1;

export interface TopFeature {
  feature: string;
  index: number;
  ofiv: number;
  /** The feature's best known-motif match (at q ≤ 0.5), if any. */
  motif?: string;
  motifId?: string;
  q?: number;
}

export interface SummaryRow {
  /** Result name (the file name without .json). */
  model: string;
  class: string;
  classIndex: number;
  /** Classes analysed in the model's result. */
  classes: number;
  /** The model's factors from --factors (empty: none given or none matched). */
  factors: string[];
  top: TopFeature[];
  /** OFIV rank of the first feature matching the factor at q ≤ 0.05 / ≤ 0.5 (null: none). */
  factorRank: { q05: number | null; q50: number | null };
  /** Factor among the top 1, 3, 5 features at each q; null when no factor or no motif matches. */
  recovered: { q05: boolean[]; q50: boolean[] } | null;
  nonAdditive: number;
  negative: number;
  layer: string;
  restarts: number;
  /** Whether the result holds motif matches (its features had PWMs and a collection was used). */
  motifsMatched: boolean;
  /** The result file and the model's notebook, relative to the summarized folder. */
  result: string;
  notebook?: string;
  modelPath: string;
}

export interface SummaryCounts {
  /** Result files. */
  models: number;
  /** Table rows (a model with several classes has a row per class). */
  rows: number;
  /** Rows with a factor and motif matches: the denominator of `recovered`. */
  withFactor: number;
  noFactor: number;
  /** Rows with a factor but no motif matches (deeper layer, --motifs none). */
  noMotifs: number;
  /** Rows recovering the factor within the top 1, 3, 5 features, at q ≤ 0.05 and ≤ 0.5. */
  recovered: { q05: number[]; q50: number[] };
  withNonAdditive: number;
  nonAdditiveFeatures: number;
}

export interface SummaryPayload {
  format: typeof SUMMARY_FORMAT;
  version: typeof SUMMARY_VERSION;
  /** The summarized folder, as given. */
  dir: string;
  rows: (SummaryRow & { link?: string })[];
  counts: SummaryCounts;
  /** Credit line of the motif collection (JASPAR's CC BY 4.0), when its names are shown. */
  attribution?: string;
}

const yesNo = (b: boolean | undefined) => (b === undefined ? '' : b ? 'yes' : 'no');
const round = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? undefined : Number(v.toPrecision(digits)));

/** The TSV's columns, in order: a header name and the cell of a row. */
export const TSV_COLUMNS: { name: string; cell: (r: SummaryRow) => string | number | undefined | null }[] = [
  { name: 'model', cell: (r) => r.model },
  { name: 'class', cell: (r) => r.class },
  { name: 'classes', cell: (r) => r.classes },
  { name: 'factor', cell: (r) => r.factors.join(',') },
  ...[0, 1, 2, 3, 4].flatMap((i) => [
    { name: `top${i + 1}_feature`, cell: (r: SummaryRow) => r.top[i]?.feature },
    { name: `top${i + 1}_ofiv`, cell: (r: SummaryRow) => round(r.top[i]?.ofiv, 4) },
    { name: `top${i + 1}_motif`, cell: (r: SummaryRow) => r.top[i]?.motif },
    { name: `top${i + 1}_motif_id`, cell: (r: SummaryRow) => r.top[i]?.motifId },
    { name: `top${i + 1}_q`, cell: (r: SummaryRow) => round(r.top[i]?.q, 3) },
  ]),
  { name: 'factor_rank_q05', cell: (r) => r.factorRank.q05 },
  { name: 'factor_rank_q50', cell: (r) => r.factorRank.q50 },
  ...(['q05', 'q50'] as const).flatMap((level) =>
    [1, 3, 5].map((rank, i) => ({ name: `rank${rank}_${level}`, cell: (r: SummaryRow) => yesNo(r.recovered?.[level][i]) })),
  ),
  { name: 'non_additive', cell: (r) => r.nonAdditive },
  { name: 'negative', cell: (r) => r.negative },
  { name: 'layer', cell: (r) => r.layer },
  { name: 'restarts', cell: (r) => r.restarts },
  { name: 'result', cell: (r) => r.result },
  { name: 'model_path', cell: (r) => r.modelPath },
];

/** Columns of the notebook's table: what a header shows, and the value it sorts by. */
export interface TableColumn {
  key: string;
  title: string;
  /** Text of the cell (names through `label`: one visible line, cut). */
  text: (r: SummaryRow) => string;
  /** Sort key: numbers sort as numbers, null last. */
  sort: (r: SummaryRow) => string | number | null;
  help?: string;
}

const fmtQ = (q: number | undefined) => (q === undefined ? '' : q < 1e-3 ? q.toExponential(1) : String(Number(q.toPrecision(2))));
const motifText = (t: TopFeature | undefined) => (t ? `${label(t.feature, 20)}${t.motif ? ` · ${label(t.motif, 30)} (q ${fmtQ(t.q)})` : ''}` : '');
const rankText = (r: number | null) => (r === null ? '–' : String(r));
const recoveredText = (r: SummaryRow, level: 'q05' | 'q50') => (r.recovered ? r.recovered[level].map((b, i) => (b ? [1, 3, 5][i] : '·')).join(' ') : '');

export const TABLE_COLUMNS: TableColumn[] = [
  { key: 'model', title: 'model', text: (r) => label(r.model, 48), sort: (r) => r.model.toLowerCase() },
  { key: 'class', title: 'class', text: (r) => label(r.class, 32), sort: (r) => r.classIndex },
  { key: 'factor', title: 'factor', text: (r) => label(r.factors.join(', '), 32), sort: (r) => (r.factors.length ? r.factors.join(',').toLowerCase() : null) },
  ...[0, 1, 2].map((i) => ({
    key: `top${i + 1}`,
    title: `#${i + 1} feature · motif`,
    text: (r: SummaryRow) => motifText(r.top[i]),
    sort: (r: SummaryRow) => r.top[i]?.q ?? null,
    help: `the feature ranked ${i + 1} by OFIV and its best known-motif match (q); sorts by q`,
  })),
  { key: 'rank05', title: 'factor rank (q ≤ 0.05)', text: (r) => (r.recovered ? rankText(r.factorRank.q05) : ''), sort: (r) => r.factorRank.q05, help: 'OFIV rank of the first feature matching the factor at q ≤ 0.05' },
  { key: 'rank50', title: 'factor rank (q ≤ 0.5)', text: (r) => (r.recovered ? rankText(r.factorRank.q50) : ''), sort: (r) => r.factorRank.q50 },
  { key: 'rec05', title: 'top 1/3/5 (q ≤ 0.05)', text: (r) => recoveredText(r, 'q05'), sort: (r) => r.factorRank.q05, help: 'the ranks 1, 3, 5 within which the factor is found (· not found)' },
  { key: 'rec50', title: 'top 1/3/5 (q ≤ 0.5)', text: (r) => recoveredText(r, 'q50'), sort: (r) => r.factorRank.q50 },
  { key: 'nonAdditive', title: 'non-additive', text: (r) => String(r.nonAdditive), sort: (r) => r.nonAdditive, help: 'features in the non-additive group' },
];

export type SortDirection = 'asc' | 'desc';

/** Rows sorted by a column (stable; nulls last whatever the direction). */
export function sortRows<T extends SummaryRow>(rows: T[], key: string, direction: SortDirection): T[] {
  const column = TABLE_COLUMNS.find((c) => c.key === key) ?? TABLE_COLUMNS[0];
  const sign = direction === 'asc' ? 1 : -1;
  return rows
    .map((r, i) => ({ r, i, k: column.sort(r) }))
    .sort((a, b) => {
      if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
      const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
      return c !== 0 ? sign * c : a.i - b.i;
    })
    .map((x) => x.r);
}

/** Which rows the "show" choice keeps. */
export type RecoveryFilter = 'all' | 'recovered' | 'missed' | 'no-factor';

/**
 * Rows whose model, class, factor, feature or motif names contain every word of `text` (case
 * ignored), and that pass `which`: recovered means the factor is within the top 3 at q ≤ 0.05
 * (what the paper counts), missed that it is not.
 */
export function filterRows<T extends SummaryRow>(rows: T[], text: string, which: RecoveryFilter = 'all'): T[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((r) => {
    if (which === 'recovered' && !r.recovered?.q05[1]) return false;
    if (which === 'missed' && (!r.recovered || r.recovered.q05[1])) return false;
    if (which === 'no-factor' && r.recovered) return false;
    if (!words.length) return true;
    const hay = [r.model, r.class, ...r.factors, ...r.top.flatMap((t) => [t.feature, t.motif ?? '', t.motifId ?? ''])].join('\n').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/**
 * A relative link to a row's notebook (or result) from where the summary is shown: path segments
 * percent-encoded, so a name can never make it a URL of another scheme (javascript:, data:).
 */
export function relativeHref(relativePath: string): string {
  return relativePath.split(/[\\/]/).map((s) => (s === '..' || s === '.' ? s : encodeURIComponent(s))).join('/');
}

/** Whether an href is one relativeHref makes (the renderer links nothing else). */
export function isSafeHref(href: string): boolean {
  return /^[A-Za-z0-9._~%!$&'()*+,;=@\/-]+$/.test(href) && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(href) && !href.startsWith('//');
}
