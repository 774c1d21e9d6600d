/** Analysis settings: their defaults (method note §1) and validation. One place for CLI, magics and worker. */
import { UserError } from './errors';
import { BACKENDS, type BackendChoice } from './backend-names';

export interface Settings {
  /** Analysis layer: name or index; undefined for the default. */
  layer?: string;
  /** Class selection ("all", "0-9,12", names) over the classes of the selected outputs. */
  classes: string;
  /** Outputs analysed: 'all' or one output's name; each unit of each is a class. */
  output: string;
  /** Window of positions summed for profile outputs ("A-B", 0-based, inclusive); undefined: every position. */
  positions?: string;
  restarts: number;
  l2: number;
  lr: number;
  maxIter: number;
  patience: number;
  seed: number;
  /** Most (class, restart) pairs optimised at once; the memory limit may lower it. */
  batchSize: number;
  /** Memory budget for one chunk of the ascent, in MB. */
  maxMemoryMB: number;
  backend: BackendChoice;
  /**
   * How the ascent is computed: 'direct' through the head; 'hidden' in the hidden layer's space
   * (exact, for heads that start with a dense layer on the flattened map); 'auto' picks 'hidden' whenever it pays.
   */
  ascent: (typeof ASCENT_METHODS)[number];
  /**
   * 'auto' lets the hidden-space ascent draw only the statistics of each start it needs (exactly
   * distributed, far cheaper for large feature maps); 'explicit' draws every start in full, the
   * same starts as the direct path for the same seed.
   */
  starts: 'auto' | 'explicit';
  /** Worker threads for the ascent and the Gram matrix; 0 = one per core, at most 4; 1 = this thread only. */
  workers: number;
  /**
   * 'auto': the direct ascent runs on ONNX Runtime's native kernels when onnxruntime-node loads
   * and its graph builder knows every layer of the head (src/engine/ascent/native); 'off': always
   * on TensorFlow.js.
   */
  native: (typeof NATIVE_CHOICES)[number];
  /** Keep each restart's final feature map in the results (large). */
  keepFeatureMaps: boolean;
  /** Keep per-iteration score traces; 'auto' keeps them when there are at most TRACE_PAIR_LIMIT pairs. */
  keepTraces: boolean | 'auto';
  /** Variance floor of the Gaussian mixture components (scikit-learn's reg_covar). */
  regCovar: number;
  /** Negative feature: OFIV below −negativeThreshold × the class's largest |OFIV|. */
  negativeThreshold: number;
  /**
   * Sequence logos of the features (docs/motifs.md): 'filters' the weight PWMs of first-layer
   * filters; 'optimised' also logos derived from the model for every channel in a class's top
   * `logoTop` by |OFIV|; 'all' for every channel; 'auto' filters when the features are
   * first-layer filters, else 'optimised'; 'none' no logos (and no motif names).
   */
  featureLogos: (typeof FEATURE_LOGO_MODES)[number];
  /** Channels per class (by |OFIV|) that get a model-derived logo. */
  logoTop: number;
  /** Random sequences sampled for model-derived logos; undefined: as many as fit the floating-point budget (LOGO_FLOP_BUDGET in feature-logos/features.ts). */
  logoSequences?: number;
  /**
   * Seconds the sampling of model-derived logos may take: no batch of sequences starts after them
   * (the logos then come from fewer sequences, and the note says so). Bounds the cost on a slow or
   * busy machine; on the checks it never binds (docs/motifs.md, "Cost", bench/logo-default.ts).
   */
  logoSeconds: number;
  /** Most activating windows counted per channel logo. */
  logoWindows: number;
}

export const FEATURE_LOGO_MODES = ['auto', 'filters', 'optimised', 'all', 'none'] as const;

export const TRACE_PAIR_LIMIT = 500;
export const ASCENT_METHODS = ['auto', 'direct', 'hidden'] as const;
export const NATIVE_CHOICES = ['auto', 'off'] as const;

export const DEFAULT_SETTINGS: Settings = {
  classes: 'all',
  output: 'all',
  restarts: 10,
  l2: 2.8,
  lr: 0.01,
  maxIter: 10000,
  patience: 10,
  seed: 0,
  batchSize: 256,
  maxMemoryMB: 1024,
  backend: 'auto',
  ascent: 'auto',
  starts: 'auto',
  workers: 0,
  native: 'auto',
  keepFeatureMaps: false,
  keepTraces: 'auto',
  regCovar: 1e-6,
  negativeThreshold: 0.05,
  featureLogos: 'auto',
  logoTop: 20,
  logoSeconds: 60,
  logoWindows: 200,
};

function check(ok: boolean, message: string) {
  if (!ok) throw new UserError(message);
}

/** Fills defaults and rejects impossible values with a message naming the option. */
export function completeSettings(partial: Partial<Settings>): Settings {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const s: Settings = { ...DEFAULT_SETTINGS, ...defined };
  const int = (v: number) => Number.isInteger(v);
  check(int(s.restarts) && s.restarts >= 1, `--restarts must be a whole number ≥ 1 (got ${s.restarts})`);
  check(Number.isFinite(s.l2) && s.l2 > 0, `--l2 must be > 0 (got ${s.l2})`);
  check(Number.isFinite(s.lr) && s.lr > 0, `--lr must be > 0 (got ${s.lr})`);
  check(int(s.maxIter) && s.maxIter >= 1, `--max-iter must be a whole number ≥ 1 (got ${s.maxIter})`);
  check(int(s.patience) && s.patience >= 1, `--patience must be a whole number ≥ 1 (got ${s.patience})`);
  check(int(s.seed) && s.seed >= 0, `--seed must be a whole number ≥ 0 (got ${s.seed})`);
  check(int(s.batchSize) && s.batchSize >= 1, `--batch-size must be a whole number ≥ 1 (got ${s.batchSize})`);
  check(Number.isFinite(s.maxMemoryMB) && s.maxMemoryMB > 0, `--max-memory must be > 0 MB (got ${s.maxMemoryMB})`);
  check(BACKENDS.includes(s.backend), `--backend must be one of ${BACKENDS.join(', ')} (got ${s.backend})`);
  check(ASCENT_METHODS.includes(s.ascent), `--ascent must be one of ${ASCENT_METHODS.join(', ')} (got ${s.ascent})`);
  check(NATIVE_CHOICES.includes(s.native), `--native must be one of ${NATIVE_CHOICES.join(', ')} (got ${s.native})`);
  check(int(s.workers) && s.workers >= 0, `--workers must be a whole number ≥ 0 (got ${s.workers})`);
  check(s.starts === 'auto' || s.starts === 'explicit', `starts must be 'auto' or 'explicit' (got ${s.starts})`);
  check(typeof s.output === 'string' && s.output.trim() !== '', `--output must name an output or be 'all'`);
  check(s.regCovar >= 0, `regCovar must be ≥ 0 (got ${s.regCovar})`);
  check(FEATURE_LOGO_MODES.includes(s.featureLogos), `--feature-logos must be one of ${FEATURE_LOGO_MODES.join(', ')} (got ${s.featureLogos})`);
  check(int(s.logoTop) && s.logoTop >= 1, `--logo-top must be a whole number ≥ 1 (got ${s.logoTop})`);
  check(s.logoSequences === undefined || (int(s.logoSequences) && s.logoSequences >= 1), `logoSequences must be a whole number ≥ 1 (got ${s.logoSequences})`);
  check(typeof s.logoSeconds === 'number' && s.logoSeconds > 0, `--logo-seconds must be > 0 (got ${s.logoSeconds})`);
  check(int(s.logoWindows) && s.logoWindows >= 1, `logoWindows must be a whole number ≥ 1 (got ${s.logoWindows})`);
  return s;
}
