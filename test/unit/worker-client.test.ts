import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { CancelledError, UserError } from '../../src/engine/errors';
import { WorkerClient, WorkerError } from '../../src/worker/client';
import type { Task } from '../../src/worker/protocol';

/**
 * A stand-in worker speaking the protocol: 'backend' answers at once with the backend asked for,
 * 'load' of path "crash" exits the thread, "bad" is a user error, "hang" never answers and ignores
 * cancel; 'resolve' sends progress and waits until cancelled.
 */
const FAKE = `
const { parentPort } = require('node:worker_threads');
const runs = new Map();
parentPort.on('message', (m) => {
  if (m.type === 'cancel') { const r = runs.get(m.id); if (r) r(); return; }
  const t = m.task;
  if (t.kind === 'backend') return parentPort.postMessage({ type: 'result', id: m.id, value: { backend: t.backend } });
  if (t.kind === 'load') {
    if (t.model.path === 'crash') process.exit(3);
    if (t.model.path === 'bad') return parentPort.postMessage({ type: 'error', id: m.id, kind: 'user', message: 'bad: no such file' });
    if (t.model.path === 'hang') return;
  }
  if (t.kind === 'resolve') {
    parentPort.postMessage({ type: 'progress', id: m.id, progress: { pairsDone: 1, pairsTotal: 4, fraction: 0.25, active: 3, chunkSize: 4, elapsedSeconds: 1, etaSeconds: 3 } });
    runs.set(m.id, () => parentPort.postMessage({ type: 'error', id: m.id, kind: 'cancelled', message: 'analysis cancelled' }));
  }
});`;

function client(hardCancelMs = 5000) {
  const log: string[] = [];
  const c = new WorkerClient({ create: () => new Worker(FAKE, { eval: true }), hardCancelMs, log: (l) => log.push(l) });
  return { c, log };
}

const load = (p: string): Extract<Task, { kind: 'load' }> => ({ kind: 'load', backend: 'cpu', model: { path: p } });

describe('worker client', () => {
  test('starts the worker lazily and reuses it', async () => {
    const { c } = client();
    assert.equal(c.running, false);
    assert.deepEqual(await c.run({ kind: 'backend', backend: 'wasm' }).promise, { backend: 'wasm' });
    assert.deepEqual(await c.run({ kind: 'backend', backend: 'cpu' }).promise, { backend: 'cpu' });
    assert.equal(c.starts, 1);
    await c.dispose();
  });

  test('a user error arrives as a UserError with its one line', async () => {
    const { c } = client();
    await assert.rejects(c.run(load('bad')).promise, (e: Error) => e instanceof UserError && e.message === 'bad: no such file');
    await c.dispose();
  });

  test('a crash fails the run with a clear error and the next run starts a new worker', async () => {
    const { c, log } = client();
    await assert.rejects(c.run(load('crash')).promise, (e: Error) => e instanceof WorkerError && e.message === 'the analysis worker stopped unexpectedly (exit code 3); run the cell again to restart it');
    assert.equal(c.running, false);
    assert.deepEqual(await c.run({ kind: 'backend', backend: 'cpu' }).promise, { backend: 'cpu' });
    assert.equal(c.starts, 2);
    assert.ok(log.some((l) => l.includes('it will be restarted for the next run')));
    await c.dispose();
  });

  test('progress reaches the caller; cancel stops the run through the worker', async () => {
    const { c } = client();
    const seen: number[] = [];
    const h = c.run({ kind: 'resolve', backend: 'cpu', model: { path: 'm' }, settings: {} }, (p) => {
      seen.push(p.fraction);
      h.cancel();
    });
    await assert.rejects(h.promise, CancelledError);
    assert.deepEqual(seen, [0.25]);
    assert.equal(c.starts, 1, 'a cooperative cancel keeps the worker');
    await c.dispose();
  });

  test('a worker that ignores cancel is terminated, and the next run gets a fresh one', async () => {
    const { c, log } = client(50);
    const h = c.run(load('hang'));
    setTimeout(() => h.cancel(), 20);
    await assert.rejects(h.promise, CancelledError);
    assert.ok(log.some((l) => l.includes('terminating it')));
    assert.deepEqual(await c.run({ kind: 'backend', backend: 'cpu' }).promise, { backend: 'cpu' });
    assert.equal(c.starts, 2);
    await c.dispose();
  });

  test('dispose rejects runs in flight and refuses new ones', async () => {
    const { c } = client();
    const h = c.run(load('hang'));
    await new Promise((r) => setTimeout(r, 20));
    const rejected = assert.rejects(h.promise, { message: 'DeepResolve was stopped' });
    await c.dispose();
    await rejected;
    assert.throws(() => c.run({ kind: 'backend', backend: 'cpu' }), WorkerError);
  });
});
