/**
 * A batch's plan: its models (expand.ts) with their result names (names.ts), this machine's share
 * of them (--shard I/N), where each result goes, and how many run at once (--jobs, or what the
 * cores and the free memory allow).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { checkOutputPath } from '../engine/output-path';
import { expandModels, type ModelEntry } from './expand';
import { resultNames } from './names';

export interface PlannedModel extends ModelEntry {
  /** Result name (NAME.json, NAME.ipynb). */
  name: string;
  /** 1-based position in the whole sorted collection (before sharding). */
  position: number;
  json: string;
  notebook?: string;
}

export interface Plan {
  models: PlannedModel[];
  /** Models in the whole collection (all shards). */
  collectionSize: number;
  shard: { index: number; count: number } | null;
  outDir: string;
  /** Whether the arguments named a collection rather than one model. */
  collection: boolean;
}

/** `I/N` → {index: I, count: N}, 1 ≤ I ≤ N. */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UserError(`--shard expects I/N with 1 ≤ I ≤ N (e.g. 2/8: the second of 8 shares), got '${spec}'`);
  return { index, count };
}

/** Shard I of N takes the models at sorted positions I, I + N, I + 2N, … of the collection. */
export function inShard(position: number, shard: { index: number; count: number } | null): boolean {
  return !shard || (position - 1) % shard.count === shard.index - 1;
}

export interface PlanOptions {
  outDir: string;
  shard?: string;
  notebooks: boolean;
  cwd?: string;
}

export function planBatch(args: string[], options: PlanOptions): Plan {
  const cwd = options.cwd ?? process.cwd();
  const shard = options.shard === undefined ? null : parseShard(options.shard);
  const outDir = path.resolve(cwd, options.outDir);
  // Where the results go is checked before any model is read.
  checkOutputPath(path.join(outDir, '.deepresolve-batch'), 'the results (--out-dir)');
  const { models, collection } = expandModels(args, cwd);
  const names = resultNames(
    models.map((m) => m.path),
    (i) => fs.statSync(models[i].path).isDirectory(),
  );
  const planned = models
    .map((m, i) => ({
      ...m,
      name: names[i],
      position: i + 1,
      json: path.join(outDir, `${names[i]}.json`),
      ...(options.notebooks ? { notebook: path.join(outDir, `${names[i]}.ipynb`) } : {}),
    }))
    .filter((m) => inShard(m.position, shard));
  return { models: planned, collectionSize: models.length, shard, outDir, collection };
}

/** Bytes of a model's weights, roughly: a folder's files, a JSON's folder (its shards), else the file. */
function modelBytes(model: string): number {
  const size = (p: string) => {
    try {
      return fs.statSync(p).size;
    } catch {
      return 0;
    }
  };
  const isFolder = fs.statSync(model).isDirectory();
  if (!isFolder && !/\.json$/i.test(model)) return size(model);
  const dir = isFolder ? model : path.dirname(model);
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).reduce((a, e) => a + size(path.join(dir, e.name)), 0);
}

/**
 * A model process's memory: about 250 MB of runtime (TensorFlow.js, the wasm backend, JASPAR;
 * measured 180–210 MB peak for an ENCODE model) plus about 5 × the model's weights (weights,
 * their copy in a worker, the ascent's chunk); DeepSEA's 200 MB of weights took 0.7–1 GB.
 */
export function memoryPerJob(modelBytes: number): number {
  return 250 * 2 ** 20 + 5 * modelBytes;
}

/**
 * Models at once by default: one per core, as many as 80 % of the free memory holds for the
 * largest model, at least 1, at most the models to run.
 */
export function defaultJobs(models: string[], machine = { cores: os.availableParallelism(), freeBytes: os.freemem() }): number {
  const largest = Math.max(0, ...models.map(modelBytes));
  const byMemory = Math.floor((0.8 * machine.freeBytes) / memoryPerJob(largest));
  return Math.max(1, Math.min(machine.cores, byMemory, models.length));
}

/**
 * Worker threads per model process when --workers is not given: the cores shared by the processes
 * (1 each when there are as many processes as cores; 0, one per core, for a single process).
 */
export function workersPerJob(jobs: number, cores = os.availableParallelism()): number {
  return jobs <= 1 ? 0 : Math.max(1, Math.floor(cores / jobs));
}
