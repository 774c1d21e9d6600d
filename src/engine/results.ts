/**
 * The results document: one versioned JSON object, documented in docs/results-schema.md.
 * Other tools rely on these names; change them only with a new schemaVersion.
 */
import type { Settings } from './settings';
import type { Trace } from './ascent/pairs';
import type { BackendName } from './backend-names';
import type { OutputSummary } from './outputs';
import type { PartialInfo } from '../shared/partial';

/**
 * 1.1: model.outputs[], classes[].output and .unit (several outputs, profile outputs).
 * 2.0: on disk, the restart-level arrays (fiv, traces, featureMaps) and sd (= √variance) moved to
 * a NAME.npz beside NAME.json, numbers at float32 precision (src/engine/results-file.ts).
 * 3.0: on disk, classes[].oniv replaced by onivNonAdditive (ONIV of the nonAdditive features; every
 * other feature's ONIV is its OFIV). In memory every version has the full oniv.
 */
export const SCHEMA_VERSION = '3.0';

/** One analysed output of the model. */
export interface OutputResult {
  /** As the file names it (what --output takes). */
  name: string;
  /** The TF.js layer that computes it. */
  layer: string;
  /** TF.js output shape without the batch axis (channels last). */
  shape: number[];
  /** Classes it contributes: its units, or a profile output's channels. */
  units: number;
  /** First and last class index it contributes (inclusive). */
  classes: [number, number];
  /** The final activation removed for the class scores ('sigmoid', 'softmax') or null. */
  strippedActivation: string | null;
  /** How a profile output is reduced to one score per channel; null for an (N, units) output. */
  summary: OutputSummary | null;
}

export interface LayerSummary {
  name: string;
  index: number;
  className: string;
  /** Output shape without the batch axis: positions…, channels. */
  shape: number[];
  positions: number;
  channels: number;
}

export interface ModelSummary {
  name: string;
  path?: string;
  format?: string;
  inputShape: (number | null)[];
  /** Classes of the analysed outputs together. */
  numClasses: number;
  /** The final activation removed to score classes before it ('sigmoid', 'softmax'), when all analysed outputs agree; else null (see outputs). */
  strippedActivation: string | null;
  outputs: OutputResult[];
  layer: LayerSummary;
}

export interface FeatureInfo {
  index: number;
  name: string;
  /** Position weight matrix (positions × A,C,G,T) for first-layer filters. */
  pwm?: number[][];
  /** Information content per PWM position, in bits. */
  ic?: number[];
  /** Known-motif matches, best first (docs/motifs.md): of `pwm` when there is one, else of `logo`. */
  matches?: import('./motifs/match').MotifMatch[];
  /** The model-derived sequence logo (--feature-logos; docs/motifs.md, "Logos of any layer"). */
  logo?: FeatureLogo;
  /** Why a feature that was to get a model-derived logo has none (e.g. a dead ReLU). */
  noLogo?: string;
}

/** A channel's logo derived from the model alone (src/engine/feature-logos). */
export interface FeatureLogo {
  /** 'sampled-peaks': the most activating peak windows of random sequences, counted column by column. */
  method: string;
  /** Layer whose channel the logo shows (the analysis layer, or the layer under its pooling). */
  layer: string;
  channel: number;
  /** Letter probabilities (positions × A,C,G,T) of the informative part of the receptive field. */
  probabilities: number[][];
  /** Information content per position, bits. */
  ic: number[];
  /** Columns of the receptive field the logo keeps, [first, last], 0-based: flanks with ≤ settings.trimIc bits are trimmed. */
  window: [number, number];
  /** Receptive field of `layer`'s positions: position i sees input positions start + i·stride … + size − 1. */
  receptiveField: { size: number; stride: number; start: number };
  /** Windows counted, and how many of them the channel's output is above its lowest value at (fires, for a ReLU). */
  windows: number;
  activeWindows: number;
  /** What the windows were ranked by: the channel's value before its (monotone) activation when it has one, else its output. */
  rankedBy: 'pre-activation' | 'output';
  /** The channel's highest and lowest output over the sampled sequences, and the ranking value of the last window counted. */
  activation: { max: number; min: number; kept: number };
  /** How the windows of a deeper channel were aligned before counting (align.ts): at most maxShift positions either way, on both strands when `strands`; how many moved and how many were reverse-complemented. null: counted as they are (a layer on the input). */
  alignment: { maxShift: number; strands: boolean; shifted: number; flipped: number } | null;
  /**
   * sequences: random sequences drawn; engine: what ran their forward passes; stopped (absent when
   * all maxSequences were drawn): 'stable' when the logos stopped changing, 'time' at the time budget.
   */
  settings: { sequences: number; top: number; seed: number; background: 'uniform'; trimIc: number; engine?: 'onnxruntime' | 'tensorflow.js'; stopped?: 'stable' | 'time'; maxSequences?: number };
  /** Matches of this logo, when the feature also has a filter PWM (whose matches are `matches`). */
  matches?: import('./motifs/match').MotifMatch[];
}

export interface ClassResult {
  /** Index into the combined class list of the analysed outputs. */
  index: number;
  name: string;
  /** The output the class belongs to, and its unit (channel) there. */
  output: string;
  unit: number;
  scores: number[];
  objectives: number[];
  iterations: number[];
  /** Normalised restart weights used for OFIV. */
  weights: number[];
  fiv: number[][];
  ofiv: number[];
  sd: number[];
  variance: number[];
  gmmComponents: number;
  gmm: { means: number[]; variances: number[]; weights: number[]; bic: number[] };
  nonAdditive: number[];
  oniv: number[];
  negative: number[];
  traces?: Trace[];
  /** Final feature maps per restart, flattened row-major (only with keepFeatureMaps). */
  featureMaps?: number[][];
}

export interface MatrixResult {
  /** Class indices (model outputs) of the rows and columns, in `classes[]` order. */
  classes: number[];
  /** Positions into `classes[]`, in hierarchical-clustering order. */
  order: number[];
  matrix: number[][];
}

export interface Results {
  schemaVersion: string;
  tool: { name: string; version: string; tfjs: Record<string, string> };
  createdAt: string;
  backend: BackendName;
  /** ascentEngine: what computed the ascent's steps (docs/results-schema.md; absent in results written before it was recorded). */
  settings: Settings & { chunkSize: number; ascentUsed: 'direct' | 'hidden'; ascentEngine?: 'onnxruntime' | 'tensorflow.js' | 'webassembly' };
  model: ModelSummary;
  features: FeatureInfo[];
  /** Feature indices in hierarchical-clustering order of their OFIV profiles across classes. */
  featureOrder: number[];
  classes: ClassResult[];
  similarity: MatrixResult & { method: string };
  labelCorrelation?: MatrixResult & { method: string; samples: number; source?: string };
  timing: { seconds: number; pairs: number; iterations: number };
  notes: string[];
  /** Only in a partial result (a cancelled run): which classes it holds of those asked for. */
  partial?: PartialInfo;
  /** What the result was computed from (written by the CLI; a batch reruns a model only when this changed). Last key. */
  provenance?: Provenance;
}

/** A file as it was read: where, its size and modification time, and a SHA-256 of its content. */
export interface FileStamp {
  path: string;
  bytes: number;
  mtimeMs: number;
  sha256: string;
}

/** docs/results-schema.md, `provenance`. */
export interface Provenance {
  /** The model's files: the one given (or the file its folder opens) and the files it opens with. */
  modelFiles: FileStamp[];
  /** Everything else the numbers depend on: complete settings (but the thread count), input length, labels and motif files by content. */
  analysis: Record<string, unknown>;
}
