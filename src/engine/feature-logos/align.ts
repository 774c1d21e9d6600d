/**
 * Aligning the kept windows of a deeper channel before counting them. A first-layer channel sees
 * a motif at one place of its window, so its windows are aligned as they are. A deeper channel's
 * peak is found on a grid of `stride` input positions and its layers below may let a motif sit
 * a little left or right (pooling) or on either strand (filters for both orientations): counted
 * as they are, such windows blur the motif. Each window is therefore moved by at most `maxShift`
 * positions, and reverse-complemented when `strands`, to where it fits the other windows best
 * (log-likelihood under their column frequencies over the informative columns), a few rounds
 * (the classic alignment by expectation maximisation, hard assignments).
 */

/** A letter outside the window after a shift: counted nowhere. */
export const GAP = 4;
const COMPLEMENT = [3, 2, 1, 0, GAP];

export interface AlignOptions {
  maxShift: number;
  strands: boolean;
  /** Columns scored (the informative span of the unaligned windows). */
  span: { start: number; end: number };
  rounds?: number;
}

export interface Aligned {
  windows: Uint8Array[];
  /** Windows moved, and windows reverse-complemented. */
  shifted: number;
  flipped: number;
}

function placed(w: Uint8Array, shift: number, minus: boolean): Uint8Array {
  const size = w.length;
  const out = new Uint8Array(size).fill(GAP);
  for (let i = 0; i < size; i++) {
    const j = i + shift;
    if (j < 0 || j >= size) continue;
    out[i] = minus ? COMPLEMENT[w[size - 1 - j]] : w[j];
  }
  return out;
}

/** Column log-frequencies with half a count of pseudocount per letter (gaps ignored). */
function logFrequencies(windows: Uint8Array[], size: number): Float64Array {
  const counts = new Float64Array(size * 4).fill(0.5);
  for (const w of windows) for (let i = 0; i < size; i++) if (w[i] !== GAP) counts[i * 4 + w[i]]++;
  for (let i = 0; i < size; i++) {
    const total = counts[i * 4] + counts[i * 4 + 1] + counts[i * 4 + 2] + counts[i * 4 + 3];
    for (let b = 0; b < 4; b++) counts[i * 4 + b] = Math.log(counts[i * 4 + b] / total);
  }
  return counts;
}

export function alignWindows(windows: Uint8Array[], o: AlignOptions): Aligned {
  if (!windows.length || (o.maxShift === 0 && !o.strands)) return { windows, shifted: 0, flipped: 0 };
  const size = windows[0].length;
  const choice = windows.map(() => ({ shift: 0, minus: false }));
  let current = windows;
  for (let round = 0; round < (o.rounds ?? 5); round++) {
    const logs = logFrequencies(current, size);
    let changed = 0;
    windows.forEach((w, k) => {
      let best = -Infinity;
      let pick = choice[k];
      for (const minus of o.strands ? [false, true] : [false]) {
        for (let shift = -o.maxShift; shift <= o.maxShift; shift++) {
          let score = 0;
          for (let i = o.span.start; i <= o.span.end; i++) {
            const j = i + shift;
            if (j < 0 || j >= size) {
              score += Math.log(0.25);
              continue;
            }
            const letter = minus ? COMPLEMENT[w[size - 1 - j]] : w[j];
            score += logs[i * 4 + letter];
          }
          // Ties keep the window as it is (no shift, forward strand).
          const better = score > best + 1e-9 || (Math.abs(score - best) <= 1e-9 && Math.abs(shift) + (minus ? 1 : 0) < Math.abs(pick.shift) + (pick.minus ? 1 : 0));
          if (better) {
            best = score;
            pick = { shift, minus };
          }
        }
      }
      if (pick.shift !== choice[k].shift || pick.minus !== choice[k].minus) changed++;
      choice[k] = pick;
    });
    current = windows.map((w, k) => placed(w, choice[k].shift, choice[k].minus));
    if (!changed && round > 0) break;
  }
  return { windows: current, shifted: choice.filter((c) => c.shift !== 0).length, flipped: choice.filter((c) => c.minus).length };
}
