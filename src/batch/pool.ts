/**
 * Runs a batch's jobs on N model processes (child.ts), each taking the next job when it is free.
 * Processes are separate so that one model's crash, out-of-memory kill or corrupt HDF5 file cannot
 * take the others down: a process whose job failed is replaced by a fresh one. Stopping (the
 * signal) cancels the running jobs and starts no more.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { debugEnabled } from '../engine/errors';
import type { ChildJob, FromChild, RunReason, ToChild } from './protocol';

/** The bundle next to dist/cli-main.js, or the TypeScript source through tsx (tests). */
const BUNDLED = path.join(__dirname, 'batch-child.js');
const SOURCE = path.join(__dirname, 'child.ts');
/** tsx's loader in this repository (only the source layout needs it; a bundle has no tsx). */
const TSX_LOADER = path.join(__dirname, '..', '..', 'node_modules', 'tsx', 'dist', 'loader.mjs');

export type Outcome =
  | { status: 'skipped' }
  | { status: 'done'; seconds: number; classes: number; backend: string; reason: RunReason; detail?: string }
  | { status: 'failed'; kind: 'user' | 'internal'; message: string; details?: string }
  /** Cancelled while running, or never started because the batch was stopped. */
  | { status: 'cancelled' };

export interface PoolHooks {
  signal?: AbortSignal;
  onStart?(index: number, reason: RunReason, detail?: string): void;
  onProgress?(index: number, fraction: number, stage?: string): void;
  onEnd?(index: number, outcome: Outcome): void;
}

function spawnChild(): { child: ChildProcess; stderr: () => string } {
  const bundled = fs.existsSync(BUNDLED);
  const execArgv = [...(bundled ? [] : ['--import', pathToFileURL(TSX_LOADER).href]), ...(debugEnabled() ? ['--enable-source-maps'] : [])];
  const child = fork(bundled ? BUNDLED : SOURCE, [], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json' });
  // The end of its stderr says why a process died (a native abort, V8's out-of-memory report).
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (debugEnabled()) process.stderr.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-2000);
  });
  return { child, stderr: () => tail };
}

function died(code: number | null, signal: NodeJS.Signals | null, stderr: string): string {
  const how = signal ? `was killed (${signal}${signal === 'SIGKILL' ? ': out of memory? fewer --jobs or a lower --max-memory use less' : ''})` : `stopped unexpectedly (exit code ${code})`;
  const last = stderr.trim().split('\n').filter(Boolean).pop();
  return `the analysis process ${how}${last ? `: ${last.slice(0, 300)}` : ''}`;
}

/** Runs `jobs` on at most `processes` model processes; resolves when every job has an outcome. */
export async function runPool(jobs: ChildJob[], processes: number, hooks: PoolHooks = {}): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(jobs.length);
  const live = new Set<ChildProcess>();
  let next = 0;
  const stopped = () => hooks.signal?.aborted === true;
  const onAbort = () => {
    for (const c of live) if (c.connected) c.send({ type: 'cancel' } satisfies ToChild);
  };
  hooks.signal?.addEventListener('abort', onAbort);

  const runOn = (proc: { child: ChildProcess; stderr: () => string }, index: number) =>
    new Promise<Outcome>((resolve) => {
      const { child } = proc;
      let settled = false;
      const finish = (o: Outcome) => {
        if (settled) return;
        settled = true;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(o);
      };
      let start: { reason: RunReason; detail?: string } = { reason: 'new' };
      const onMessage = (m: FromChild) => {
        if (m.type === 'started') {
          start = { reason: m.reason, detail: m.detail };
          hooks.onStart?.(index, m.reason, m.detail);
        } else if (m.type === 'progress') hooks.onProgress?.(index, m.fraction, m.stage);
        else if (m.type === 'skipped') finish({ status: 'skipped' });
        else if (m.type === 'done') finish({ status: 'done', seconds: m.seconds, classes: m.classes, backend: m.backend, ...start });
        else if (m.type === 'failed') finish(m.kind === 'cancelled' ? { status: 'cancelled' } : { status: 'failed', kind: m.kind, message: m.message, details: m.details });
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null) =>
        finish(stopped() ? { status: 'cancelled' } : { status: 'failed', kind: 'internal', message: died(code, signal, proc.stderr()) });
      child.on('message', onMessage);
      child.on('exit', onExit);
      try {
        child.send({ type: 'run', job: jobs[index] } satisfies ToChild);
      } catch (err) {
        finish({ status: 'failed', kind: 'internal', message: `the analysis process could not be reached: ${(err as Error).message}` });
      }
    });

  const slot = async () => {
    let proc: { child: ChildProcess; stderr: () => string } | null = null;
    try {
      while (next < jobs.length && !stopped()) {
        const index = next++;
        if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) {
          proc = spawnChild();
          live.add(proc.child);
        }
        const outcome = await runOn(proc, index);
        outcomes[index] = outcome;
        hooks.onEnd?.(index, outcome);
        // A failed model may leave its process in a bad state (a corrupt HDF5 file stays open in
        // the HDF5 library): the next model gets a fresh one.
        if (outcome.status === 'failed' || outcome.status === 'cancelled') {
          live.delete(proc.child);
          proc.child.kill();
          proc = null;
        }
      }
    } finally {
      if (proc) {
        live.delete(proc.child);
        proc.child.disconnect();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(processes, jobs.length)) }, slot));
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  for (let i = 0; i < jobs.length; i++) {
    if (!outcomes[i]) {
      outcomes[i] = { status: 'cancelled' };
      hooks.onEnd?.(i, outcomes[i]);
    }
  }
  return outcomes;
}
