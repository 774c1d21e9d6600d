/**
 * A motif collection prepared for matching: probabilities with a pseudocount, and every column
 * standardised once so that a Pearson correlation of two columns is a 4-term dot product.
 */
import { UserError } from '../errors';
import { countsToPwm, DEFAULT_PSEUDOCOUNT, type Motif } from './motif';

/** Score bins per column: Pearson r ∈ [−1, 1] is rounded to multiples of 2/bins (0.04 by default). */
export const DEFAULT_BINS = 50;

export interface LibraryOptions {
  pseudocount?: number;
  bins?: number;
}

export interface MotifLibrary {
  motifs: Motif[];
  /** positions × A,C,G,T probabilities of each motif, forward strand. */
  pwms: number[][][];
  /** All columns of all motifs, standardised (see standardiseColumn), 4 numbers per column. */
  columns: Float64Array;
  columnCount: number;
  /** First column of each motif in `columns`, and its width. */
  starts: Int32Array;
  widths: Int32Array;
  minWidth: number;
  maxWidth: number;
  pseudocount: number;
  bins: number;
  /** Distinct source files, for attribution. */
  files: string[];
}

/**
 * Centres a column of 4 values and scales it to unit length, so that the dot product of two such
 * columns is their Pearson correlation. A uniform column has no direction: it stays all zeros and
 * so correlates 0 with everything, which is what "no preference" should score.
 */
export function standardiseColumn(col: ArrayLike<number>, out: Float64Array, at: number): void {
  const mean = (col[0] + col[1] + col[2] + col[3]) / 4;
  let norm = 0;
  for (let b = 0; b < 4; b++) norm += (col[b] - mean) ** 2;
  norm = Math.sqrt(norm);
  for (let b = 0; b < 4; b++) out[at + b] = norm > 1e-12 ? (col[b] - mean) / norm : 0;
}

export function loadLibrary(motifs: Motif[], options: LibraryOptions = {}): MotifLibrary {
  if (motifs.length === 0) throw new UserError('motif library is empty');
  const pseudocount = options.pseudocount ?? DEFAULT_PSEUDOCOUNT;
  const bins = options.bins ?? DEFAULT_BINS;
  if (!Number.isInteger(bins) || bins < 2 || bins % 2 !== 0) throw new UserError(`motif score bins must be an even integer ≥ 2, not ${bins}`);
  const pwms = motifs.map((m) => countsToPwm(m.counts, pseudocount));
  const widths = Int32Array.from(pwms, (p) => p.length);
  const starts = new Int32Array(motifs.length);
  let columnCount = 0;
  pwms.forEach((p, t) => {
    starts[t] = columnCount;
    columnCount += p.length;
  });
  const columns = new Float64Array(columnCount * 4);
  pwms.forEach((p, t) => p.forEach((col, j) => standardiseColumn(col, columns, (starts[t] + j) * 4)));
  return {
    motifs,
    pwms,
    columns,
    columnCount,
    starts,
    widths,
    minWidth: Math.min(...widths),
    maxWidth: Math.max(...widths),
    pseudocount,
    bins,
    files: [...new Set(motifs.map((m) => m.source.file))],
  };
}
