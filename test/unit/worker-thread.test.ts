import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { CancelledError, UserError } from '../../src/engine/errors';
import { WorkerClient } from '../../src/worker/client';

/** The real worker (src/worker/worker.ts, through tsx) on the e2e fixture model. */
const ROOT = path.resolve(__dirname, '..', '..');
const MODEL = path.join(ROOT, 'test/fixtures/e2e/workspace/models/tiny/model.json');
// A worker's entry file must be JavaScript: this one registers tsx and loads the TypeScript worker.
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;
const client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });

describe('analysis worker thread', () => {
  after(() => client.dispose());

  test('loads a model and reports its layers', async () => {
    const { model, backend } = await client.run({ kind: 'load', backend: 'cpu', model: { path: MODEL } }).promise;
    assert.equal(backend, 'cpu');
    assert.deepEqual(model.layers.map((l) => l.name), ['conv', 'pool', 'hidden', 'out']);
    assert.equal(model.numClasses, 4);
    assert.equal(model.layers.find((l) => l.index === model.defaultLayer)?.name, 'conv');
  });

  test('resolves with progress, names features by motifs, and bundles a view', async () => {
    const fractions: number[] = [];
    const { results } = await client.run({ kind: 'resolve', backend: 'cpu', model: { path: MODEL }, settings: { restarts: 2, classes: '0,1' } }, (p) => fractions.push(p.fraction)).promise;
    assert.deepEqual(results.classes.map((c) => c.index), [0, 1]);
    assert.equal(results.classes[0].fiv.length, 2);
    assert.ok(results.notes.some((n) => n.startsWith('motif matches: 8 feature PWMs compared with')));
    const { bundle } = await client.run({ kind: 'bundle', results, view: 'similarity' }).promise;
    assert.ok('application/vnd.deepresolve.result+json' in bundle && 'image/svg+xml' in bundle);
    assert.equal(client.starts, 1, 'one worker, reused');
  });

  test('a missing labels file is a user error', async () => {
    await assert.rejects(
      client.run({ kind: 'resolve', backend: 'cpu', model: { path: MODEL }, settings: {}, labelsFile: '/nonexistent/labels.txt' }).promise,
      (e: Error) => e instanceof UserError && e.message === '/nonexistent/labels.txt: no such file',
    );
  });

  test('cancel stops a long run inside the worker', async () => {
    const h = client.run({ kind: 'resolve', backend: 'cpu', model: { path: MODEL }, settings: { restarts: 100, patience: 1_000_000, maxIter: 1_000_000 } }, () => h.cancel());
    await assert.rejects(h.promise, CancelledError);
    // The worker survived the cancel and answers the next run.
    const { backend } = await client.run({ kind: 'backend', backend: 'cpu' }).promise;
    assert.equal(backend, 'cpu');
  });
});
