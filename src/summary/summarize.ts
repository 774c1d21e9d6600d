/**
 * The cross-model table of a folder of results, as the DeepResolve authors tabulate their 422
 * ENCODE models: per model (and class), the features ranked by OFIV with each one's best known
 * motif, and whether the model's ChIP'd factor is among the motifs of its top 1, 3 and 5 features
 * at q ≤ 0.05 and at q ≤ 0.5; then the counts over all models. A feature finds the factor when one
 * of its stored matches (the best 5 with q ≤ 0.5, docs/motifs.md) is the factor or of its family.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { JASPAR_ATTRIBUTION } from '../engine/motifs/attribution';
import type { Results } from '../engine/results';
import { factorsFor, motifIsFactor, type FactorMap } from './factors';
import type { SummaryCounts, SummaryRow } from '../../renderers/summary-data';

export type { SummaryCounts, SummaryRow } from '../../renderers/summary-data';

/** Ranks the table reports, and the q-value thresholds (TOMTOM's usual 0.05 and its report threshold 0.5). */
export const RANKS = [1, 3, 5] as const;
export const Q_LEVELS = [0.05, 0.5] as const;
/** Top features listed per row. */
export const TOP = 5;

export interface Summary {
  dir: string;
  rows: SummaryRow[];
  counts: SummaryCounts;
  /** Result files read. */
  files: number;
  /** JSON files that are not results (or cannot be read), with why: listed once, not fatal. */
  skipped: { file: string; why: string }[];
  /** Credit owed for the motif names shown (JASPAR's CC BY 4.0), when a match carries one. */
  attribution?: string;
}

/** Every .json under `dir` (hidden files and folders, a killed writer's temporaries, left out), sorted. */
function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) visit(full);
      else if (/\.json$/i.test(e.name)) out.push(full);
    }
  };
  visit(dir);
  return out.sort();
}

function isResults(v: unknown): v is Results {
  const r = v as Partial<Results> | null;
  return !!r && typeof r === 'object' && typeof r.schemaVersion === 'string' && Array.isArray(r.classes) && Array.isArray(r.features) && !!r.model;
}

/** Rank (1-based, by OFIV) of the first feature with a match to `factors` at q ≤ `q`; null when none. */
function factorRank(order: number[], results: Results, q: number, factors: string[], map: FactorMap | undefined): number | null {
  const at = order.findIndex((k) => (results.features[k]?.matches ?? []).some((m) => m.qValue <= q && motifIsFactor(map, m.name, factors)));
  return at < 0 ? null : at + 1;
}

export function rowsOf(results: Results, file: string, dir: string, map: FactorMap | undefined): SummaryRow[] {
  const name = path.basename(file).replace(/\.json$/i, '');
  const notebook = file.replace(/\.json$/i, '.ipynb');
  const matched = results.features.some((f) => f.matches !== undefined);
  const modelPath = results.provenance?.modelFiles[0]?.path ?? results.model.path ?? '';
  return results.classes.map((c) => {
    const order = c.ofiv.map((_, k) => k).sort((a, b) => c.ofiv[b] - c.ofiv[a] || a - b);
    const factors = factorsFor(map, [name, results.model.name, results.model.path ?? '', modelPath, path.relative(dir, file), c.name]);
    const ranks = Q_LEVELS.map((q) => (factors.length && matched ? factorRank(order, results, q, factors, map) : null));
    return {
      model: name,
      class: c.name,
      classIndex: c.index,
      classes: results.classes.length,
      factors,
      top: order.slice(0, TOP).map((k) => {
        const f = results.features[k];
        const best = f?.matches?.[0];
        return { feature: f?.name ?? `feature ${k}`, index: k, ofiv: c.ofiv[k], ...(best ? { motif: best.name, motifId: best.id, q: best.qValue } : {}) };
      }),
      factorRank: { q05: ranks[0], q50: ranks[1] },
      // null: not asked (no factor for the model) or not answerable (no motif matches stored).
      recovered: factors.length && matched ? Object.fromEntries(Q_LEVELS.map((q, i) => [q === 0.05 ? 'q05' : 'q50', RANKS.map((r) => ranks[i] !== null && ranks[i]! <= r)])) as SummaryRow['recovered'] : null,
      nonAdditive: c.nonAdditive.length,
      negative: c.negative.length,
      layer: results.model.layer.name,
      restarts: results.settings.restarts,
      motifsMatched: matched,
      result: path.relative(dir, file),
      ...(fs.existsSync(notebook) ? { notebook: path.relative(dir, notebook) } : {}),
      modelPath,
    };
  });
}

/** The counts the authors report: models with a factor, and how many recover it at each rank and q. */
export function countRows(rows: SummaryRow[], files: number): SummaryCounts {
  const asked = rows.filter((r) => r.recovered);
  const count = (level: 'q05' | 'q50', i: number) => asked.filter((r) => r.recovered![level][i]).length;
  return {
    models: files,
    rows: rows.length,
    withFactor: asked.length,
    noFactor: rows.filter((r) => !r.factors.length).length,
    noMotifs: rows.filter((r) => r.factors.length && !r.motifsMatched).length,
    recovered: { q05: RANKS.map((_, i) => count('q05', i)), q50: RANKS.map((_, i) => count('q50', i)) },
    withNonAdditive: rows.filter((r) => r.nonAdditive > 0).length,
    nonAdditiveFeatures: rows.reduce((a, r) => a + r.nonAdditive, 0),
  };
}

/** Reads every result under `dir` and tabulates them. */
export function summarize(dir: string, map?: FactorMap): Summary {
  if (!fs.existsSync(dir)) throw new UserError(`${dir}: no such folder`);
  if (!fs.statSync(dir).isDirectory()) throw new UserError(`${dir}: not a folder (summarize reads a folder of results, as resolve --out-dir writes it)`);
  const rows: SummaryRow[] = [];
  const skipped: Summary['skipped'] = [];
  let files = 0;
  let attribution: string | undefined;
  for (const file of jsonFiles(dir)) {
    let value: unknown;
    try {
      value = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      skipped.push({ file, why: `not JSON (${(err as Error).message.split('\n')[0]})` });
      continue;
    }
    if (!isResults(value)) {
      skipped.push({ file, why: 'not a DeepResolve results document' });
      continue;
    }
    files++;
    rows.push(...rowsOf(value, file, dir, map));
    if (!attribution && value.features.some((f) => f.matches?.some((m) => m.attribution))) attribution = JASPAR_ATTRIBUTION;
  }
  if (!files) throw new UserError(`${dir}: no DeepResolve results (.json) in this folder or below`);
  return { dir, rows, counts: countRows(rows, files), files, skipped, ...(attribution ? { attribution } : {}) };
}
