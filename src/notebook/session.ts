/**
 * One notebook's session: the models it loaded, the results it named, its backend. The models
 * themselves live in the worker (keyed by path); the session keeps what it needs to refer to them,
 * so it survives a worker restart (the worker reloads a model on its next use).
 */
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { pairStem } from '../engine/load/pair-stem';
import type { BackendChoice } from '../engine/backend-names';
import type { LayerInfo } from '../engine/layers';
import type { OutputListing } from '../engine/outputs';
import type { Results } from '../engine/results';

export interface SessionModel {
  name: string;
  /** Absolute path of the model file or folder. */
  path: string;
  length?: number;
  layers: LayerInfo[];
  defaultLayer: number | null;
  numClasses: number;
  /** The model's outputs (absent in sessions saved before they were listed). */
  outputs?: OutputListing[];
  format: string;
}

export class Session {
  readonly models = new Map<string, SessionModel>();
  readonly results = new Map<string, Results>();
  lastModel?: string;
  lastResult?: string;
  backend: BackendChoice = 'auto';
  /** Class names from the last labels file, per model name (for completions). */
  readonly classNames = new Map<string, string[]>();

  /** `folder` is where relative paths start: the notebook's folder. */
  constructor(readonly folder: string) {}

  resolvePath(p: string): string {
    const home = process.env.HOME ?? process.env.USERPROFILE;
    const expanded = home && (p === '~' || p.startsWith('~/')) ? path.join(home, p.slice(1)) : p;
    return path.resolve(this.folder, expanded);
  }

  addModel(model: SessionModel): void {
    this.models.set(model.name, model);
    this.lastModel = model.name;
  }

  /**
   * A default model name for a path: the file name, the folder name for model.json, and for
   * either file of a Keras pair (architecture .json + weights .h5) the stem they share, so that
   * both give one name (16_G_best_archit.json and 16_G_bestmodel_weights.h5: 16_G).
   */
  static modelName(file: string): string {
    const base = path.basename(file);
    const stem = base.replace(/\.(json|onnx|h5|hdf5|keras)$/i, '');
    if (stem === 'model') return path.basename(path.dirname(file)) || 'model';
    return /\.(json|h5|hdf5)$/i.test(base) ? pairStem(file) : stem;
  }

  /** The model a magic means: a session name, else a path; none given means the last one loaded. */
  modelRef(arg: string | undefined): { model?: SessionModel; path?: string } {
    if (arg === undefined) {
      if (!this.lastModel) throw new UserError('no model loaded in this notebook: give a model path or run %load_model PATH first');
      return { model: this.models.get(this.lastModel)! };
    }
    const named = this.models.get(arg);
    if (named) return { model: named };
    return { path: this.resolvePath(arg) };
  }

  /** Finds a loaded model by its absolute path and length (to reuse its session entry). */
  modelAt(file: string, length?: number): SessionModel | undefined {
    return [...this.models.values()].find((m) => m.path === file && m.length === length);
  }

  /** Stores a result under its name (given, or r1, r2, …) and makes it the default. */
  addResult(results: Results, name?: string): string {
    let chosen = name;
    if (!chosen) {
      let i = this.results.size + 1;
      while (this.results.has(`r${i}`)) i++;
      chosen = `r${i}`;
    }
    this.results.set(chosen, results);
    this.lastResult = chosen;
    return chosen;
  }

  result(name: string | undefined): { name: string; results: Results } {
    const chosen = name ?? this.lastResult;
    if (chosen === undefined) throw new UserError('no result in this notebook yet: run %resolve first');
    const results = this.results.get(chosen);
    if (!results) {
      const known = [...this.results.keys()];
      throw new UserError(`no result named '${chosen}'${known.length ? ` (results: ${known.join(', ')})` : ''}`);
    }
    return { name: chosen, results };
  }

  isResultName(word: string): boolean {
    return this.results.has(word);
  }
}

/** The class of a result that a magic names: an index (model output) or a class name. */
export function findClass(results: Results, spec: string): Results['classes'][number] {
  const byName = results.classes.find((c) => c.name === spec);
  if (byName) return byName;
  // 'top': the class whose optima score highest (the best class score any restart reached).
  if (spec === 'top') return [...results.classes].sort((a, b) => Math.max(...b.scores) - Math.max(...a.scores) || a.index - b.index)[0];
  if (/^\d+$/.test(spec)) {
    const index = Number(spec);
    const byIndex = results.classes.find((c) => c.index === index);
    if (byIndex) return byIndex;
    if (index >= results.model.numClasses) throw new UserError(`class ${index} is out of range: the model has ${results.model.numClasses} classes (0-${results.model.numClasses - 1})`);
    throw new UserError(`class ${index} was not analysed in this result (analysed: ${summariseIndices(results.classes.map((c) => c.index))})`);
  }
  throw new UserError(`unknown class '${spec}' (give an index 0-${results.model.numClasses - 1}, a class name or top)`);
}

function summariseIndices(xs: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length; i++) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j] + 1) j++;
    parts.push(j > i ? `${xs[i]}-${xs[j]}` : String(xs[i]));
    i = j;
  }
  return parts.join(',');
}

/** Feature indices from a spec like "0-3,7" (all when undefined). */
export function parseFeatureSpec(spec: string | undefined, count: number): number[] {
  if (spec === undefined || spec === 'all') return Array.from({ length: count }, (_, i) => i);
  const out: number[] = [];
  for (const part of spec.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UserError(`bad feature list '${spec}' (use indices and ranges like 0-3,7)`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw new UserError(`bad feature range '${part}' (the end is before the start)`);
    if (b >= count) throw new UserError(`feature ${b} is out of range: the layer has ${count} features (0-${count - 1})`);
    for (let k = a; k <= b; k++) if (!out.includes(k)) out.push(k);
  }
  return out;
}
