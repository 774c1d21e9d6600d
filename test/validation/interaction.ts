/**
 * How non-additive the trained model really is, measured on held-out data: for a rule over two
 * motifs X, Y, the mean class score (log-odds, the quantity DeepResolve analyses) of the sequences
 * in each presence group, and the interaction contrast s11 − s10 − s01 + s00. A score that is a sum
 * of motif effects has contrast 0 whatever the rule on probabilities: AND is additive in log-odds
 * (s = a + b − θ separates it), XOR is not.
 */
import type { SimulatedData } from './simulate';
import type { ClassRule } from './rules';

export interface Interaction {
  groups: { '00': number; '10': number; '01': number; '11': number };
  contrast: number;
  /** |contrast| relative to the larger main effect (s10 − s00, s01 − s00). */
  relative: number;
}

export function logitInteractions(data: SimulatedData, probabilities: Float32Array, rules: ClassRule[]): Record<string, Interaction> {
  const k = rules.length;
  const out: Record<string, Interaction> = {};
  rules.forEach((rule, c) => {
    if (rule.uses.length + rule.forbids.length !== 2) return;
    const [x, y] = [...rule.uses, ...rule.forbids];
    const sums: Record<string, [number, number]> = { '00': [0, 0], '10': [0, 0], '01': [0, 0], '11': [0, 0] };
    data.presence.forEach((p, n) => {
      const q = Math.min(Math.max(probabilities[n * k + c], 1e-7), 1 - 1e-7);
      const cell = sums[`${+p[x]}${+p[y]}`];
      cell[0] += Math.log(q / (1 - q));
      cell[1]++;
    });
    const m = Object.fromEntries(Object.entries(sums).map(([key, [s, n]]) => [key, s / n])) as Interaction['groups'];
    const contrast = m['11'] - m['10'] - m['01'] + m['00'];
    const main = Math.max(Math.abs(m['10'] - m['00']), Math.abs(m['01'] - m['00']));
    out[rule.name] = { groups: m, contrast, relative: Math.abs(contrast) / main };
  });
  return out;
}
