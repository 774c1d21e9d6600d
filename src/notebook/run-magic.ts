/**
 * Runs one parsed magic against a notebook session and returns its outputs as plain data.
 * Heavy work (loading, the analysis) goes to the worker; everything here is quick. No vscode
 * import: the unit tests run it with a fake worker client.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKENDS, type BackendChoice } from '../engine/backend-names';
import { CancelledError, UserError, type Activity } from '../engine/errors';
import { checkOutputPath } from '../engine/output-path';
import { writeFileAtomic, writeFilesAtomic } from '../engine/write-atomic';
import { companionPath, resultsFiles } from '../engine/results-file';
import type { Results } from '../engine/results';
import type { ModelInfo, ModelRequest } from '../worker/protocol';
import type { RunContext } from './run-context';
import { helpIndex, magicUsage } from './help';
import type { MagicCall } from './magics';
import { motifsMagic } from './motifs-magic';
import { batchMagic, summarizeMagic } from './batch-magics';
import { namesCollection } from '../batch/expand';
import { toSettings } from './options';
import { text, type Output } from './output-items';
import { resultOutput } from './result-output';
import { findClass, parseFeatureSpec, Session, type SessionModel } from './session';
import { featuresTable, interactionsText, layersTable, logosText, ofivCsv, predictionTable, resultSummary, similarityText } from './text-views';
import { checkWrite, outsideText } from './write-scope';
import { label, visible } from '../shared/escape';
import { shownLogo } from '../shared/logo';

export type { Defaults, RunContext } from './run-context';

/**
 * A cancelled %resolve that kept the classes whose restarts all finished: the result is in the
 * session under `resultName` (the magics work on it) and `outputs` show it; the cell ends as cancelled.
 */
export class KeptPartial extends CancelledError {
  constructor(readonly outputs: Output[], readonly resultName: string, readonly results: Results) {
    super();
  }
}

const NAME = /^[A-Za-z_][\w.-]*$/;

function checkName(name: string | undefined, what: string) {
  if (name !== undefined && !NAME.test(name)) throw new UserError(`--as ${name}: a ${what} name is a letter or _ followed by letters, digits, _ . -`);
}

/** Runs a worker task; aborting the context's signal cancels it. */
async function work<T>(ctx: RunContext, start: () => { promise: Promise<T>; cancel(): void }): Promise<T> {
  if (ctx.signal?.aborted) throw new CancelledError();
  const handle = start();
  const onAbort = () => handle.cancel();
  ctx.signal?.addEventListener('abort', onAbort);
  try {
    return await handle.promise;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

function backendOf(ctx: RunContext): BackendChoice {
  return ctx.session.backend !== 'auto' ? ctx.session.backend : (ctx.defaults.backend ?? 'auto');
}

function toSessionModel(info: ModelInfo, request: ModelRequest, name: string): SessionModel {
  return { name, path: request.path, length: request.length, layers: info.layers, defaultLayer: info.defaultLayer, numClasses: info.numClasses, outputs: info.outputs, format: info.format };
}

function existing(ctx: RunContext, file: string, shown: string): string {
  if (!fs.existsSync(file)) throw new UserError(`${shown}: no such file (paths are relative to the notebook's folder ${ctx.session.folder})`);
  return file;
}

/** A free session name for a model: its own, or with -2, -3… when another file has that name. */
function freeModelName(session: Session, file: string, length?: number): string {
  const same = session.modelAt(file, length);
  if (same) return same.name;
  const base = Session.modelName(file);
  let name = base;
  for (let i = 2; session.models.has(name); i++) name = `${base}-${i}`;
  return name;
}

async function loadInto(ctx: RunContext, arg: string, options: { as?: string; length?: number }): Promise<SessionModel> {
  const file = existing(ctx, ctx.session.resolvePath(arg), arg);
  const request: ModelRequest = { path: file, length: options.length, maxMemoryMB: ctx.defaults.maxMemoryMB };
  ctx.onStart?.(`Loading ${path.basename(file)}`);
  const { model } = await work(ctx, () => ctx.client.run({ kind: 'load', backend: backendOf(ctx), model: request }));
  const entry = toSessionModel(model, request, options.as ?? freeModelName(ctx.session, file, options.length));
  ctx.session.addModel(entry);
  return entry;
}

function loadSummary(m: SessionModel, notes: string[] = []): string {
  const layer = m.layers.find((l) => l.index === m.defaultLayer);
  const def = layer ? `default analysis layer '${label(layer.name)}' (${layer.outputShape[layer.outputShape.length - 1]} features)` : 'no default analysis layer (use --layer)';
  const outputs = m.outputs && m.outputs.length > 1 ? ` from ${m.outputs.length} outputs (${m.outputs.map((o) => label(o.name)).join(', ')}; --output NAME picks one)` : '';
  return [`Loaded ${label(m.name)} (${m.format}): ${m.numClasses} classes${outputs}, ${m.layers.length} layers; ${def}`, ...notes.map((n) => `  note: ${visible(n)}`)].join('\n');
}

async function resolve(call: MagicCall, ctx: RunContext): Promise<Output[]> {
  const o = call.options;
  // Several models, a folder of them, a glob, a list or batch options: a batch (batch-magics.ts).
  const first = call.args[0];
  const single = call.args.length <= 1 && o['out-dir'] === undefined && o.shard === undefined;
  if (!single || (first !== undefined && !ctx.session.models.has(first) && namesCollection(first, ctx.session.folder))) {
    return batchMagic(call, ctx, (file, arg) => allowWrite(ctx, file, arg));
  }
  const as = o.as as string | undefined;
  checkName(as, 'result');
  const length = o.length as number | undefined;
  const ref = ctx.session.modelRef(call.args[0]);
  const file = ref.model?.path ?? existing(ctx, ref.path!, call.args[0]);
  const labelsArg = o.labels as string | undefined;
  const labelsFile = labelsArg === undefined ? undefined : existing(ctx, ctx.session.resolvePath(labelsArg), labelsArg);
  const d = ctx.defaults;
  const settings = toSettings(o);
  settings.restarts ??= d.restarts;
  settings.l2 ??= d.l2;
  settings.lr ??= d.lr;
  settings.maxMemoryMB ??= d.maxMemoryMB;
  delete settings.backend;
  const backend = (o.backend as BackendChoice | undefined) ?? backendOf(ctx);
  const request: ModelRequest = { path: file, length: length ?? ref.model?.length, maxMemoryMB: d.maxMemoryMB };
  const label = `Resolving ${ref.model?.name ?? Session.modelName(file)}`;
  ctx.onStart?.(label);
  const { results, model, classNames } = await work(ctx, () =>
    ctx.client.run({ kind: 'resolve', backend, model: request, settings, labelsFile, motifs: (o.motifs as string | undefined) ?? d.motifDatabase, motifsBase: ctx.session.folder }, (p) => ctx.onProgress?.(label, p)),
  );
  const modelEntry = ref.model ?? toSessionModel(model, request, freeModelName(ctx.session, file, request.length));
  if (!ref.model) ctx.session.addModel(modelEntry);
  if (classNames) ctx.session.classNames.set(modelEntry.name, classNames);
  const name = ctx.session.addResult(results, as);
  ctx.log?.(`${name}: ${results.model.name}, ${results.classes.length} classes × ${results.settings.restarts} restarts, layer ${results.model.layer.name}, ${results.backend}, ${results.timing.seconds.toFixed(2)} s`);
  const view = results.classes.length > 1 ? 'heatmap' : 'importance';
  const outputs = [await resultOutput(ctx.client, results, name, { view, dashboard: true, classIndex: results.classes.length === 1 ? results.classes[0].index : undefined }, resultSummary(name, results))];
  if (results.partial) throw new KeptPartial(outputs, name, results);
  return outputs;
}

function resultArg(ctx: RunContext, arg: string | undefined) {
  return ctx.session.result(arg);
}

async function layers(call: MagicCall, ctx: RunContext): Promise<Output[]> {
  const length = call.options.length as number | undefined;
  const ref = ctx.session.modelRef(call.args[0]);
  const m = ref.model && length === undefined ? ref.model : await loadInto(ctx, call.args[0] ?? ref.model!.path, { length });
  const t = layersTable(m.layers, m.defaultLayer, m.name, m.outputs);
  return [text(t.plain, t.markdown)];
}

/** %predict FASTA [MODEL]: the model's outputs per sequence, run in the worker; a table of the first rows and the whole TSV. */
async function predict(call: MagicCall, ctx: RunContext): Promise<Output[]> {
  const [fastaArg, modelArg] = call.args;
  const fasta = existing(ctx, ctx.session.resolvePath(fastaArg), fastaArg);
  const length = call.options.length as number | undefined;
  const ref = ctx.session.modelRef(modelArg);
  const file = ref.model?.path ?? existing(ctx, ref.path!, modelArg);
  const outArg = call.options.out as string | undefined;
  const outFile = outArg === undefined ? undefined : ctx.session.resolvePath(outArg);
  // Asked before the work, so that a refused write costs nothing.
  if (outFile) {
    await allowWrite(ctx, outFile, outArg!);
    checkOutputPath(outFile, 'the output of %predict (--out)');
  }
  const backend = (call.options.backend as BackendChoice | undefined) ?? backendOf(ctx);
  const request: ModelRequest = { path: file, length: length ?? ref.model?.length, maxMemoryMB: ctx.defaults.maxMemoryMB };
  ctx.onStart?.(`Predicting ${path.basename(fasta)}`);
  const { tsv, columns, rows, model } = await work(ctx, () => ctx.client.run({ kind: 'predict', backend, model: request, fasta, shownAs: fastaArg }));
  const entry = ref.model ?? toSessionModel(model, request, freeModelName(ctx.session, file, request.length));
  if (!ref.model) ctx.session.addModel(entry);
  if (outFile) writeFileAtomic(outFile, tsv);
  const t = predictionTable(tsv, columns, rows, entry.name, fastaArg, outFile);
  return [{ items: [{ mime: 'text/markdown', value: t.markdown }, { mime: 'text/plain', value: t.plain }, { mime: 'text/tab-separated-values', value: tsv }] }];
}

/**
 * A write outside the workspace happens only when the user confirms it; else one line naming the
 * path. `files` are written together (the results JSON and its .npz): the first one outside is asked about.
 */
async function allowWrite(ctx: RunContext, files: string | string[], arg: string): Promise<void> {
  const folders = ctx.writeFolders ?? [ctx.session.folder];
  const outside = (typeof files === 'string' ? [files] : files).map((f) => ({ file: f, check: checkWrite(f, folders) })).find((c) => !c.check.inside);
  if (!outside) return;
  const { file, check } = outside;
  const why = outsideText(file, check, folders);
  const confirmed = ctx.confirmWrite ? await ctx.confirmWrite(file, why) : false;
  if (ctx.signal?.aborted) throw new CancelledError();
  if (!confirmed) throw new UserError(`${arg}: ${why}; nothing was written (${ctx.confirmWrite ? 'not confirmed' : 'no confirmation can be asked here'})`);
}

/** The file an %export writes: relative to the notebook, .json or .csv. */
function exportFile(session: Session, arg: string): string {
  const file = session.resolvePath(arg);
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.csv') throw new UserError(`%export writes .json (full results) or .csv (OFIV matrix), not '${ext || arg}'`);
  return file;
}

/**
 * Checks the files a cell's magics will write (%export's file, any magic's --out) before its first
 * magic runs, so that `%resolve …` followed by `%export /read-only/r.json` fails before the
 * analysis, not after it. Outside the write folders nothing is touched (not even
 * checkOutputPath's probe) before the user allows the write, which the magic itself asks.
 */
export function checkCellOutputs(calls: MagicCall[], ctx: Pick<RunContext, 'session' | 'writeFolders'>): void {
  for (const call of calls) {
    if (call.help) continue;
    const targets: [string, string][] = [];
    if (call.name === 'export' && call.args[0] !== undefined) targets.push([exportFile(ctx.session, call.args[0]), 'the export']);
    if (typeof call.options.out === 'string') targets.push([ctx.session.resolvePath(call.options.out), `the output of %${call.name} (--out)`]);
    if (typeof call.options['out-dir'] === 'string') targets.push([path.join(ctx.session.resolvePath(call.options['out-dir']), '.deepresolve-batch'), `the results of %${call.name} (--out-dir)`]);
    for (const [file, what] of targets) if (checkWrite(file, ctx.writeFolders ?? [ctx.session.folder]).inside) checkOutputPath(file, what);
  }
}

async function writeExport(ctx: RunContext, arg: string, name: string, r: Results): Promise<Output[]> {
  const file = exportFile(ctx.session, arg);
  const json = path.extname(file).toLowerCase() === '.json';
  // The .npz beside the JSON is written too: a link there that leads out of the workspace is a
  // write outside it, asked about like the JSON (one question for the pair).
  await allowWrite(ctx, json ? [file, companionPath(file)] : [file], arg);
  checkOutputPath(file, 'the export');
  if (json) checkOutputPath(companionPath(file), "the export's per-restart arrays");
  // Results are the JSON (written in pieces, any size) and its .npz of per-restart arrays, as one
  // write (write-atomic.ts); errors of the file system are UserErrors.
  if (json) writeFilesAtomic(resultsFiles(r, file));
  else writeFileAtomic(file, ofivCsv(r));
  const kb = (f: string) => `${(fs.statSync(f).size / 1024).toFixed(1)} KB`;
  if (json) return [text(`Wrote results of ${name} to ${file} (${kb(file)}) and its per-restart arrays to ${companionPath(file)} (${kb(companionPath(file))})`)];
  return [text(`Wrote OFIV (${r.features.length} features × ${r.classes.length} classes) of ${name} to ${file} (${kb(file)})`)];
}

async function backendMagic(call: MagicCall, ctx: RunContext): Promise<Output[]> {
  const choice = call.args[0];
  if (choice !== undefined && !(BACKENDS as readonly string[]).includes(choice)) {
    throw new UserError(`unknown backend '${choice}' (choose one of ${BACKENDS.join(', ')})`);
  }
  const wanted = (choice as BackendChoice | undefined) ?? backendOf(ctx);
  const { backend } = await work(ctx, () => ctx.client.run({ kind: 'backend', backend: wanted }));
  if (choice !== undefined) ctx.session.backend = choice as BackendChoice;
  return [text(`Backend: ${backend}${wanted === 'auto' ? ' (auto: tensorflow, then wasm, then cpu)' : ''}`)];
}

export async function runMagic(call: MagicCall, ctx: RunContext): Promise<Output[]> {
  if (call.help) return [text(magicUsage(call.name)!)];
  const [a0, a1] = call.args;
  switch (call.name) {
    case 'help': {
      if (a0 === undefined) return [text(helpIndex())];
      const u = magicUsage(a0.replace(/^%/, '').replace(/\?$/, ''));
      if (!u) throw new UserError(`no magic %${a0.replace(/^%/, '')}; run %help for the list`);
      return [text(u)];
    }
    case 'load_model': {
      checkName(call.options.as as string | undefined, 'model');
      const m = await loadInto(ctx, a0, { as: call.options.as as string | undefined, length: call.options.length as number | undefined });
      return [text(loadSummary(m))];
    }
    case 'layers':
      return layers(call, ctx);
    case 'resolve':
      return resolve(call, ctx);
    case 'predict':
      return predict(call, ctx);
    case 'summarize':
      return summarizeMagic(call, ctx, (file, arg) => allowWrite(ctx, file, arg));
    case 'similarity': {
      const { name, results } = resultArg(ctx, a0);
      if (results.classes.length < 2) return [text(`${name} has one class: class similarity needs at least two (%resolve --classes all)`)];
      const t = similarityText(results);
      return [await resultOutput(ctx.client, results, name, { view: 'similarity' }, t.plain)];
    }
    case 'interactions': {
      const { name, results } = resultArg(ctx, a1);
      const c = findClass(results, a0);
      const t = interactionsText(results, c);
      return [await resultOutput(ctx.client, results, name, { view: 'interactions', classIndex: c.index }, t.plain)];
    }
    case 'features': {
      const { name, results } = resultArg(ctx, a1);
      const c = findClass(results, a0);
      const top = call.options.top as number | undefined;
      if (top !== undefined && top < 1) throw new UserError('--top must be at least 1');
      const t = featuresTable(results, c, top ?? 10);
      return [text(t.plain, t.markdown), await resultOutput(ctx.client, results, name, { view: 'importance', classIndex: c.index }, `${name}: importance of class ${label(c.name)}`)];
    }
    case 'logos': {
      // One argument may be either the features or a result name.
      const [spec, resultName] = a1 === undefined && a0 !== undefined && ctx.session.isResultName(a0) ? [undefined, a0] : [a0, a1];
      const { name, results } = resultArg(ctx, resultName);
      const features = parseFeatureSpec(spec, results.features.length);
      if (!features.some((k) => shownLogo(results.features[k]))) {
        const why = features.length === 1 ? results.features[features[0]].noLogo : undefined;
        throw new UserError(
          why
            ? `${label(results.features[features[0]].name)} has no logo: ${visible(why)}`
            : `the features of layer '${label(results.model.layer.name)}' are not first-layer filters on one-hot DNA and have no logos derived from the model: run %resolve with --feature-logos optimised (or all)`,
        );
      }
      const t = logosText(results, features);
      return [await resultOutput(ctx.client, results, name, { view: 'logos', features }, t.plain)];
    }
    case 'motifs':
      return motifsMagic(call, ctx, (task) => work(ctx, () => ctx.client.run(task)));
    case 'export': {
      const { name, results } = resultArg(ctx, a1);
      return writeExport(ctx, a0, name, results);
    }
    case 'backend':
      return backendMagic(call, ctx);
    default:
      throw new UserError(`%${call.name} is not available in notebooks`);
  }
}

/** What a cell was doing, for an internal error's line: the magic and its first argument, the cell. */
export function magicActivity(call: MagicCall | undefined, cellIndex: number, notebook: string): Activity {
  const magic = call ? `%${call.name}${call.args[0] !== undefined ? ` ${call.args[0]}` : ''} in ` : '';
  return { doing: `running ${magic}cell ${cellIndex + 1} of`, file: notebook };
}
