/**
 * A batch's model process (dist/batch-child.js, forked by pool.ts): takes a model at a time over
 * IPC, skips it when its result is current (fingerprint.ts), else analyses it and writes its result
 * itself (resolve-model.ts), so a result never travels between processes. It leaves when its batch
 * is gone (the IPC channel closes, e.g. the CLI was killed), so no orphan keeps analysing; a result
 * it was writing is either complete or not there (write-atomic.ts).
 */
import { CancelledError, UserError, internalErrorDetails, internalErrorLine, oneLine, type Activity } from '../engine/errors';
import { analysisOf, currency } from './fingerprint';
import type { ChildJob, FromChild, RunReason, ToChild } from './protocol';
import { resolveModel } from './resolve-model';

/** Progress messages at most this often (the batch redraws one line). */
const PROGRESS_MS = 250;

let current: AbortController | null = null;

function send(message: FromChild): void {
  process.send?.(message);
}

async function run(job: ChildJob): Promise<void> {
  const activity: Activity = { doing: 'checking the result of', file: job.model };
  const controller = new AbortController();
  current = controller;
  try {
    const analysis = analysisOf(job);
    let reason: RunReason = 'forced';
    let detail: string | undefined;
    if (!job.force) {
      const state = currency(job.out, job.model, analysis);
      if (state.current) return send({ type: 'skipped' });
      if (state.why === 'other-model') {
        throw new UserError(`${job.out}: holds the result of another model (${state.detail}); use another --out-dir, or --force to replace it`);
      }
      reason = state.why;
      detail = state.detail;
    }
    send({ type: 'started', reason, detail });
    const started = Date.now();
    let last = 0;
    const results = await resolveModel(job, {
      signal: controller.signal,
      activity,
      onProgress: (p) => {
        const now = Date.now();
        if (now - last < PROGRESS_MS && p.fraction < 1) return;
        last = now;
        send({ type: 'progress', fraction: p.fraction, stage: p.stage });
      },
    });
    send({ type: 'done', seconds: (Date.now() - started) / 1000, classes: results.classes.length, backend: results.backend });
  } catch (err) {
    if (err instanceof CancelledError) send({ type: 'failed', kind: 'cancelled', message: 'cancelled' });
    else if (err instanceof UserError) send({ type: 'failed', kind: 'user', message: oneLine(err) });
    else send({ type: 'failed', kind: 'internal', message: internalErrorLine(err, activity), details: internalErrorDetails(err) });
  } finally {
    current = null;
  }
}

process.on('message', (message: ToChild) => {
  if (message.type === 'cancel') current?.abort();
  else if (message.type === 'run') void run(message.job);
});
// The batch is gone: stop at once (a current result is written whole or not at all).
process.on('disconnect', () => process.exit(0));
// Ctrl-C reaches the whole process group; the batch decides (it sends 'cancel').
process.on('SIGINT', () => undefined);
