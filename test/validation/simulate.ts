/**
 * The sequence simulator: i.i.d. background of a given GC content, into which each motif is
 * planted (one copy, sampled from its PFM, on a random strand, at a random position that does not
 * overlap another planted motif) with the motif's frequency. Labels follow the class rules; the
 * observed (training) labels may carry noise: each rule label is flipped with probability ε, so
 * P(observed = 1) = 1 − ε where the rule holds and ε where it does not (docs/validation.md).
 */
import { MOTIFS, probabilities, type PlantedMotif } from './motifs';
import { pick, seededRandom } from './random';
import { RULES, type Presence } from './rules';

export interface SimulatorSettings {
  length: number;
  /** Fraction of G + C in the background. */
  gc: number;
  count: number;
  seed: number;
  /**
   * Strong sites only: a site sampled from the PFM is kept when its log-odds score against the
   * background is at least this fraction of the consensus's score (0 keeps every sample).
   * Without it, sampled sites of short motifs (GATA1, 7 bp) are often no better than chance
   * matches in 200 bp of background, and no model could reach the AUROC.
   */
  minSiteScore: number;
  /**
   * ε: probability that an observed label is the flip of the rule's label (0 or absent: none).
   * Flips are drawn from their own generator (seed `noiseSeed`), so the sequences and rule labels
   * do not depend on ε.
   */
  labelNoise?: number;
  /** Probability that a label the rule says is 0 is observed as 1, when it differs from `labelNoise` (which then applies to rule 1s only). */
  falsePositive?: number;
  noiseSeed?: number;
}

export interface SimulatedData {
  settings: SimulatorSettings;
  /** One-hot sequences, row-major [count, length, 4] with letters A, C, G, T. */
  onehot: Float32Array;
  /** Labels by the rules (noiseless), row-major [count, classes]. */
  labels: Float32Array;
  /** Observed labels: the rule labels, each flipped with probability `labelNoise` (training uses these). */
  observed: Float32Array;
  presence: Presence[];
}

const COMPLEMENT = [3, 2, 1, 0];

/** Log-odds of each letter at each position of the PFM against the background. */
export function logOdds(pfm: number[][], background: number[]): number[][] {
  return pfm.map((row) => row.map((p, b) => Math.log(p / background[b])));
}

/**
 * One motif instance (letter indices) sampled from the PFM among those scoring at least
 * `minScore` (log-odds), reverse-complemented on the minus strand.
 */
function sampleSite(random: () => number, pfm: number[][], llr: number[][], minScore: number, minus: boolean): number[] {
  for (;;) {
    const site = pfm.map((row) => pick(random, row));
    if (site.reduce((a, b, j) => a + llr[j][b], 0) < minScore) continue;
    return minus ? site.reverse().map((b) => COMPLEMENT[b]) : site;
  }
}

function placeSites(random: () => number, length: number, widths: number[]): number[] {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const starts = widths.map((w) => Math.floor(random() * (length - w + 1)));
    const free = starts.every((s, i) => starts.every((t, j) => i === j || s + widths[i] <= t || t + widths[j] <= s));
    if (free) return starts;
  }
  throw new Error('could not place the motifs without overlap: sequences too short');
}

export function simulate(settings: SimulatorSettings, motifs: PlantedMotif[] = MOTIFS): SimulatedData {
  const { length, gc, count, seed } = settings;
  const random = seededRandom(seed);
  const background = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2];
  const pfms = motifs.map((m) => probabilities(m.counts));
  const llrs = pfms.map((p) => logOdds(p, background));
  const minScores = llrs.map((l) => settings.minSiteScore * l.reduce((a, row) => a + Math.max(...row), 0));
  const onehot = new Float32Array(count * length * 4);
  const labels = new Float32Array(count * RULES.length);
  const presence: Presence[] = [];
  for (let n = 0; n < count; n++) {
    const seq = Array.from({ length }, () => pick(random, background));
    const present = motifs.map((m) => random() < m.frequency);
    const chosen = motifs.flatMap((_, i) => (present[i] ? [i] : []));
    const starts = placeSites(random, length, chosen.map((i) => pfms[i].length));
    chosen.forEach((i, j) => sampleSite(random, pfms[i], llrs[i], minScores[i], random() < 0.5).forEach((b, p) => (seq[starts[j] + p] = b)));
    seq.forEach((b, p) => (onehot[(n * length + p) * 4 + b] = 1));
    const p = Object.fromEntries(motifs.map((m, i) => [m.role, present[i]])) as Presence;
    presence.push(p);
    RULES.forEach((r, c) => (labels[n * RULES.length + c] = r.label(p) ? 1 : 0));
  }
  const observed = Float32Array.from(labels);
  const falseNegative = settings.labelNoise ?? 0;
  const falsePositive = settings.falsePositive ?? falseNegative;
  if (falseNegative > 0 || falsePositive > 0) {
    if (settings.noiseSeed === undefined) throw new Error('label noise needs a noiseSeed');
    const flip = seededRandom(settings.noiseSeed);
    for (let i = 0; i < observed.length; i++) if (flip() < (labels[i] ? falseNegative : falsePositive)) observed[i] = 1 - observed[i];
  }
  return { settings, onehot, labels, observed, presence };
}

/** Label matrix as one column per class (the engine's Labels.columns): rule labels, or the observed ones. */
export function labelColumns(data: SimulatedData, which: 'rule' | 'observed' = 'rule'): Float64Array[] {
  const classes = RULES.length;
  const n = data.settings.count;
  const labels = which === 'rule' ? data.labels : data.observed;
  return RULES.map((_, c) => Float64Array.from({ length: n }, (_, i) => labels[i * classes + c]));
}
