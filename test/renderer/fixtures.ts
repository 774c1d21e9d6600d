/**
 * Results-shaped documents of any size from a seeded generator, for views too large to run the
 * engine for (919 classes × 960 features, DeepSEA's shape). Values follow the structure real
 * results have: class groups sharing features, a few negative and high-variance features.
 */
import type { Results, ClassResult } from '../../src/engine/results';
import { correlation } from '../../src/engine/cluster';
import { uniform } from '../../src/engine/rng';

const JASPAR = 'JASPAR 2024 (CC BY 4.0), Rauluseviciute et al., NAR 2024, doi:10.1093/nar/gkad1059';

export interface FixtureOptions {
  classes: number;
  features: number;
  restarts?: number;
  seed?: number;
  pwmWidth?: number;
  traces?: boolean;
  labels?: boolean;
  names?: (i: number) => string;
  /** Give every feature a JASPAR-style match (the motif step's future output). */
  matches?: boolean;
  /** Per-restart FIVs (restarts × features per class, spread by the class's SD around its OFIV), as an analysis keeps them. */
  fiv?: boolean;
}

export function syntheticResults(o: FixtureOptions): Results {
  const rand = uniform(o.seed ?? 1);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const R = o.restarts ?? 10;
  const K = o.features;
  const groups = Math.max(1, Math.round(Math.sqrt(o.classes)));
  const groupProfiles = Array.from({ length: groups }, () => Array.from({ length: K }, () => (rand() < 0.15 ? Math.abs(normal()) * 0.4 : normal() * 0.03)));
  const classes: ClassResult[] = Array.from({ length: o.classes }, (_, i) => {
    const base = groupProfiles[i % groups];
    const ofiv = base.map((v) => v + normal() * 0.02);
    // A handful of negative features per class.
    for (let n = 0; n < Math.max(1, Math.round(K * 0.02)); n++) ofiv[Math.floor(rand() * K)] = -Math.abs(normal()) * 0.25;
    const nonAdditive = Array.from({ length: Math.max(1, Math.round(K * 0.03)) }, () => Math.floor(rand() * K)).filter((k, j, a) => a.indexOf(k) === j).sort((a, b) => a - b);
    const naSet = new Set(nonAdditive);
    const sd = ofiv.map((_, k) => (naSet.has(k) ? 0.1 + rand() * 0.1 : rand() * 0.01));
    const oniv = ofiv.map((v, k) => (naSet.has(k) ? v + sd[k] : v));
    const scores = Array.from({ length: R }, () => 2 + rand());
    const negThreshold = 0.05 * Math.max(...ofiv.map(Math.abs));
    const c: ClassResult = {
      index: i,
      name: o.names ? o.names(i) : `class ${i}`,
      output: 'out',
      unit: i,
      scores,
      objectives: scores.map((s) => s - 0.5),
      iterations: scores.map(() => 80 + Math.floor(rand() * 60)),
      weights: scores.map(() => 1 / R),
      fiv: o.fiv ? scores.map(() => ofiv.map((v, k) => v + sd[k] * normal())) : [],
      ofiv,
      sd,
      variance: sd.map((s) => s * s),
      gmmComponents: 2,
      gmm: { means: [0.00003, 0.0225], variances: [0.000001, 0.001], weights: [1 - nonAdditive.length / K, nonAdditive.length / K], bic: [10, 5, 7] },
      nonAdditive,
      oniv,
      negative: ofiv.flatMap((v, k) => (v < -negThreshold ? [k] : [])),
    };
    if (o.traces) {
      c.traces = scores.map((final) => ({ stride: 2, scores: Array.from({ length: 50 }, (_, t) => final * (1 - Math.exp(-t / 8)) - 0.5) }));
    }
    return c;
  });
  const ofivs = classes.map((c) => c.ofiv);
  const simMatrix = ofivs.map((a, i) => ofivs.map((b, j) => (i === j ? 1 : correlation(a, b))));
  // Clustering stand-in: classes grouped by their generating profile, features by their strongest class group.
  const order = classes.map((_, i) => i).sort((a, b) => (a % groups) - (b % groups) || a - b);
  const featureOrder = Array.from({ length: K }, (_, k) => k).sort((a, b) => {
    const ga = groupProfiles.findIndex((p) => p[a] > 0.1);
    const gb = groupProfiles.findIndex((p) => p[b] > 0.1);
    return ga - gb || a - b;
  });
  const labelMatrix = o.labels ? simMatrix.map((row, i) => row.map((v, j) => (i === j ? 1 : Number.isFinite(v) ? v * (rand() < 0.3 ? 0.1 : 0.8) : NaN))) : undefined;
  if (labelMatrix) for (let i = 0; i < labelMatrix.length; i++) for (let j = 0; j < i; j++) labelMatrix[i][j] = labelMatrix[j][i];
  const features = Array.from({ length: K }, (_, k) => {
    const f: Results['features'][number] = { index: k, name: o.pwmWidth ? `filter ${k}` : `feature ${k}` };
    if (o.pwmWidth) {
      f.pwm = Array.from({ length: o.pwmWidth }, () => {
        const w = [0, 1, 2, 3].map(() => rand() ** 3);
        const t = w.reduce((a, b) => a + b, 0);
        return w.map((x) => x / t);
      });
      f.ic = f.pwm.map((p) => 2 + p.reduce((a, q) => a + (q > 0 ? q * Math.log2(q) : 0), 0));
    }
    if (o.matches && k % 2 === 0) {
      // The motif step's output shape: best first, the aligned target PWM on each match (annotate's default).
      const motif = (w: number) => Array.from({ length: w }, (_, i) => [0, 1, 2, 3].map((b) => (b === (i + k) % 4 ? 0.85 : 0.05)));
      const match = (id: string, name: string, pValue: number, qValue: number, offset: number, strand: '+' | '-', width: number) =>
        ({ id, name, offset, strand, overlap: 8, score: 5, pValue, eValue: pValue * 879, qValue, source: 'JASPAR2024.txt', attribution: JASPAR, ...(o.pwmWidth ? { pwm: motif(width) } : {}) }) as const;
      f.matches = [
        match('MA0139.2', 'CTCF', 1e-6, 0.001, k % 4 === 0 ? -2 : 1, k % 4 === 0 ? '-' : '+', 8),
        match('MA1102.3', 'CTCFL', 1e-4, 0.01, 0, '+', 7),
        match('MA0079.5', 'SP1', 0.01, 0.2, 2, '-', 6),
        match('MA0080.6', 'SPI1', 0.02, 0.3, 0, '+', 6),
      ];
    }
    return f;
  });
  return {
    schemaVersion: '1.0',
    tool: { name: 'deepresolve', version: 'fixture' },
    createdAt: '2025-01-01T00:00:00.000Z',
    backend: 'cpu',
    settings: { classes: 'all', restarts: R, l2: 2.8, lr: 0.01, maxIter: 10000, patience: 10, seed: o.seed ?? 1, batchSize: 256, maxMemoryMB: 1024, backend: 'cpu', keepFeatureMaps: false, keepTraces: 'auto', regCovar: 1e-6, negativeThreshold: 0.05, chunkSize: 256 },
    model: {
      name: 'synthetic',
      inputShape: [1000, 4],
      numClasses: o.classes,
      strippedActivation: 'sigmoid',
      layer: { name: 'conv3', index: 7, className: 'Conv1D', shape: [53, K], positions: 53, channels: K },
    },
    features,
    featureOrder,
    classes,
    similarity: { method: 'pearson', classes: classes.map((c) => c.index), order, matrix: simMatrix },
    ...(labelMatrix ? { labelCorrelation: { method: 'pearson', samples: 4000, classes: classes.map((c) => c.index), order, matrix: labelMatrix } } : {}),
    timing: { seconds: 1, pairs: o.classes * R, iterations: o.classes * R * 100 },
    notes: [],
  } as unknown as Results;
}
