/**
 * TOMTOM-like comparison of one PWM with every motif of a library (method: docs/motifs.md).
 * Column similarity: Pearson correlation; alignment score: sum over the overlapping columns of
 * the median-shifted, discretised column scores; p-value: probability that the best of all
 * alignments of the query with a random motif of the target's width (columns drawn from the
 * collection) scores as well, on either strand; E = p · library size; q: Benjamini–Hochberg.
 */
import { UserError } from '../errors';
import { reverseComplement } from './motif';
import { isJasparMotif, JASPAR_SHORT_ATTRIBUTION } from './attribution';
import { alignmentPValue, alignmentScore, bestAlignment, type Alignment, type AlignContext } from './align';
import { columnScores } from './column-scores';
import type { MotifLibrary } from './library';
import { RangeSurvival } from './null';
import { benjaminiHochberg } from './qvalues';

export interface MotifMatch {
  /** Library motif accession (e.g. 'MA0139.2') and name (e.g. 'CTCF'). */
  id: string;
  name: string;
  /**
   * Query column that the target's first column lies under, in the target orientation given by
   * `strand` (negative when the target starts before the query): query column i faces target
   * column i − offset.
   */
  offset: number;
  /** '-' when the query matches the target's reverse complement. */
  strand: '+' | '-';
  /** Number of aligned columns. */
  overlap: number;
  /** Sum of the Pearson correlations of the aligned columns. */
  score: number;
  pValue: number;
  eValue: number;
  qValue: number;
  /** Name of the collection file the motif came from (without its folder). */
  source?: string;
  /** Credit line owed wherever this match's name is shown (set for JASPAR motifs). */
  attribution?: string;
  /** The target's probabilities in the aligned orientation (for a logo under the query's). */
  pwm?: number[][];
}

export interface MatchOptions {
  /** How many matches to return, best p-value first (default 5). */
  top?: number;
  /** Fewest aligned columns (default 5, or the shorter motif's width when smaller). */
  minOverlap?: number;
  /** Include the aligned target PWM in each match (default false). */
  withPwm?: boolean;
  /**
   * Flanking query columns with at most this information content (bits) are left out before
   * matching (default 0.1 bits: about no letter above 0.42). Offsets still refer to the untrimmed
   * query. Use 0 to trim only columns with no preference at all.
   */
  trimIc?: number;
}

export const DEFAULT_MIN_OVERLAP = 5;
export const DEFAULT_TOP = 5;
export const DEFAULT_TRIM_IC = 0.1;

export function matchPwm(query: number[][], library: MotifLibrary, options: MatchOptions = {}): MotifMatch[] {
  checkQuery(query);
  const { start, end } = informativeSpan(query, options.trimIc ?? DEFAULT_TRIM_IC);
  if (end < start) return [];
  const matches = scoreAll(query.slice(start, end + 1), library, options.minOverlap ?? DEFAULT_MIN_OVERLAP).top(options.top ?? DEFAULT_TOP, options.withPwm ?? false);
  return matches.map((m) => ({ ...m, offset: m.offset + start }));
}

/** File name without folders: results travel between machines, paths should not. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

function checkQuery(query: number[][]): void {
  if (query.length === 0) throw new UserError('cannot match an empty PWM');
  query.forEach((row, i) => {
    if (row.length !== 4 || row.some((v) => !Number.isFinite(v))) throw new UserError(`PWM position ${i + 1} is not 4 finite numbers`);
  });
}

/** Information content (bits) of a column of probabilities: 2 + Σ p log₂ p. */
export function columnIc(p: number[]): number {
  return 2 + p.reduce((a, q) => a + (q > 0 ? q * Math.log2(q) : 0), 0);
}

/**
 * First and last column with more than `trimIc` bits. Uninformative flanks score the same against
 * every target, so they add nothing to an alignment; but each extra column adds alignment offsets,
 * and with them chances of a high score by luck, which would inflate the p-values of real matches.
 */
export function informativeSpan(query: number[][], trimIc: number): { start: number; end: number } {
  // Rounding leaves a uniform column about 1e-16 bits, not exactly 0.
  const informative = (row: number[]) => !(columnIc(row) <= trimIc + 1e-9);
  let start = 0;
  let end = query.length - 1;
  while (start <= end && !informative(query[start])) start++;
  while (end >= start && !informative(query[end])) end--;
  return { start, end };
}

/** p-values (and q-values) of the query against every library motif; `top` turns them into matches. */
export function scoreAll(query: number[][], library: MotifLibrary, minOverlap = DEFAULT_MIN_OVERLAP) {
  checkQuery(query);
  const w = query.length;
  const { starts, widths } = library;
  const scores = columnScores(query, library);
  const medianPrefix = new Int32Array(w + 1);
  scores.nulls.forEach((c, i) => (medianPrefix[i + 1] = medianPrefix[i] + c.median));
  const ctx: AlignContext = { scores, n: library.columnCount, w, medianPrefix };
  const minOv = (width: number) => Math.min(minOverlap, w, width);
  const survival = new RangeSurvival(scores.nulls, library.bins, minOv(library.minWidth), Math.min(w, library.maxWidth));

  const targets = library.motifs.length;
  const best: Alignment[] = new Array(targets);
  const pValues = new Float64Array(targets);
  for (let t = 0; t < targets; t++) {
    const need = minOv(widths[t]);
    best[t] = bestAlignment(ctx, starts[t], widths[t], need);
    pValues[t] = alignmentPValue(ctx, survival, widths[t], need, best[t].shifted);
  }
  const qValues = benjaminiHochberg(pValues);

  return {
    pValues,
    qValues,
    best,
    top(count: number, withPwm: boolean): MotifMatch[] {
      const score = (t: number) => alignmentScore(ctx, library.columns, starts[t], widths[t], best[t]);
      const scoreOf = new Float64Array(targets).map((_, t) => score(t));
      const order = Array.from({ length: targets }, (_, t) => t).sort((x, y) => pValues[x] - pValues[y] || scoreOf[y] - scoreOf[x]);
      return order.slice(0, Math.max(0, count)).map((t) => {
        const motif = library.motifs[t];
        const b = best[t];
        return {
          id: motif.id,
          name: motif.name,
          offset: b.offset,
          strand: b.minus ? '-' : '+',
          overlap: b.overlap,
          score: scoreOf[t],
          pValue: pValues[t],
          eValue: pValues[t] * targets,
          qValue: qValues[t],
          source: baseName(motif.source.file),
          ...(isJasparMotif(motif) ? { attribution: JASPAR_SHORT_ATTRIBUTION } : {}),
          ...(withPwm ? { pwm: b.minus ? reverseComplement(library.pwms[t]) : library.pwms[t] } : {}),
        } satisfies MotifMatch;
      });
    },
  };
}
