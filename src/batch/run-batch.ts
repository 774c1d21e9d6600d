/**
 * A whole batch: every planned model through the process pool, with progress for the whole batch
 * (models done, skipped, failed, what runs, time left) and a report at the end. Shared by the CLI
 * and the %resolve magic; no vscode, nothing heavy (the models run in their own processes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import type { AnalysisInputs } from './fingerprint';
import type { PlannedModel, Plan } from './plan';
import { workersPerJob } from './plan';
import { runPool, type Outcome } from './pool';
import type { ChildJob, RunReason } from './protocol';
import type { BatchCounts, BatchProgress } from './progress';

export type { BatchCounts, BatchProgress } from './progress';
export { isBatchProgress } from './progress';

export interface BatchRequest {
  plan: Plan;
  jobs: number;
  force: boolean;
  inputs: AnalysisInputs;
}

export interface ModelReport {
  model: PlannedModel;
  outcome: Outcome;
}

export interface BatchReport {
  models: ModelReport[];
  done: number;
  skipped: number;
  failed: number;
  cancelled: number;
  seconds: number;
}

export interface BatchHooks {
  signal?: AbortSignal;
  onProgress?(p: BatchProgress): void;
  onStart?(model: PlannedModel, reason: RunReason, detail?: string): void;
  onModel?(report: ModelReport): void;
}

/**
 * Files every model reads (labels, motif collections) are checked once before any model runs: a
 * typo is one line now, not the same failure for every model of the batch.
 */
export function checkSharedInputs(inputs: AnalysisInputs): void {
  if (inputs.labelsFile !== undefined && !fs.existsSync(inputs.labelsFile)) throw new UserError(`${inputs.labelsFile}: no such file`);
  const parts = (inputs.motifs ?? 'jaspar').split(',').map((x) => x.trim()).filter(Boolean);
  if (parts.includes('none') && parts.length > 1) throw new UserError('--motifs none cannot be combined with other collections');
  for (const p of parts) {
    if (p === 'jaspar' || p === 'none') continue;
    const file = path.resolve(inputs.motifsBase ?? process.cwd(), p);
    if (!fs.existsSync(file)) throw new UserError(`${file}: no such motif file`);
  }
}

export async function runBatch(request: BatchRequest, hooks: BatchHooks = {}): Promise<BatchReport> {
  const started = Date.now();
  const { plan, jobs } = request;
  checkSharedInputs(request.inputs);
  const threads = request.inputs.settings.workers ?? workersPerJob(jobs);
  const childJobs: ChildJob[] = plan.models.map((m) => ({
    ...request.inputs,
    settings: { ...request.inputs.settings, workers: threads },
    model: m.path,
    out: m.json,
    notebook: m.notebook,
    force: request.force,
  }));
  const counts: BatchCounts = { total: plan.models.length, done: 0, skipped: 0, failed: 0, running: [] };
  const running = new Map<number, number>();
  // Time left from the models that really run (skipped ones take no time): work done so far is
  // the finished ones plus the running ones' fractions, measured since the first one started.
  let firstRun: number | null = null;
  let ranDone = 0;
  const report = () => {
    counts.running = [...running].map(([i, fraction]) => ({ name: plan.models[i].name, fraction }));
    const finished = counts.done + counts.skipped + counts.failed;
    const inFlight = [...running.values()].reduce((a, f) => a + f, 0);
    const work = ranDone + inFlight;
    const remaining = counts.total - finished - inFlight;
    const elapsed = firstRun === null ? 0 : (Date.now() - firstRun) / 1000;
    hooks.onProgress?.({
      batch: { ...counts, running: [...counts.running] },
      pairsDone: finished,
      pairsTotal: counts.total,
      fraction: counts.total ? Math.min(1, (finished + inFlight) / counts.total) : 1,
      active: running.size,
      chunkSize: jobs,
      elapsedSeconds: (Date.now() - started) / 1000,
      etaSeconds: work > 0.05 && elapsed > 0 ? (elapsed * remaining) / work : null,
    });
  };
  const outcomes = await runPool(childJobs, jobs, {
    signal: hooks.signal,
    onStart: (i, reason, detail) => {
      firstRun ??= Date.now();
      running.set(i, 0);
      hooks.onStart?.(plan.models[i], reason, detail);
      report();
    },
    onProgress: (i, fraction) => {
      if (!running.has(i)) return;
      running.set(i, Math.min(0.99, fraction));
      report();
    },
    onEnd: (i, outcome) => {
      const ran = running.delete(i);
      if (outcome.status === 'done') counts.done++;
      else if (outcome.status === 'skipped') counts.skipped++;
      else if (outcome.status === 'failed') counts.failed++;
      if (ran && outcome.status !== 'cancelled') ranDone++;
      hooks.onModel?.({ model: plan.models[i], outcome });
      if (outcome.status !== 'cancelled') report();
    },
  });
  const models = outcomes.map((outcome, i) => ({ model: plan.models[i], outcome }));
  return {
    models,
    done: counts.done,
    skipped: counts.skipped,
    failed: counts.failed,
    cancelled: outcomes.filter((o) => o.status === 'cancelled').length,
    seconds: (Date.now() - started) / 1000,
  };
}
