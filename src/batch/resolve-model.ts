/**
 * One model from file to written result: labels, backend, load, analysis, known motifs, the
 * provenance a batch checks to resume, and the results.json (+ notebook) pair written atomically
 * (notebook first, then the .npz companion, results.json last). The CLI's single run and every batch process run this.
 */
import * as fs from 'node:fs';
import type { AscentProgress } from '../engine/ascent/pairs';
import { useBackend, type BackendChoice } from '../engine/backend';
import { CancelledError, UserError, type Activity } from '../engine/errors';
import { parseLabels, type Labels } from '../engine/labels';
import { loadModel } from '../engine/load';
import type { LoadedModel } from '../engine/load/model';
import { resolveFeatures } from '../engine/resolve';
import type { Provenance, Results } from '../engine/results';
import { resultsFiles } from '../engine/results-file';
import { mark } from '../engine/timing';
import { writeFilesAtomic, type FileWrite } from '../engine/write-atomic';
import { gramFileStore } from '../notebook/gram-files';
import { DEFAULT_MOTIFS, annotateWith, motifLibrary } from '../notebook/motif-files';
import { resultsNotebook } from '../notebook/output-bundle';
import { provenanceSoon, type AnalysisInputs } from './fingerprint';

export interface ModelJob extends AnalysisInputs {
  /** Model file or folder (absolute in a batch). */
  model: string;
  /** The results JSON to write. */
  out: string;
  /** The notebook of views to write with it, if any. */
  notebook?: string;
}

export interface ModelHooks {
  signal?: AbortSignal;
  onProgress?: (p: AscentProgress) => void;
  /** The model is loaded (the CLI prints the loader's notes). */
  onLoaded?: (loaded: LoadedModel) => void;
  /** Updated as the steps go, for the line of an internal error. */
  activity?: Activity;
  /**
   * A cancelled run's classes that finished are written as a partial result (results.partial; the
   * CLI's single run) instead of nothing (a batch: its files would look current to the next run).
   */
  keepPartial?: boolean;
}

// Labels files read once per process (a batch often gives every model the same one).
const labelCache = new Map<string, Labels>();

function readLabels(file: string): Labels {
  const cached = labelCache.get(file);
  if (cached) return cached;
  if (!fs.existsSync(file)) throw new UserError(`${file}: no such file`);
  const labels = parseLabels(fs.readFileSync(file), file);
  labelCache.set(file, labels);
  return labels;
}

/** Analyses `job.model` and writes its results (and notebook); returns the results written. */
export async function resolveModel(job: ModelJob, hooks: ModelHooks = {}): Promise<Results> {
  const activity = hooks.activity ?? { doing: '' };
  // Stamped before reading: a model rewritten during the run is seen as changed by the next one.
  // Its large files are hashed on a worker thread meanwhile (fingerprint.ts).
  Object.assign(activity, { doing: 'reading', file: job.model });
  const stamped: Promise<Provenance> = provenanceSoon(job.model, job);
  Object.assign(activity, { doing: 'reading the labels', file: job.labelsFile });
  const labels = job.labelsFile ? readLabels(job.labelsFile) : undefined;
  Object.assign(activity, { doing: 'loading', file: job.model });
  // The backend first: the model's weights are created on it.
  await useBackend((job.settings.backend ?? 'auto') as BackendChoice);
  mark('backend ready');
  // alone: this process runs one model at a time and nothing else (the CLI, a batch's model process).
  const loaded = await loadModel(job.model, { length: job.length, maxMemoryMB: job.settings.maxMemoryMB, alone: true });
  try {
    mark('model loaded');
    hooks.onLoaded?.(loaded);
    // A user's motif files before the long run, so that a bad one fails fast; the shipped
    // collection alone cannot be bad, and is read only if there is something to match (40 ms).
    Object.assign(activity, { doing: 'reading the motifs for', file: job.model });
    const shippedOnly = (job.motifs ?? DEFAULT_MOTIFS).split(',').every((p) => p.trim() === 'jaspar');
    const early = shippedOnly ? undefined : motifLibrary(job.motifs, job.motifsBase);
    const library = (r: Results) => (early !== undefined ? early : r.features.some((f) => f.pwm || f.logo) ? motifLibrary(job.motifs, job.motifsBase) : null);
    mark('motifs read');
    Object.assign(activity, { doing: 'analysing', file: job.model });
    const resolved = await resolveFeatures(
      { loaded, labels, labelsFile: job.labelsFile, settings: job.settings },
      { signal: hooks.signal, onProgress: hooks.onProgress, gramStore: gramFileStore() },
    );
    if (resolved.partial && !hooks.keepPartial) throw new CancelledError();
    // provenance is the last key: a batch reads it from the end of the file (fingerprint.ts). A
    // partial result has none, so that a batch over it runs the model again.
    const annotated = annotateWith(resolved, library(resolved));
    const results: Results = resolved.partial ? annotated : { ...annotated, provenance: await stamped };
    // Both files are built before either is written, so a failing notebook leaves the old
    // results.json; then written as one (write-atomic.ts), results.json renamed last.
    mark('motifs matched');
    Object.assign(activity, { doing: 'writing the notebook of', file: job.model });
    const files: FileWrite[] = job.notebook === undefined ? [] : [{ path: job.notebook, data: await resultsNotebook(results) }];
    files.push(...resultsFiles(results, job.out));
    Object.assign(activity, { doing: 'writing', file: files.map((f) => f.path).join(' and ') });
    mark('files built');
    writeFilesAtomic(files);
    mark('files written');
    return results;
  } finally {
    loaded.model.dispose();
  }
}
