/**
 * Position probability matrices from kept windows, and their information content. Letters are
 * counted without pseudocounts: the logo shows what the windows hold.
 */
import { columnIc } from '../motifs/match';

/** Column frequencies of windows of `size` letters (0–3 = A, C, G, T). */
export function windowsToPpm(windows: Uint8Array[], size: number): number[][] {
  const counts = Array.from({ length: size }, () => [0, 0, 0, 0]);
  for (const w of windows) for (let i = 0; i < size; i++) counts[i][w[i]]++;
  const n = Math.max(1, windows.length);
  return counts.map((c) => c.map((v) => v / n));
}

/** Information content (bits) of each column. */
export function columnsIc(ppm: number[][]): number[] {
  return ppm.map(columnIc);
}
