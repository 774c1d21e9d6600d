/**
 * When to stop sampling (docs/motifs.md, "Logos of any layer: cost"): the logos are stable when the
 * kept windows of the sequences drawn so far count about the same logo as those of half as many.
 * Which windows are kept changes at the same rate whatever the model (any of N + m exchangeable
 * draws is as likely as another to be among the top K), so the set itself tells nothing; what
 * they show does: a channel whose top windows still sharpen as more sequences come changes its
 * column frequencies, one that has found its motif keeps them.
 */
import { columnIc } from '../motifs/match';

/** Largest change (mean total-variation distance over the informative columns) between two checkpoints of a stable logo. */
export const STABLE_CHANGE = 0.1;

/** Column frequencies of `count` windows of `size` letters stored one after the other (letters 0–3). */
export function windowFrequencies(windows: Uint8Array, count: number, size: number): Float64Array {
  const f = new Float64Array(size * 4);
  for (let w = 0; w < count; w++) for (let i = 0; i < size; i++) f[i * 4 + windows[w * size + i]]++;
  if (count) for (let i = 0; i < f.length; i++) f[i] /= count;
  return f;
}

/**
 * How far two column-frequency matrices are apart: the mean over the columns that carry more than
 * `threshold` bits in either of their total-variation distance (half the L1 distance, 0–1); null
 * when no column does (no logo either way).
 */
export function logoChange(a: Float64Array, b: Float64Array, threshold: number): number | null {
  let sum = 0;
  let columns = 0;
  for (let i = 0; i < a.length / 4; i++) {
    const col = (m: Float64Array) => [m[i * 4], m[i * 4 + 1], m[i * 4 + 2], m[i * 4 + 3]];
    if (!(columnIc(col(a)) > threshold) && !(columnIc(col(b)) > threshold)) continue;
    let tv = 0;
    for (let k = 0; k < 4; k++) tv += Math.abs(a[i * 4 + k] - b[i * 4 + k]);
    sum += tv / 2;
    columns++;
  }
  return columns ? sum / columns : null;
}
