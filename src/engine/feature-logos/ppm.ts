/**
 * Position probability matrices from kept windows, and their information content. Letters are
 * counted without pseudocounts: the logo shows what the windows hold.
 */
import { columnIc } from '../motifs/match';

/** Column frequencies of windows of `size` letters (0–3 = A, C, G, T; 4, a gap left by aligning, is not counted). */
export function windowsToPpm(windows: Uint8Array[], size: number): number[][] {
  const counts = Array.from({ length: size }, () => [0, 0, 0, 0]);
  for (const w of windows) for (let i = 0; i < size; i++) if (w[i] < 4) counts[i][w[i]]++;
  return counts.map((c) => {
    const n = c[0] + c[1] + c[2] + c[3];
    return n ? c.map((v) => v / n) : [0.25, 0.25, 0.25, 0.25];
  });
}

/** Information content (bits) of each column. */
export function columnsIc(ppm: number[][]): number[] {
  return ppm.map(columnIc);
}
