/**
 * PWM similarity for the motif-recovery check: the best mean column Pearson correlation over all
 * alignments of the two matrices with at least `minOverlap` aligned columns, on both strands
 * (the column similarity of TOMTOM's Pearson mode, averaged over the aligned columns).
 * Written here because the project's TOMTOM-like matcher (src/engine/motifs/match.ts) had not
 * been committed when this suite was written; it scores alignments with p-values against a
 * library, whereas this check needs a plain similarity of two given matrices.
 */

export interface PwmAlignment {
  /** Mean Pearson correlation of the aligned columns. */
  similarity: number;
  /** Column of `a` facing column 0 of `b` (negative when `b` starts before `a`). */
  offset: number;
  strand: '+' | '-';
  overlap: number;
}

function pearson(x: number[], y: number[]): number {
  const mx = (x[0] + x[1] + x[2] + x[3]) / 4;
  const my = (y[0] + y[1] + y[2] + y[3]) / 4;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < 4; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  // A uniform column carries no letter preference: it correlates with nothing.
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

export function reverseComplement(m: number[][]): number[][] {
  return m
    .slice()
    .reverse()
    .map((r) => [r[3], r[2], r[1], r[0]]);
}

export function comparePwms(a: number[][], b: number[][], minOverlap = 6): PwmAlignment {
  let best: PwmAlignment = { similarity: -Infinity, offset: 0, strand: '+', overlap: 0 };
  const need = Math.min(minOverlap, a.length, b.length);
  for (const strand of ['+', '-'] as const) {
    const bb = strand === '+' ? b : reverseComplement(b);
    for (let offset = -(bb.length - 1); offset <= a.length - 1; offset++) {
      const start = Math.max(0, offset);
      const end = Math.min(a.length, offset + bb.length);
      const overlap = end - start;
      if (overlap < need) continue;
      let sum = 0;
      for (let i = start; i < end; i++) sum += pearson(a[i], bb[i - offset]);
      const similarity = sum / overlap;
      if (similarity > best.similarity) best = { similarity, offset, strand, overlap };
    }
  }
  return best;
}
