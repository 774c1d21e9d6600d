/**
 * The null distribution of alignment scores, built as TOMTOM builds it: each query column's score
 * against a random column is distributed as its scores against all columns of the collection
 * (both strands); the score of an overlap of query columns a..e is the sum of independent such
 * scores, whose distribution is the convolution of the columns' discretised distributions.
 */

/** Per query column: the histogram (probabilities over integer scores 0..bins) and its median bin. */
export interface ColumnNull {
  pmf: Float64Array;
  /** Indices of non-zero entries of pmf, so that convolutions skip empty bins. */
  support: Int32Array;
  median: number;
}

export function columnNull(counts: ArrayLike<number>): ColumnNull {
  let total = 0;
  for (let k = 0; k < counts.length; k++) total += counts[k];
  const pmf = Float64Array.from(counts, (c) => c / total);
  const support = Int32Array.from(Array.from(pmf.keys()).filter((k) => pmf[k] > 0));
  let cum = 0;
  let median = 0;
  for (let k = 0; k < counts.length; k++) {
    cum += counts[k];
    if (cum * 2 >= total) {
      median = k;
      break;
    }
  }
  return { pmf, support, median };
}

/**
 * Survival functions S(r) = P(sum of the raw integer scores of query columns a..e ≥ r) for every
 * overlap a..e with minLength ≤ length ≤ maxLength, built by extending each start column one column
 * at a time. Tail sums run from the top so that tiny upper-tail probabilities keep their precision.
 */
export class RangeSurvival {
  private readonly tables: (Float64Array | undefined)[];

  constructor(
    private readonly columns: ColumnNull[],
    bins: number,
    minLength: number,
    maxLength: number,
  ) {
    const w = columns.length;
    this.tables = new Array(w * w);
    for (let a = 0; a < w; a++) {
      let pdf = new Float64Array([1]);
      for (let e = a; e < w && e - a + 1 <= maxLength; e++) {
        const col = columns[e];
        const next = new Float64Array(pdf.length + bins);
        const len = pdf.length;
        for (let j = 0; j < col.support.length; j++) {
          const k = col.support[j];
          const h = col.pmf[k];
          for (let r = 0; r < len; r++) next[r + k] += h * pdf[r];
        }
        pdf = next;
        if (e - a + 1 >= minLength) {
          const s = new Float64Array(pdf.length);
          let tail = 0;
          for (let r = pdf.length - 1; r >= 0; r--) s[r] = tail += pdf[r];
          this.tables[a * w + e] = s;
        }
      }
    }
  }

  /** P(raw score of columns a..e ≥ r). */
  tail(a: number, e: number, r: number): number {
    if (r <= 0) return 1;
    const s = this.tables[a * this.columns.length + e]!;
    return r < s.length ? Math.min(1, s[r]) : 0;
  }
}
