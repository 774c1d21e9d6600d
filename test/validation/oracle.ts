/**
 * The ideal scanner: for each planted motif, the AUROC of its best log-odds match (both strands,
 * every position) for telling sequences that carry the motif from those that do not. It bounds
 * what any model can reach on rules over that motif ("where the rule allows" in the issue).
 */
import { auroc } from './auroc';
import { probabilities, type PlantedMotif } from './motifs';
import { logOdds, type SimulatedData } from './simulate';

export function scannerAuroc(data: SimulatedData, motifs: PlantedMotif[]): Record<string, number> {
  const { length, gc, count } = data.settings;
  const background = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2];
  const out: Record<string, number> = {};
  for (const m of motifs) {
    const fwd = logOdds(probabilities(m.counts), background);
    const rev = fwd.slice().reverse().map((r) => [r[3], r[2], r[1], r[0]]);
    const w = fwd.length;
    const scores = Array.from({ length: count }, (_, n) => {
      let best = -Infinity;
      for (let s = 0; s + w <= length; s++) {
        for (const M of [fwd, rev]) {
          let t = 0;
          for (let j = 0; j < w; j++) for (let b = 0; b < 4; b++) t += data.onehot[(n * length + s + j) * 4 + b] * M[j][b];
          if (t > best) best = t;
        }
      }
      return best;
    });
    out[m.name] = auroc(scores, data.presence.map((p) => (p[m.role] ? 1 : 0)));
  }
  return out;
}
