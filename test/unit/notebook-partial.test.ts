/**
 * Stopping a %resolve cell (VS Code's stop button, Jupyter's interrupt: both abort the cell's
 * signal) keeps the classes whose restarts all finished as a result of the session (issue 14):
 * the cell shows its dashboard, titled and summarised as partial, then the cancel line naming the
 * result; %features and %similarity work on it afterwards. The real analysis worker thread runs it.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { runCell, type CellContext } from '../../src/notebook/run-cell';
import type { Output } from '../../src/notebook/output-items';
import { Session } from '../../src/notebook/session';
import { WorkerClient } from '../../src/worker/client';
import { RESULT_MIME, unpackView } from '../../renderers/pack';

const ROOT = path.resolve(__dirname, '..', '..');
const MODEL = path.join(ROOT, 'test/fixtures/e2e/workspace/models/tiny/model.json');
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;
const client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });
after(() => client.dispose());

function context(session: Session, signal?: AbortSignal): CellContext {
  return { session, client, defaults: {}, signal, activity: () => ({ doing: 'testing' }), where: 'test.ipynb, cell 1' };
}

const plain = (o: Output) => String(o.items.find((i) => i.mime === 'text/plain')?.value ?? '');

test('a stopped %resolve keeps the finished classes as a partial result that %features and %similarity use', async () => {
  const session = new Session(path.dirname(MODEL));
  const controller = new AbortController();
  let seen = -1;
  const outputs: Output[] = [];
  // Four classes × 2 restarts, one pair at a time, each pair 400 steps: stopped when 5 pairs are done.
  const failure = await runCell(`%resolve ${MODEL} --restarts 2 --batch-size 1 --max-iter 400 --patience 100000 --backend cpu --feature-logos none`, context(session, controller.signal), {
    onProgress: (_label, p) => {
      if (seen < 0 && p.stage === undefined && p.pairsDone >= 5) {
        seen = p.pairsDone;
        controller.abort();
      }
    },
    onOutputs: (o) => void outputs.push(...o),
  });
  assert.ok(seen >= 5, 'stopped after 5 pairs');
  assert.equal(failure?.kind, 'cancelled');
  const { name, results } = session.result(undefined);
  assert.equal(name, 'r1');
  assert.ok(results.partial, 'the session holds a partial result');
  const kept = results.partial.classesDone;
  // One pair at a time in class order: the classes of the pairs done, 2 restarts each.
  assert.ok(results.partial.pairsDone >= seen);
  assert.deepEqual(kept, [0, 1, 2, 3].slice(0, Math.floor(results.partial.pairsDone / 2)));
  assert.ok(kept.length >= 2 && kept.length < 4, `kept ${kept}`);
  assert.deepEqual(results.classes.map((c) => c.index), kept);
  const marker = `partial: ${kept.length} of 4 classes, cancelled`;
  assert.equal(failure.message.replace(/after \d+ s/, 'after N s'), `the analysis was stopped after N s; kept as r1 (${marker}): the classes whose restarts all finished, which %features, %similarity, %export… use`);

  // The dashboard is shown before the cancel line: its summary and its views' titles say partial.
  assert.equal(outputs.length, 1);
  assert.match(plain(outputs[0]).split('\n')[0], new RegExp(`^r1: .*\\(${marker}\\)$`));
  const payload = outputs[0].items.find((i) => i.mime === RESULT_MIME)?.value;
  const view = unpackView(payload);
  assert.equal(view.data.partial, marker);
  const svg = String(outputs[0].items.find((i) => i.mime === 'image/svg+xml')?.value ?? '');
  assert.ok(svg.includes(`(${marker})`), 'the picture fallback is titled partial');

  // The magics work on it afterwards (a new cell, a new signal).
  const features: Output[] = [];
  assert.equal(await runCell(`%features ${kept[1]}`, context(session), { onOutputs: (o) => void features.push(...o) }), undefined);
  assert.ok(plain(features[0]).startsWith(`Class ${results.classes[1].name} (class ${kept[1]}: `), plain(features[0]));
  const similarity: Output[] = [];
  assert.equal(await runCell('%similarity', context(session), { onOutputs: (o) => void similarity.push(...o) }), undefined);
  assert.equal(unpackView(similarity[0].items.find((i) => i.mime === RESULT_MIME)?.value).data.similarity.classes.length, kept.length);
  // A class that did not finish is not in it, and says so.
  const missing = await runCell('%features 3', context(session), { onOutputs: () => {} });
  assert.equal(missing?.kind, 'user');
  assert.match(missing.message, /^class 3 was not analysed in this result/);
});
