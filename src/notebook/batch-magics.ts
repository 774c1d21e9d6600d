/**
 * The batch in a notebook: `%resolve a.h5 b.h5 --out-dir results` (several models, a folder of
 * models, a glob or @LIST) runs them in their own processes like the CLI (src/batch), with the whole
 * batch's progress in the cell and the notification, and lists each model's outcome; `%summarize
 * DIR` shows the cross-model table (src/summary) as the interactive, sortable and filterable view.
 * Paths are relative to the notebook; writing outside the workspace is asked first.
 */
import * as path from 'node:path';
import type { BackendChoice } from '../engine/backend-names';
import { UserError } from '../engine/errors';
import { defaultJobs, planBatch, workersPerJob } from '../batch/plan';
import { runBatch, type ModelReport } from '../batch/run-batch';
import { readFactors } from '../summary/factors';
import { summaryBundle, summaryTsv } from '../summary/output';
import { summarize } from '../summary/summarize';
import { writeFileAtomic } from '../engine/write-atomic';
import { SUMMARY_MIME } from '../../renderers/summary-data';
import type { MagicCall } from './magics';
import { toSettings } from './options';
import { text, type Output } from './output-items';
import type { RunContext } from './run-context';
import { label, mdText } from '../shared/escape';

/** Asks (or refuses) a write outside the notebook's write folders: run-magic.ts's allowWrite. */
type AllowWrite = (file: string, arg: string) => Promise<void>;

/** Default output folder of a notebook's batch, relative to the notebook. */
export const NOTEBOOK_OUT_DIR = 'results';

function outcomeLine(r: ModelReport): { plain: string; markdown: string } {
  const o = r.outcome;
  const what =
    o.status === 'done'
      ? `done (${o.classes} class${o.classes === 1 ? '' : 'es'}, ${o.seconds.toFixed(1)} s${o.reason === 'new' ? '' : `, ${o.reason === 'forced' ? 'forced' : o.reason === 'model' ? 'model changed' : 'settings changed'}`})`
      : o.status === 'skipped'
        ? 'current result kept'
        : o.status === 'cancelled'
          ? 'not run (stopped)'
          : `failed: ${o.message}`;
  return { plain: `  ${label(r.model.name)}: ${label(what, 400)}`, markdown: `- ${mdText(r.model.name)}: ${mdText(what, 400)}` };
}

export async function batchMagic(call: MagicCall, ctx: RunContext, allow: AllowWrite): Promise<Output[]> {
  const o = call.options;
  if (o.as !== undefined) throw new UserError('--as names one result; a batch writes one result file per model in --out-dir');
  const outArg = String(o['out-dir'] ?? NOTEBOOK_OUT_DIR);
  const outDir = ctx.session.resolvePath(outArg);
  await allow(path.join(outDir, 'model.json'), outArg);
  const plan = planBatch(call.args, { outDir, shard: o.shard as string | undefined, notebooks: !o['no-notebooks'], cwd: ctx.session.folder });
  if (!plan.models.length) return [text(`No model in shard ${plan.shard!.index}/${plan.shard!.count} (${plan.collectionSize} models in all)`)];
  const d = ctx.defaults;
  const settings = toSettings(o);
  settings.restarts ??= d.restarts;
  settings.l2 ??= d.l2;
  settings.lr ??= d.lr;
  settings.maxMemoryMB ??= d.maxMemoryMB;
  settings.backend ??= (ctx.session.backend !== 'auto' ? ctx.session.backend : (d.backend ?? 'auto')) as BackendChoice;
  const labelsArg = o.labels as string | undefined;
  const jobsWanted = o.jobs as number | undefined;
  if (jobsWanted !== undefined && jobsWanted < 1) throw new UserError(`--jobs must be at least 1 (got ${jobsWanted})`);
  const jobs = Math.min(jobsWanted ?? defaultJobs(plan.models.map((m) => m.path)), plan.models.length);
  const what = `Resolving ${plan.models.length} models`;
  ctx.onStart?.(what);
  ctx.log?.(`${what} (${jobs} at once, ${settings.workers ?? workersPerJob(jobs)} threads each) into ${outDir}`);
  const report = await runBatch(
    {
      plan,
      jobs,
      force: o.force === true,
      inputs: {
        settings,
        length: o.length as number | undefined,
        labelsFile: labelsArg === undefined ? undefined : ctx.session.resolvePath(labelsArg),
        motifs: (o.motifs as string | undefined) ?? d.motifDatabase,
        motifsBase: ctx.session.folder,
      },
    },
    {
      signal: ctx.signal,
      onProgress: (p) => ctx.onProgress?.(what, p),
      onModel: (r) => {
        if (r.outcome.status === 'failed') ctx.log?.(`${r.model.name}: ${r.outcome.message}`);
      },
    },
  );
  if (ctx.signal?.aborted) ctx.log?.(`${what}: stopped; ${report.done} done before`);
  const lines = report.models.map(outcomeLine);
  const head = `${plan.models.length} models${plan.shard ? ` (shard ${plan.shard.index}/${plan.shard.count} of ${plan.collectionSize})` : ''}: ${report.done} done, ${report.skipped} current (kept), ${report.failed} failed${report.cancelled ? `, ${report.cancelled} not run (stopped)` : ''} in ${report.seconds.toFixed(1)} s`;
  const next = `results in ${outArg} (NAME.json, NAME.ipynb); %summarize ${outArg} tabulates them`;
  return [text([head, ...lines.map((l) => l.plain), next].join('\n'), [`**${mdText(head)}**`, '', ...lines.map((l) => l.markdown), '', mdText(next)].join('\n'))];
}

export async function summarizeMagic(call: MagicCall, ctx: RunContext, allow: AllowWrite): Promise<Output[]> {
  const dirArg = call.args[0];
  const dir = ctx.session.resolvePath(dirArg);
  const factorsArg = call.options.factors as string | undefined;
  const factors = factorsArg === undefined ? undefined : readFactors(ctx.session.resolvePath(factorsArg));
  const outArg = call.options.out as string | undefined;
  const outFile = outArg === undefined ? undefined : ctx.session.resolvePath(outArg);
  if (outFile) await allow(outFile, outArg!);
  const summary = summarize(dir, factors);
  if (outFile) writeFileAtomic(outFile, summaryTsv(summary.rows));
  const bundle = summaryBundle(summary, ctx.session.folder);
  const plain = String(bundle['text/plain']) + (outFile ? `\n\ntable: ${outFile}` : '');
  // Richest first: VS Code shows the interactive table; other viewers the HTML, then the text.
  return [{ items: [{ mime: SUMMARY_MIME, value: bundle[SUMMARY_MIME] }, { mime: 'text/html', value: bundle['text/html'] }, { mime: 'text/plain', value: plain }], metadata: { deepresolve: { summary: dirArg } } }];
}
