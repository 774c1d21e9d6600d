/**
 * Messages between the extension host and the analysis worker (worker_threads). Plain data only:
 * everything crosses by structured clone. Each run has an id; progress, the result or an error
 * come back under that id, and `cancel` stops the run with that id (an analysis answers `stopping`,
 * then its partial result).
 */
import type { AscentProgress } from '../engine/ascent/pairs';
import type { BackendChoice, BackendName } from '../engine/backend-names';
import type { LayerInfo } from '../engine/layers';
import type { MotifMatch } from '../engine/motifs/match';
import type { OutputListing } from '../engine/outputs';
import type { Results } from '../engine/results';
import type { Settings } from '../engine/settings';
import type { ViewName } from '../../renderers/pack';

export interface ModelRequest {
  /** Absolute path of the model file or folder. */
  path: string;
  length?: number;
  maxMemoryMB?: number;
}

export type Task =
  | { kind: 'backend'; backend: BackendChoice }
  | { kind: 'load'; backend: BackendChoice; model: ModelRequest }
  | { kind: 'resolve'; backend: BackendChoice; model: ModelRequest; settings: Partial<Settings>; labelsFile?: string; motifs?: string; motifsBase?: string }
  /** %predict: the model's outputs for each sequence of a FASTA file (absolute path; `shownAs` names it in messages). */
  | { kind: 'predict'; backend: BackendChoice; model: ModelRequest; fasta: string; shownAs: string }
  /** The cell's MIME bundle of a view (SVG rendering is slow for big results: not on the host's thread). */
  | { kind: 'bundle'; results: Results; view: ViewName; classPos?: number; feature?: number; only?: boolean }
  /**
   * %motifs --db: match feature PWMs against a collection (`motifs` as for --motifs, paths relative
   * to `motifsBase`). Reading 879 JASPAR motifs and matching hundreds of filters takes seconds.
   */
  | { kind: 'motifs'; pwms: number[][][]; motifs: string; motifsBase: string; top: number; qThreshold: number };

export interface ModelInfo {
  name: string;
  path: string;
  format: string;
  layers: LayerInfo[];
  /** Index (into model.layers) of the default analysis layer, null when the model has none. */
  defaultLayer: number | null;
  /** Classes of all outputs together (the default --output all). */
  numClasses: number;
  outputs: OutputListing[];
  inputShape: (number | null)[];
  notes: string[];
}

export interface TaskResult {
  backend: { backend: BackendName };
  load: { model: ModelInfo; backend: BackendName };
  resolve: { results: Results; model: ModelInfo; classNames?: string[] };
  /** The TSV (header line first) and its columns after `id`. */
  predict: { tsv: string; columns: string[]; rows: number; model: ModelInfo };
  bundle: { bundle: Record<string, unknown> };
  /** One list per PWM, best first, without the aligned PWMs; `files`: collection file names. */
  motifs: { matches: MotifMatch[][]; motifCount: number; files: string[] };
}

export type ToWorker = { type: 'run'; id: number; task: Task } | { type: 'cancel'; id: number };

/** 'user': the user can fix it (bad file, option); 'cancelled'; 'internal': a bug or a crash. */
export type ErrorKind = 'user' | 'cancelled' | 'internal';

export type FromWorker =
  | { type: 'progress'; id: number; progress: AscentProgress }
  /** A cancelled analysis stops at its next step and then builds the result of the classes that finished (the client waits for it). */
  | { type: 'stopping'; id: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; kind: ErrorKind; message: string; stack?: string };

export function isFromWorker(m: unknown): m is FromWorker {
  const t = (m as { type?: unknown } | null)?.type;
  return typeof m === "object" && m !== null && typeof (m as { id?: unknown }).id === "number" && (t === 'progress' || t === 'stopping' || t === 'result' || t === 'error');
}
