/**
 * Which first-layer filter learned which planted motif: a filter matches motif M when its PWM's
 * similarity to M (comparePwms: best mean column Pearson over alignments and strands) is at least
 * MATCH_THRESHOLD and M is the most similar of the planted motifs.
 */
import type { FeatureInfo } from '../../src/engine/results';
import { comparePwms } from './compare';
import { probabilities, type PlantedMotif } from './motifs';

export const MATCH_THRESHOLD = 0.7;

export interface FilterMatch {
  feature: number;
  /** Similarity to each planted motif, by role. */
  similarity: Record<string, number>;
  best: PlantedMotif['role'];
  /** The role this filter counts for, or null when no motif reaches the threshold. */
  role: PlantedMotif['role'] | null;
}

export function matchFilters(features: FeatureInfo[], motifs: PlantedMotif[]): FilterMatch[] {
  const pfms = motifs.map((m) => probabilities(m.counts));
  return features.map((f) => {
    if (!f.pwm) throw new Error(`feature ${f.index} has no PWM: the analysis layer is not the first-layer filters`);
    const sims = pfms.map((p) => comparePwms(f.pwm!, p).similarity);
    const top = sims.indexOf(Math.max(...sims));
    return {
      feature: f.index,
      similarity: Object.fromEntries(motifs.map((m, i) => [m.role, sims[i]])),
      best: motifs[top].role,
      role: sims[top] >= MATCH_THRESHOLD ? motifs[top].role : null,
    };
  });
}

/** Features matching a motif. */
export function filtersOf(matches: FilterMatch[], role: string): number[] {
  return matches.filter((m) => m.role === role).map((m) => m.feature);
}
