/**
 * Per-class statistics of DeepResolve (method note §2–3): feature importance vectors, their
 * score-weighted mean (OFIV), weighted variance, the non-additive group from a Gaussian mixture
 * on the variances, ONIV, and negative features.
 */
import { selectMixture } from './gmm';

export interface ClassStatisticsOptions {
  /** Variance floor of each mixture component (scikit-learn's reg_covar). */
  regCovar: number;
  /** A feature is negative when OFIV < −negativeThreshold · max|OFIV| of the class. */
  negativeThreshold: number;
}

export interface ClassStatistics {
  /** Restart weights w_t (scores, shifted to be ≥ 0, normalised to sum 1). */
  weights: number[];
  fiv: number[][];
  ofiv: number[];
  /** Weighted standard deviation of each feature's FIV across restarts. */
  sd: number[];
  variance: number[];
  gmmComponents: number;
  gmm: { means: number[]; variances: number[]; weights: number[]; bic: number[] };
  nonAdditive: number[];
  oniv: number[];
  negative: number[];
}

/** FIV of one feature map laid out row-major as [positions…, channels]: the mean over positions. */
export function featureImportance(featureMap: Float32Array, channels: number): number[] {
  const positions = featureMap.length / channels;
  const fiv = new Array<number>(channels).fill(0);
  for (let p = 0; p < positions; p++) for (let k = 0; k < channels; k++) fiv[k] += featureMap[p * channels + k];
  return fiv.map((v) => v / positions);
}

/** w_t = s_t, shifted by −min s when any score is negative; equal weights when all are zero. */
export function restartWeights(scores: number[]): number[] {
  const min = Math.min(...scores);
  const shifted = min < 0 ? scores.map((s) => s - min) : [...scores];
  const total = shifted.reduce((a, b) => a + b, 0);
  return total > 0 ? shifted.map((w) => w / total) : scores.map(() => 1 / scores.length);
}

function weightedMean(values: number[], weights: number[]): number {
  const total = weights.reduce((a, b) => a + b, 0);
  return values.reduce((a, v, i) => a + v * weights[i], 0) / total;
}

export function classStatistics(fiv: number[][], scores: number[], options: ClassStatisticsOptions): ClassStatistics {
  const weights = restartWeights(scores);
  const channels = fiv[0].length;
  const column = (k: number) => fiv.map((row) => row[k]);
  const ofiv = Array.from({ length: channels }, (_, k) => weightedMean(column(k), weights));
  const variance = ofiv.map((mean, k) => weightedMean(column(k).map((v) => (v - mean) ** 2), weights));
  const { best, bic } = selectMixture(variance, 3, options.regCovar);
  let nonAdditive: number[] = [];
  if (best.components > 1) {
    const top = best.means.indexOf(Math.max(...best.means));
    nonAdditive = best.assignment.flatMap((c, k) => (c === top ? [k] : []));
  }
  // ONIV: for non-additive features only the restarts where the feature's FIV is positive count.
  const oniv = ofiv.map((value, k) => {
    if (!nonAdditive.includes(k)) return value;
    const col = column(k);
    const w = weights.map((wt, t) => (col[t] > 0 ? wt : 0));
    return w.some((x) => x > 0) ? weightedMean(col, w) : value;
  });
  const scale = Math.max(...ofiv.map(Math.abs));
  const negative = ofiv.flatMap((v, k) => (v < 0 && -v >= options.negativeThreshold * scale ? [k] : []));
  return {
    weights,
    fiv,
    ofiv,
    sd: variance.map(Math.sqrt),
    variance,
    gmmComponents: best.components,
    gmm: { means: best.means, variances: best.variances, weights: best.weights, bic },
    nonAdditive,
    oniv,
    negative,
  };
}

/**
 * Whether every restart ended at the same point with the same score (to float32 accuracy of the
 * ascent's stopping rule): one optimum, as a linear (or locally linear) head has from any start.
 */
export function sameOptimum(fiv: number[][], scores: number[], tolerance = 1e-3): boolean {
  if (fiv.length < 2) return false;
  const scale = Math.max(...fiv[0].map(Math.abs), 1e-12);
  const scoreScale = Math.max(Math.abs(scores[0]), 1e-6);
  return fiv.every((v, r) => Math.abs(scores[r] - scores[0]) <= tolerance * scoreScale && v.every((x, k) => Math.abs(x - fiv[0][k]) <= tolerance * scale));
}
