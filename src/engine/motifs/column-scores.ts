/**
 * Discretised Pearson correlations of every query column with every library column, on both
 * strands, and from them each query column's null distribution (TOMTOM's "columns drawn from the
 * target collection").
 */
import { standardiseColumn, type MotifLibrary } from './library';
import { columnNull, type ColumnNull } from './null';

export interface ColumnScores {
  /** fwd[i·n + c]: bin of r(query column i, library column c); n = library.columnCount. */
  fwd: Int16Array;
  /** rev[i·n + c]: bin of r(query column i, complement of library column c). */
  rev: Int16Array;
  /** Standardised query columns and their complements, 4 numbers each. */
  qf: Float64Array;
  qc: Float64Array;
  nulls: ColumnNull[];
}

export function columnScores(query: number[][], library: MotifLibrary): ColumnScores {
  const w = query.length;
  const { bins, columnCount: n, columns } = library;
  const half = bins / 2;
  // r(q, complement of c) = r(complement of q, c): complementing the query column once covers
  // the reverse strand of every library motif.
  const qf = new Float64Array(w * 4);
  const qc = new Float64Array(w * 4);
  query.forEach((row, i) => {
    standardiseColumn(row, qf, i * 4);
    standardiseColumn([row[3], row[2], row[1], row[0]], qc, i * 4);
  });
  const fwd = new Int16Array(w * n);
  const rev = new Int16Array(w * n);
  const nulls: ColumnNull[] = [];
  for (let i = 0; i < w; i++) {
    const counts = new Int32Array(bins + 1);
    const f0 = qf[i * 4], f1 = qf[i * 4 + 1], f2 = qf[i * 4 + 2], f3 = qf[i * 4 + 3];
    const c0 = qc[i * 4], c1 = qc[i * 4 + 1], c2 = qc[i * 4 + 2], c3 = qc[i * 4 + 3];
    const row = i * n;
    for (let c = 0, at = 0; c < n; c++, at += 4) {
      const x0 = columns[at], x1 = columns[at + 1], x2 = columns[at + 2], x3 = columns[at + 3];
      // Bin round((r + 1)·bins/2), written for speed (this loop runs width × library columns per
      // query): r ∈ [−1, 1] up to rounding error, so (r + 1)·half + 0.5 lies in [0, bins + 1)
      // and truncation rounds it.
      const bf = ((f0 * x0 + f1 * x1 + f2 * x2 + f3 * x3 + 1) * half + 0.5) | 0;
      const br = ((c0 * x0 + c1 * x1 + c2 * x2 + c3 * x3 + 1) * half + 0.5) | 0;
      fwd[row + c] = bf;
      rev[row + c] = br;
      counts[bf]++;
      counts[br]++;
    }
    nulls.push(columnNull(counts));
  }
  return { fwd, rev, qf, qc, nulls };
}
