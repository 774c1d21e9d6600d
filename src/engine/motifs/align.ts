/**
 * Ungapped alignments of a query (width w) with one library motif (width `width`, first column
 * s0): offset o puts the target's first column under query column o, so query columns
 * max(0, o)..min(w−1, o+width−1) are aligned. Scores are sums of discretised column scores minus
 * the overlap's sum of column medians (TOMTOM's shifted score: a column scoring at its median
 * adds nothing, so long overlaps are not favoured just for being long).
 */
import type { ColumnScores } from './column-scores';
import type { RangeSurvival } from './null';

export interface Alignment {
  /** Shifted integer score of the best alignment (−Infinity when none reaches the minimum overlap). */
  shifted: number;
  overlap: number;
  offset: number;
  minus: boolean;
}

export interface AlignContext {
  scores: ColumnScores;
  /** Library column count (row length of scores.fwd / scores.rev). */
  n: number;
  w: number;
  /** medianPrefix[i] = sum of the medians of query columns 0..i−1. */
  medianPrefix: Int32Array;
}

export function bestAlignment(ctx: AlignContext, s0: number, width: number, need: number): Alignment {
  const { w, n, medianPrefix } = ctx;
  const { fwd, rev } = ctx.scores;
  let bestShifted = -Infinity;
  let bestOverlap = 0;
  let bestOffset = 0;
  let bestMinus = false;
  for (let offset = -(width - 1); offset <= w - 1; offset++) {
    const a = offset > 0 ? offset : 0;
    const e = offset + width - 1 < w - 1 ? offset + width - 1 : w - 1;
    const overlap = e - a + 1;
    if (overlap < need) continue;
    let plus = 0;
    let minus = 0;
    // Forward: query column i faces target column i − offset. Reverse strand: column j of the
    // target's reverse complement is the complement of forward column width − 1 − j.
    let f = a * n + s0 + a - offset;
    let r = a * n + s0 + width - 1 - (a - offset);
    for (let i = a; i <= e; i++, f += n + 1, r += n - 1) {
      plus += fwd[f];
      minus += rev[r];
    }
    const shift = medianPrefix[e + 1] - medianPrefix[a];
    // Ties go to the longer overlap, then to the forward strand.
    if (plus - shift > bestShifted || (plus - shift === bestShifted && overlap > bestOverlap)) {
      bestShifted = plus - shift;
      bestOverlap = overlap;
      bestOffset = offset;
      bestMinus = false;
    }
    if (minus - shift > bestShifted || (minus - shift === bestShifted && overlap > bestOverlap)) {
      bestShifted = minus - shift;
      bestOverlap = overlap;
      bestOffset = offset;
      bestMinus = true;
    }
  }
  return { shifted: bestShifted, overlap: bestOverlap, offset: bestOffset, minus: bestMinus };
}

/**
 * P-value of a best shifted score against a random target of the same width: on one strand,
 * P(max over alignments ≥ x) = 1 − Π_alignments (1 − P(alignment ≥ x)), alignments taken as
 * independent (as TOMTOM does); for the better of two strands, 1 − (1 − p)². Computed in logs
 * so that p-values far below 1e−16 survive.
 */
export function alignmentPValue(ctx: AlignContext, survival: RangeSurvival, width: number, need: number, shifted: number): number {
  if (shifted === -Infinity) return 1;
  const { w, medianPrefix } = ctx;
  let logNone = 0;
  for (let offset = -(width - 1); offset <= w - 1; offset++) {
    const a = offset > 0 ? offset : 0;
    const e = offset + width - 1 < w - 1 ? offset + width - 1 : w - 1;
    if (e - a + 1 < need) continue;
    logNone += Math.log1p(-survival.tail(a, e, shifted + medianPrefix[e + 1] - medianPrefix[a]));
  }
  return -Math.expm1(2 * logNone);
}

/** Sum of the (undiscretised) Pearson correlations of an alignment's columns. */
export function alignmentScore(ctx: AlignContext, columns: Float64Array, s0: number, width: number, b: Alignment): number {
  const { qf, qc } = ctx.scores;
  const q = b.minus ? qc : qf;
  const a = Math.max(0, b.offset);
  const e = Math.min(ctx.w - 1, b.offset + width - 1);
  let sum = 0;
  for (let i = a; i <= e; i++) {
    const col = s0 + (b.minus ? width - 1 - (i - b.offset) : i - b.offset);
    for (let k = 0; k < 4; k++) sum += q[i * 4 + k] * columns[col * 4 + k];
  }
  return sum;
}
