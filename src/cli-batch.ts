/**
 * `deepresolve resolve MODEL... --out-dir DIR [--jobs N] [--shard I/N] [--force]`: many models, one
 * result each (src/batch). A line per model on stdout as it ends, a failure as one line on stderr
 * (the others go on), the whole batch's progress redrawn on a terminal, and an exit code that is
 * the number of models that failed (at most 125; 130 when interrupted).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './engine/errors';
import type { Parsed } from './notebook/options';
import { toSettings } from './notebook/options';
import { progressLine } from './notebook/progress-text';
import { defaultJobs, planBatch, workersPerJob, type Plan } from './batch/plan';
import { checkSharedInputs, runBatch, type BatchProgress, type ModelReport } from './batch/run-batch';
import type { RunReason } from './batch/protocol';
import { label, visible } from './shared/escape';

/** Exit codes 126 and up mean other things to shells (not executable, not found, killed by a signal). */
export const MAX_FAILED_EXIT = 125;

/** Whether `resolve` runs as a batch: a collection of models, or batch options given. */
export function isBatch(plan: { collection: boolean }, options: Parsed['options']): boolean {
  return plan.collection || options['out-dir'] !== undefined || options.shard !== undefined;
}

/** Why a model ran, as the line after its name says it. */
export function reasonText(reason: RunReason, detail?: string): string {
  if (reason === 'new') return 'new';
  if (reason === 'forced') return 'redone (--force)';
  if (reason === 'model') return 'redone: the model changed';
  return `redone: ${detail ? `settings changed (${visible(detail)})` : 'settings changed'}`;
}

/** The one line of a failed model: the engine's message names the file; else the model is named first. */
export function failureLine(report: ModelReport): string {
  const o = report.outcome;
  if (o.status !== 'failed') return '';
  const message = visible(o.message);
  return message.includes(report.model.path) || message.includes(report.model.json) ? message : `${report.model.path}: ${message}`;
}

function describe(plan: Plan, jobs: number, threads: number): string {
  const shard = plan.shard ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.collectionSize})` : '';
  const each = threads === 0 ? '' : `, ${threads} thread${threads === 1 ? '' : 's'} each`;
  return `${plan.models.length} model${plan.models.length === 1 ? '' : 's'}${shard}, ${jobs} at once${each} → ${plan.outDir}`;
}

export async function runBatchCommand(args: string[], options: Parsed['options'], plan?: Plan): Promise<number> {
  if (options.out !== undefined) throw new UserError('--out names one results file; with several models use --out-dir DIR (one NAME.json per model)');
  if (options.notebook !== undefined) throw new UserError("--notebook names one notebook; with several models each gets NAME.ipynb in --out-dir (--no-notebooks: none)");
  const thePlan = plan ?? planBatch(args, { outDir: String(options['out-dir'] ?? 'results'), shard: options.shard as string | undefined, notebooks: !options['no-notebooks'] });
  const labelsFile = options.labels === undefined ? undefined : path.resolve(String(options.labels));
  if (labelsFile && !fs.existsSync(labelsFile)) throw new UserError(`${options.labels}: no such file`);
  const requested = options.jobs as number | undefined;
  if (requested !== undefined && requested < 1) throw new UserError(`--jobs must be at least 1 (got ${requested})`);
  const jobs = requested ?? defaultJobs(thePlan.models.map((m) => m.path));
  const settings = toSettings(options);
  const inputs = { settings, length: options.length as number | undefined, labelsFile, motifs: options.motifs as string | undefined, motifsBase: process.cwd() };
  const force = options.force === true;
  checkSharedInputs(inputs);
  if (!thePlan.models.length) {
    process.stdout.write(`No model in this shard (${thePlan.shard!.index}/${thePlan.shard!.count} of ${thePlan.collectionSize} models)\n`);
    return 0;
  }
  const running = Math.min(jobs, thePlan.models.length);
  process.stdout.write(`Batch: ${describe(thePlan, running, settings.workers ?? workersPerJob(running))}\n`);
  // A reader that goes away (| head) must not crash the batch: its results are still written.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });

  const tty = process.stderr.isTTY === true;
  let bar = '';
  const clearBar = () => {
    if (tty && bar) process.stderr.write('\r\x1b[K');
  };
  const drawBar = () => {
    if (tty && bar) process.stderr.write(`\r\x1b[K${bar}`);
  };
  const say = (stream: NodeJS.WriteStream, line: string) => {
    clearBar();
    stream.write(`${line}\n`);
    drawBar();
  };
  const width = Math.min(32, Math.max(...thePlan.models.map((m) => label(m.name, 32).length)));
  let ended = 0;
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const report = await runBatch(
      { plan: thePlan, jobs: running, force, inputs },
      {
        signal: controller.signal,
        onProgress: (p: BatchProgress) => {
          if (!tty) return;
          bar = progressLine('resolving', p);
          drawBar();
        },
        onModel: (r) => {
          const o = r.outcome;
          if (o.status === 'cancelled') return;
          ended++;
          const head = `[${ended}/${thePlan.models.length}] ${o.status.padEnd(7)} ${label(r.model.name, 32).padEnd(width)}`;
          if (o.status === 'done') say(process.stdout, `${head}  ${o.classes} class${o.classes === 1 ? '' : 'es'}, ${o.seconds.toFixed(1)} s, ${reasonText(o.reason, o.detail)}`);
          else if (o.status === 'skipped') say(process.stdout, `${head}  current result kept`);
          else {
            say(process.stdout, head.trimEnd());
            say(process.stderr, `deepresolve: ${failureLine(r)}`);
            if (o.details) say(process.stderr, o.details);
          }
        },
      },
    );
    clearBar();
    bar = '';
    const parts = [`${report.done} done`, `${report.skipped} current (skipped)`, `${report.failed} failed`];
    if (report.cancelled) parts.push(`${report.cancelled} not run (interrupted)`);
    process.stdout.write(`${thePlan.models.length} model${thePlan.models.length === 1 ? '' : 's'}: ${parts.join(', ')} in ${report.seconds.toFixed(1)} s; results in ${thePlan.outDir}\n`);
    if (report.cancelled) return 130;
    return Math.min(report.failed, MAX_FAILED_EXIT);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
