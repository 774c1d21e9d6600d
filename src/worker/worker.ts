/**
 * The analysis worker (worker_threads): loads models and runs DeepResolve off the extension
 * host's main thread, so the editor stays responsive. Never imports vscode. Loaded models are
 * cached by path, so later magics in any notebook reuse them.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { useBackend, type BackendChoice, type BackendName } from '../engine/backend';
import { CancelledError, UserError, oneLine } from '../engine/errors';
import { parseLabels } from '../engine/labels';
import { defaultAnalysisLayer, listLayers } from '../engine/layers';
import { loadModel } from '../engine/load';
import type { LoadedModel } from '../engine/load/model';
import { listOutputs } from '../engine/outputs';
import { predictFasta } from '../engine/predict';
import { resolveFeatures } from '../engine/resolve';
import { outputBundle } from '../notebook/output-bundle';
import { annotateWith, motifLibrary } from '../notebook/motif-files';
import { baseName, matchPwm } from '../engine/motifs/match';
import type { FromWorker, ModelInfo, ModelRequest, Task, TaskResult, ToWorker } from './protocol';

interface Cached {
  loaded: LoadedModel;
  mtimeMs: number;
}

const cache = new Map<string, Cached>();
let cacheBackend: BackendName | undefined;
const running = new Map<number, AbortController>();
const resolving = new Set<number>();

function post(message: FromWorker) {
  parentPort!.postMessage(message);
}

function mtime(file: string): number {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return -1;
  }
}

function disposeAll() {
  for (const c of cache.values()) c.loaded.model.dispose();
  cache.clear();
}

/** Activates the backend; models created on another backend are dropped (weights live on one). */
async function backend(choice: BackendChoice): Promise<BackendName> {
  const name = await useBackend(choice);
  if (cacheBackend !== undefined && cacheBackend !== name) disposeAll();
  cacheBackend = name;
  return name;
}

async function model(req: ModelRequest): Promise<LoadedModel> {
  const key = `${req.path}\n${req.length ?? ''}`;
  const stamp = mtime(req.path);
  const hit = cache.get(key);
  // A model file rewritten on disk (retrained) is reloaded.
  if (hit && hit.mtimeMs === stamp) return hit.loaded;
  if (hit) {
    hit.loaded.model.dispose();
    cache.delete(key);
  }
  const loaded = await loadModel(req.path, { length: req.length, maxMemoryMB: req.maxMemoryMB });
  cache.set(key, { loaded, mtimeMs: stamp });
  return loaded;
}

function info(loaded: LoadedModel): ModelInfo {
  let defaultLayer: number | null = null;
  try {
    defaultLayer = defaultAnalysisLayer(loaded.model, { info: loaded.outputs });
  } catch {
    // no layer qualifies: the user must pick one with --layer
  }
  const outputs = listOutputs(loaded.model, loaded.outputs);
  return {
    name: loaded.name,
    path: loaded.path,
    format: loaded.format,
    layers: listLayers(loaded.model),
    defaultLayer,
    numClasses: outputs.reduce((a, o) => a + o.units, 0),
    outputs,
    inputShape: (loaded.model.inputs[0].shape as (number | null)[]).slice(1),
    notes: loaded.notes ?? [],
  };
}

async function run(id: number, task: Task, signal: AbortSignal): Promise<TaskResult[Task['kind']]> {
  switch (task.kind) {
    case 'backend':
      return { backend: await backend(task.backend) };
    case 'load': {
      const name = await backend(task.backend);
      return { model: info(await model(task.model)), backend: name };
    }
    case 'resolve': {
      await backend(task.backend);
      const labelsFile = task.labelsFile;
      if (labelsFile && !fs.existsSync(labelsFile)) throw new UserError(`${labelsFile}: no such file`);
      const labels = labelsFile ? parseLabels(fs.readFileSync(labelsFile), labelsFile) : undefined;
      const loaded = await model(task.model);
      // Read the motif collection before the long run, so that a bad file fails fast.
      const library = motifLibrary(task.motifs, task.motifsBase);
      if (signal.aborted) throw new CancelledError();
      const results = await resolveFeatures(
        { loaded, settings: { ...task.settings, backend: task.backend }, labels, labelsFile },
        { signal, onProgress: (progress) => post({ type: 'progress', id, progress }) },
      );
      return { results: annotateWith(results, library), model: info(loaded), classNames: labels?.names };
    }
    case 'predict': {
      await backend(task.backend);
      const loaded = await model(task.model);
      const parts: string[] = [];
      const { columns, rows } = await predictFasta(loaded, task.fasta, (t) => parts.push(t), { signal, shownAs: task.shownAs });
      return { tsv: parts.join(''), columns, rows, model: info(loaded) };
    }
    case 'bundle':
      return { bundle: await outputBundle(task.results, task.view, { classPos: task.classPos, feature: task.feature, only: task.only }) };
    case 'motifs': {
      const library = motifLibrary(task.motifs, task.motifsBase);
      if (!library) throw new UserError(`--db none: no motif collection to match against`);
      const matches = [];
      for (const [i, pwm] of task.pwms.entries()) {
        // Let a cancel message in between features (matching itself is synchronous).
        if (i % 16 === 15) await new Promise((r) => setImmediate(r));
        if (signal.aborted) throw new CancelledError();
        matches.push(matchPwm(pwm, library, { top: task.top }).filter((m) => m.qValue <= task.qThreshold));
      }
      return { matches, motifCount: library.motifs.length, files: library.files.map(baseName) };
    }
  }
}

parentPort?.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') {
    const run = running.get(message.id);
    run?.abort();
    // An analysis keeps the classes that finished: it says it heard, so the client waits for them.
    if (run && resolving.has(message.id)) post({ type: 'stopping', id: message.id });
    return;
  }
  const controller = new AbortController();
  running.set(message.id, controller);
  if (message.task.kind === 'resolve') resolving.add(message.id);
  run(message.id, message.task, controller.signal)
    .then((value) => post({ type: 'result', id: message.id, value }))
    .catch((err: unknown) => {
      const kind = err instanceof CancelledError ? 'cancelled' : err instanceof UserError ? 'user' : 'internal';
      post({ type: 'error', id: message.id, kind, message: oneLine(err), stack: kind === 'internal' ? (err as Error)?.stack : undefined });
    })
    .finally(() => {
      running.delete(message.id);
      resolving.delete(message.id);
    });
});
