/**
 * deepresolve: the command-line front door to the engine (batch use, CI, the README's `npm start`).
 * Errors a user can fix are one line on stderr and exit code 1; anything else is an internal error:
 * one line saying what was being done and where to report it, exit code 2 (the stack trace follows
 * on stderr with DEEPRESOLVE_DEBUG=1). Run through dist/cli.js (src/cli-entry.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadModel } from './engine/load';
import { defaultAnalysisLayer, listLayers } from './engine/layers';
import { listOutputs } from './engine/outputs';
import { runPredict } from './cli-predict';
import { useBackend } from './engine/backend';
import { CancelledError, UserError, internalErrorDetails, internalErrorLine, oneLine, type Activity } from './engine/errors';
import { checkOutputPath } from './engine/output-path';
import { companionPath } from './engine/results-file';
import { labelsBeside } from './engine/labels';
import { TOOL_VERSION } from './engine/version';
import type { AscentProgress } from './engine/ascent/pairs';
import { COMMANDS, closest, commandsFor, parseCommand, toSettings, usage } from './notebook/options';
import { duration, progressLine } from './notebook/progress-text';
import { partialText } from './shared/partial';
import { textSummary } from './notebook/output-bundle';
import { outputsTable } from './notebook/text-views';
import { bestSignificantMatch } from './engine/motifs';
import { readConnectionFile } from './jupyter/connection';
import { installSpec, uninstallSpec } from './jupyter/spec-install';
import type { Results } from './engine/results';
import { fromResults } from '../renderers/data';
import { resolveModel } from './batch/resolve-model';
import { namesCollection } from './batch/expand';
import { runBatchCommand } from './cli-batch';
import { runSummarize } from './cli-summarize';
import { label, visible } from './shared/escape';

const HELP = `deepresolve ${TOOL_VERSION} — DeepResolve feature analysis of convolutional sequence models

Usage:
  deepresolve resolve MODEL [options]   analyse a model and write results.json (and a notebook)
  deepresolve resolve MODEL... --out-dir DIR [--jobs N] [--shard I/N]
                                        analyse many models (folders, 'globs', @LIST): NAME.json each
  deepresolve summarize DIR [--factors F] [--out T] [--notebook NB]
                                        one table of a folder of results: top features, their motifs,
                                        whether each model's factor is recovered (ranks 1/3/5)
  deepresolve layers MODEL              list layers (* marks the default analysis layer) and outputs
  deepresolve predict MODEL --fasta F   the model's outputs for each sequence of a FASTA file (TSV)
  deepresolve kernel install|uninstall  the Jupyter kernel spec (--user, --prefix DIR, --name NAME)
  deepresolve help [COMMAND]            show help for a command

Run 'deepresolve help resolve' for the analysis options.`;

/** The kernel's progress line, redrawn in place on a terminal; nothing when stderr is not a TTY. */
function progressBar(): ((p: AscentProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return (p) => {
    process.stderr.write(`\r\x1b[K${progressLine('resolving', p)}`);
    if (p.fraction >= 1) process.stderr.write('\n');
  };
}

/** Features named by a significant known-motif match, in the first class's OFIV order (names as `label` shows them). */
function motifTable(results: Results): string | null {
  const ofiv = results.classes[0]?.ofiv ?? [];
  const rows = results.features
    .map((f) => ({ f, best: bestSignificantMatch(f) }))
    .filter((r) => r.best)
    .sort((a, b) => (ofiv[b.f.index] ?? 0) - (ofiv[a.f.index] ?? 0));
  if (!rows.length) return results.features.some((f) => f.matches) ? 'Known motifs: no feature has a significant match (q ≤ 0.05)' : null;
  const lines = rows.slice(0, 20).map(({ f, best }) => {
    const others = (f.matches ?? []).slice(1, 3).map((m) => `${label(m.name)} (${label(m.id)})`).join(', ');
    const q = best!.qValue < 1e-3 ? best!.qValue.toExponential(1) : best!.qValue.toPrecision(2);
    return `  ${label(f.name).padEnd(10)} ${`${label(best!.name)} (${label(best!.id)})`.padEnd(24)} q = ${q.padEnd(8)} strand ${best!.strand}${others ? `  also: ${others}` : ''}`;
  });
  const jaspar = rows.some((r) => r.best!.attribution) ? '\n  JASPAR 2024 (CC BY 4.0): Rauluseviciute et al., Nucleic Acids Res. 2024, doi:10.1093/nar/gkad1059' : '';
  return `Known motifs (best significant match per feature, q ≤ 0.05):\n${lines.join('\n')}${jaspar}`;
}

async function runLayers(words: string[], activity: Activity) {
  const { args, options } = parseCommand(COMMANDS.layers, words, 'cli');
  Object.assign(activity, { doing: 'listing the layers of', file: args[0] });
  await useBackend('auto');
  const loaded = await loadModel(args[0], { length: options.length as number | undefined });
  const layers = listLayers(loaded.model);
  let marked = -1;
  try {
    marked = defaultAnalysisLayer(loaded.model, { info: loaded.outputs });
  } catch {
    // no default: nothing to mark
  }
  const rows = layers.map((l) => [l.index === marked ? '*' : ' ', String(l.index), label(l.name), label(l.className), `(${l.outputShape.map((x) => x ?? 'None').join(', ')})`]);
  const widths = [1, 5, 4, 5].map((w, i) => Math.max(w, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i < 4 ? c.padEnd(widths[i]) : c)).join('  ');
  process.stdout.write([line([' ', 'index', 'name', 'class', 'output shape']), ...rows.map(line)].join('\n') + '\n');
  process.stdout.write(`\n${outputsTable(listOutputs(loaded.model, loaded.outputs)).plain}\n`);
}

async function runResolve(words: string[], activity: Activity): Promise<number> {
  const started = Date.now();
  const { args, options } = parseCommand(COMMANDS.resolve, words, 'cli');
  // Several models, a folder of models, a glob, a list or batch options: a batch (cli-batch.ts).
  if (args.length > 1 || options['out-dir'] !== undefined || options.shard !== undefined || namesCollection(args[0])) {
    activity.doing = 'running the batch';
    return runBatchCommand(args, options);
  }
  const out = String(options.out ?? 'results.json');
  const notebook = options.notebook === undefined ? undefined : String(options.notebook);
  // Where the results go is checked first: a path that cannot be written fails now, in a second,
  // before the model is even read, not after the analysis.
  checkOutputPath(out, 'the results (--out)');
  checkOutputPath(companionPath(out), 'the per-restart arrays beside --out');
  if (notebook !== undefined) {
    if (path.resolve(notebook) === path.resolve(out)) throw new UserError(`${notebook}: --out and --notebook name the same file`);
    if (path.resolve(notebook) === path.resolve(companionPath(out))) throw new UserError(`${notebook}: --notebook names the per-restart arrays file that --out writes beside ${out}`);
    checkOutputPath(notebook, 'the notebook (--notebook)');
  }
  // Class names from a labels file beside the model when --labels does not name one.
  const labelsFile = (options.labels as string | undefined) ?? labelsBeside(args[0]);
  if (labelsFile && !fs.existsSync(labelsFile)) throw new UserError(`${labelsFile}: no such file`);
  if (labelsFile && options.labels === undefined) process.stderr.write(`note: class names from ${labelsFile} (beside the model; --labels FILE gives another)\n`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  const results = await resolveModel(
    { model: args[0], out, notebook, settings: toSettings(options), length: options.length as number | undefined, labelsFile, motifs: options.motifs as string | undefined, motifsBase: process.cwd() },
    {
      signal: controller.signal,
      onProgress: progressBar(),
      activity,
      keepPartial: true,
      onLoaded: (loaded) => {
        for (const note of loaded.notes ?? []) process.stderr.write(`note: ${visible(note)}\n`);
      },
    },
  );
  if (results.partial) {
    // Ctrl-C: the classes that finished are on disk, marked partial; one line says so.
    const files = [out, companionPath(out), ...(notebook === undefined ? [] : [notebook])].join(', ');
    process.stderr.write(`\ndeepresolve: cancelled after ${duration((Date.now() - started) / 1000)}: ${partialText(results.partial)}; the classes whose restarts all finished are in ${files} (marked partial)\n`);
    return 130;
  }
  Object.assign(activity, { doing: 'summarizing the results of', file: args[0] });
  process.stdout.write(`${textSummary(fromResults(results))}\n\n`);
  // What the reader must know to read the numbers (a profile's summary, a single optimum, …).
  if (results.notes.length) process.stdout.write(`${results.notes.map((n) => `note: ${visible(n)}`).join('\n')}\n\n`);
  const table = motifTable(results);
  if (table) process.stdout.write(`${table}\n\n`);
  const classes = `${results.classes.length} class${results.classes.length === 1 ? '' : 'es'}`;
  process.stdout.write(`${classes} × ${results.settings.restarts} restarts on layer '${label(results.model.layer.name)}' (${results.backend}, ${results.settings.ascentUsed} ascent${results.settings.ascentEngine === 'onnxruntime' ? ' on ONNX Runtime' : ''}), analysis ${results.timing.seconds.toFixed(1)} s, whole command ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(`results: ${out} (and its per-restart arrays ${companionPath(out)})\n`);
  if (notebook !== undefined) process.stdout.write(`notebook: ${notebook}\n`);
  return 0;
}

/**
 * `deepresolve kernel install|uninstall|run`: the Jupyter kernel's spec (src/jupyter/spec-install.ts)
 * and the kernel process itself, a bundle of its own (dist/kernel.js) loaded only to run it.
 */
async function runKernelCommand(words: string[]) {
  const { args, options } = parseCommand(COMMANDS.kernel, words, 'cli');
  const where = { prefix: options.prefix as string | undefined, name: options.name as string | undefined };
  if (options.user && where.prefix !== undefined) throw new UserError('kernel: --user and --prefix name two places; give one');
  const action = args[0];
  if (action === 'install') {
    // kernel.json starts this Node with this CLI (absolute paths: Jupyter has no PATH of ours).
    const dir = installSpec({ ...where, displayName: options['display-name'] as string | undefined, command: [process.execPath, path.join(__dirname, 'cli.js')], logos: path.join(__dirname, '..', 'media', 'jupyter') });
    process.stdout.write(`Installed the Jupyter kernel spec '${path.basename(dir)}' in ${dir}\n`);
  } else if (action === 'uninstall') {
    process.stdout.write(`Removed the Jupyter kernel spec ${uninstallSpec(where)}\n`);
  } else if (action === 'run') {
    const file = options['connection-file'] as string | undefined;
    if (file === undefined) throw new UserError('kernel run needs --connection-file FILE (Jupyter starts the kernel with it, as kernel.json says)');
    // Read here, so that a bad file is this bundle's UserError (kernel.js has its own classes).
    const connection = readConnectionFile(file);
    const kernel = require(path.join(__dirname, 'kernel.js')) as typeof import('./jupyter/main');
    await kernel.runKernel(connection);
  } else {
    const hint = closest(action, ['install', 'uninstall', 'run']);
    throw new UserError(`kernel: unknown action '${action}' (install, uninstall or run${hint ? `; did you mean '${hint}'?` : ''})`);
  }
}

/** The CLI's own commands (the option table also holds magic-only ones). */
const CLI_COMMANDS = Object.fromEntries(commandsFor('cli').map((c) => [c.name, c]));

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const activity: Activity = { doing: `running 'deepresolve ${argv.join(' ')}'` };
  try {
    if (!command || command === 'help' || command === '--help' || command === '-h') {
      const topic = rest[0] && CLI_COMMANDS[rest[0]];
      process.stdout.write((topic ? usage(topic, 'cli', 'deepresolve ') : HELP) + '\n');
      return 0;
    }
    if (command === '--version' || command === '-V') {
      process.stdout.write(`${TOOL_VERSION}\n`);
      return 0;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      if (CLI_COMMANDS[command]) {
        process.stdout.write(usage(CLI_COMMANDS[command], 'cli', 'deepresolve ') + '\n');
        return 0;
      }
    }
    if (command === 'resolve') return await runResolve(rest, activity);
    else if (command === 'summarize') await runSummarize(rest, activity);
    else if (command === 'layers') await runLayers(rest, activity);
    else if (command === 'predict') await runPredict(rest);
    else if (command === 'kernel') await runKernelCommand(rest);
    else {
      const hint = closest(command, Object.keys(CLI_COMMANDS));
      throw new UserError(`unknown command '${command}'${hint ? ` (did you mean '${hint}'?)` : ''}; run 'deepresolve help'`);
    }
    return 0;
  } catch (err) {
    if (err instanceof CancelledError) {
      process.stderr.write(`\ndeepresolve: ${err.message}\n`);
      return 130;
    }
    if (err instanceof UserError) {
      process.stderr.write(`deepresolve: ${oneLine(err)}\n`);
      return 1;
    }
    const details = internalErrorDetails(err);
    process.stderr.write(`deepresolve: ${internalErrorLine(err, activity)}\n${details ? `${details}\n` : ''}`);
    return 2;
  }
}
