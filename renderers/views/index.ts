/** The views by name: title, spec builder and the table their CSV export holds. */
import type { ViewData } from '../data';
import { featureLabel, values } from '../data';
import type { ViewName } from '../pack';
import type { ViewOptions } from './common';
import { convergenceRows, convergenceSpec } from './convergence';
import { heatmapClasses, heatmapFeatures, heatmapSpec } from './heatmap';
import { importanceRows, importanceSpec } from './importance';
import { interactionRows, interactionsSpec } from './interactions';
import { logoFeatures, logoRows, logosSpec } from './logos';
import { similaritySpec } from './similarity';
import { csvCell } from '../../src/shared/escape';

export type { ViewOptions } from './common';

type Row = Record<string, unknown>;

export interface ViewDef {
  title: string;
  build: (data: ViewData, options?: ViewOptions) => Record<string, unknown>;
  /** The view's data as a table (CSV export); the full matrix, not the drawn image. */
  table: (data: ViewData, options?: ViewOptions) => Row[];
  /** Views that show one class follow the class selection. */
  perClass: boolean;
}

/** The heatmap's table: its rows (every feature, or the top-N filter's) by every class. */
function matrixRows(data: ViewData, options: ViewOptions = {}): Row[] {
  const m = options.measure ?? 'ofiv';
  return heatmapFeatures(data, options).features.flatMap((k) =>
    heatmapClasses(data).map((pos) => {
      const c = data.classes[pos];
      return { feature: data.features[k].name, feature_label: featureLabel(data.features[k]), class: c.name, class_index: c.index, [m]: values(c, m)[k], sd: c.sd[k] };
    }),
  );
}

function similarityRows(data: ViewData): Row[] {
  const name = (ci: number) => data.classes.find((c) => c.index === ci)?.name ?? `class ${ci}`;
  const lc = data.labelCorrelation;
  const lcPos = new Map(lc?.classes.map((c, i) => [c, i]));
  const s = data.similarity;
  return s.order.flatMap((i) =>
    s.order.map((j) => {
      const a = s.classes[i];
      const b = s.classes[j];
      const li = lcPos.get(a);
      const lj = lcPos.get(b);
      return { class_a: name(a), class_b: name(b), similarity: s.matrix[i][j], ...(lc ? { label_correlation: li === undefined || lj === undefined ? null : lc.matrix[li][lj] } : {}) };
    }),
  );
}

/** A partial result (a cancelled run) says so in the title of every view of it. */
function markPartial(def: ViewDef): ViewDef {
  return {
    ...def,
    build: (data, options) => {
      const spec = def.build(data, options);
      const title = spec.title as { text: string } | undefined;
      return data.partial && title ? { ...spec, title: { ...title, text: `${title.text} (${data.partial})` } } : spec;
    },
  };
}

const DEFS: Record<ViewName, ViewDef> = {
  heatmap: { title: 'Heatmap', build: heatmapSpec, table: matrixRows, perClass: false },
  importance: {
    title: 'Importance',
    build: importanceSpec,
    table: (d, o) => importanceRows(d, o).rows.map(({ label, matches: _m, ...r }) => ({ class: d.classes[o?.classPos ?? 0]?.name, feature_label: label, ...r })),
    perClass: true,
  },
  interactions: { title: 'Interactions', build: interactionsSpec, table: (d, o) => interactionRows(d, o).map(({ text: _t, matches: _m, ...r }) => r), perClass: true },
  similarity: { title: 'Similarity', build: similaritySpec, table: (d) => similarityRows(d), perClass: false },
  logos: { title: 'Logos', build: logosSpec, table: (d, o) => logoRows(d, logoFeatures(d, o)).map(({ url: _u, x0: _a, x1: _b, y0: _c, y1: _d, matches: _m, slot: _s, ...r }) => r), perClass: true },
  convergence: { title: 'Convergence', build: convergenceSpec, table: convergenceRows, perClass: true },
};

export const VIEWS = Object.fromEntries(Object.entries(DEFS).map(([name, def]) => [name, markPartial(def)])) as Record<ViewName, ViewDef>;

/**
 * A view's number as its CSV writes it: the notebook keeps float16 (3–4 significant digits), so
 * 4 significant digits, never the float16's binary expansion (0.473388671875 is 0.4734).
 * Integers (indices, ranks, iterations) as they are. Full float32 values: %export FILE.csv.
 */
export function csvNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '';
}

/** RFC 4180 CSV of the rows, cells by csvCell (src/shared/escape.ts: names that look like formulas are quoted with '). */
export function toCsv(rows: Row[]): string {
  if (!rows.length) return '';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return [cols.join(','), ...rows.map((r) => cols.map((c) => (typeof r[c] === 'number' ? csvNumber(r[c] as number) : csvCell(r[c]))).join(','))].join('\n') + '\n';
}
