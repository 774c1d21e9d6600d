/**
 * A reopened notebook restores its results from the saved %resolve outputs (src/notebook/restore.ts):
 * %features, %interactions, %logos, %similarity and %export then work without recomputing, with
 * the values the notebook kept (float16). Notebooks carry the DeepResolve kernelspec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMagicLine } from '../../src/notebook/magics';
import { makeNotebook, outputBundle } from '../../src/notebook/output-bundle';
import { RESTORED_NOTE, restoreResults, type SavedOutput } from '../../src/notebook/restore';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { featuresTable } from '../../src/notebook/text-views';
import { RESULT_MIME } from '../../renderers/pack';
import { readResults } from '../../src/engine/results-file';
import { syntheticResults } from '../renderer/fixtures';
import type { Task } from '../../src/worker/protocol';

const client = {
  run(task: Task) {
    if (task.kind !== 'bundle') throw new Error(`not here: ${task.kind}`);
    return { id: 1, cancel() {}, promise: outputBundle(task.results, task.view, { classPos: task.classPos, only: task.only }).then((bundle) => ({ bundle })) };
  },
} as unknown as RunContext['client'];

/** A saved output as VS Code hands it back: JSON items as UTF-8 bytes. */
async function saved(results: ReturnType<typeof syntheticResults>, name: string, only = false): Promise<SavedOutput> {
  const bundle = await outputBundle(results, 'heatmap', { svg: false, only });
  return { metadata: { deepresolve: { result: name, view: 'heatmap' } }, items: Object.entries(bundle).map(([mime, v]) => ({ mime, data: new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v)) })) };
}

test('saved %resolve outputs become the session results again; magics run on them', async () => {
  const r = syntheticResults({ classes: 3, features: 8, pwmWidth: 6, seed: 4 });
  const other = syntheticResults({ classes: 2, features: 8, seed: 9 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-restore-'));
  const session = new Session(dir);
  const names = restoreResults(session, [await saved(r, 'features'), { items: [{ mime: 'text/plain', data: new Uint8Array() }] }, await saved(other, 'r2'), await saved(r, 'slice', true)]);
  assert.deepEqual(names, ['features', 'r2'], 'only dashboards: a magic\u2019s own view holds a subset');
  assert.equal(session.lastResult, 'r2', 'the last one restored is the default, as after running the cells');
  const back = session.result('features').results;
  assert.ok(back.notes.includes(RESTORED_NOTE));
  r.classes.forEach((c, i) => {
    const scale = Math.max(...c.ofiv.map(Math.abs));
    c.ofiv.forEach((v, k) => assert.ok(Math.abs(back.classes[i].ofiv[k] - v) <= 1e-3 * scale, `ofiv ${i},${k}`));
    assert.deepEqual(back.classes[i].nonAdditive, c.nonAdditive);
    assert.deepEqual(back.classes[i].negative, c.negative);
  });
  // The table %features prints is the original's, at three digits.
  const ctx: RunContext = { session, client, defaults: {} };
  const table = (await runMagic(parseMagicLine('%features 1 features'), ctx))[0].items.find((i) => i.mime === 'text/plain')!.value as string;
  const original = featuresTable(r, r.classes[1], 10).plain;
  assert.equal(table.split('\n').slice(2).map((l) => l.split(/\s+/)[1]).join(' '), original.split('\n').slice(2).map((l) => l.split(/\s+/)[1]).join(' '), 'the same features in the same order');
  for (const line of ['%interactions 0 features', '%logos 0-2 features', '%similarity features']) {
    const out = await runMagic(parseMagicLine(line), ctx);
    assert.ok(out.some((o) => o.items.some((i) => i.mime === RESULT_MIME)), line);
  }
  await runMagic(parseMagicLine('%export again.json features'), ctx);
  const exported = readResults(path.join(dir, 'again.json'));
  assert.equal(exported.classes.length, 3);
  assert.ok(exported.notes.includes(RESTORED_NOTE), 'an export of a restored result says what it holds');
});

test('notebooks name the DeepResolve kernel and the magic language', () => {
  const nb = makeNotebook([{ kind: 'code', source: '%resolve m.onnx' }]);
  assert.deepEqual((nb.metadata as { kernelspec: unknown }).kernelspec, { name: 'deepresolve', display_name: 'DeepResolve', language: 'deepresolve-magic' });
  assert.equal((nb.metadata as { language_info: { name: string } }).language_info.name, 'deepresolve');
});
