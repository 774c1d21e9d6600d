/**
 * One-dimensional Gaussian mixtures fitted by EM, with the number of components chosen by BIC.
 * Used on the per-feature variances across restarts to find the non-additive feature group.
 * Mirrors scikit-learn's GaussianMixture where it matters for DeepResolve: `regCovar` is added to
 * every component variance (scikit-learn's default 1e-6), and BIC = −2 log L + p ln n with
 * p = 3k − 1 free parameters.
 */

export interface MixtureFit {
  components: number;
  means: number[];
  variances: number[];
  weights: number[];
  logLikelihood: number;
  bic: number;
  /** Component of each point (largest responsibility). */
  assignment: number[];
}

const LOG_2PI = Math.log(2 * Math.PI);

function logNormal(x: number, mean: number, variance: number): number {
  return -0.5 * (LOG_2PI + Math.log(variance) + ((x - mean) * (x - mean)) / variance);
}

function logSumExp(values: number[]): number {
  const m = Math.max(...values);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(values.reduce((a, v) => a + Math.exp(v - m), 0));
}

/** Fits a k-component mixture by EM from a deterministic start (means at the data's quantiles). */
export function fitMixture(data: number[], k: number, regCovar = 1e-6, maxIter = 200, tol = 1e-6): MixtureFit {
  const n = data.length;
  const sorted = [...data].sort((a, b) => a - b);
  // Start: split the sorted data into k equal runs (a 1-D k-means-like initialisation).
  let means: number[] = [];
  let variances: number[] = [];
  let weights: number[] = [];
  for (let c = 0; c < k; c++) {
    const part = sorted.slice(Math.floor((c * n) / k), Math.max(Math.floor(((c + 1) * n) / k), Math.floor((c * n) / k) + 1));
    const m = part.reduce((a, b) => a + b, 0) / part.length;
    means.push(m);
    variances.push(part.reduce((a, b) => a + (b - m) * (b - m), 0) / part.length + regCovar);
    weights.push(part.length / n);
  }
  let logL = -Infinity;
  const resp = data.map(() => new Array<number>(k).fill(0));
  for (let iter = 0; iter < maxIter; iter++) {
    // E step
    let total = 0;
    data.forEach((x, i) => {
      const logs = means.map((m, c) => Math.log(weights[c]) + logNormal(x, m, variances[c]));
      const lse = logSumExp(logs);
      total += lse;
      logs.forEach((l, c) => (resp[i][c] = Math.exp(l - lse)));
    });
    // M step
    const nk = means.map((_, c) => resp.reduce((a, r) => a + r[c], 0) + 10 * Number.EPSILON);
    means = nk.map((w, c) => data.reduce((a, x, i) => a + resp[i][c] * x, 0) / w);
    variances = nk.map((w, c) => data.reduce((a, x, i) => a + resp[i][c] * (x - means[c]) ** 2, 0) / w + regCovar);
    weights = nk.map((w) => w / n);
    if (Math.abs(total - logL) < tol * Math.max(1, Math.abs(total))) {
      logL = total;
      break;
    }
    logL = total;
  }
  // Final log-likelihood and assignment under the final parameters.
  let finalLogL = 0;
  const assignment = data.map((x) => {
    const logs = means.map((m, c) => Math.log(weights[c]) + logNormal(x, m, variances[c]));
    finalLogL += logSumExp(logs);
    return logs.indexOf(Math.max(...logs));
  });
  const params = 3 * k - 1;
  return { components: k, means, variances, weights, logLikelihood: finalLogL, bic: -2 * finalLogL + params * Math.log(n), assignment };
}

/** Fits 1..maxComponents components (never more than there are points) and keeps the lowest BIC. */
export function selectMixture(data: number[], maxComponents = 3, regCovar = 1e-6): { best: MixtureFit; bic: number[] } {
  const fits: MixtureFit[] = [];
  for (let k = 1; k <= Math.min(maxComponents, data.length); k++) fits.push(fitMixture(data, k, regCovar));
  const best = fits.reduce((a, b) => (b.bic < a.bic ? b : a));
  return { best, bic: fits.map((f) => f.bic) };
}
