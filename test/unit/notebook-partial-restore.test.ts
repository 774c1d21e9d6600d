/**
 * A cancelled run's result in a saved notebook (issue 14): after reopening, the restored result is
 * still partial — results.partial as the run recorded it, the summary line, the text summary's
 * header and every view's title say "partial: K of N classes, cancelled" — and %features names each
 * class's output and unit as the run did (the payload keeps model.outputs). A payload saved before
 * the outputs were kept names a class by its index alone, never "output , unit 0".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseMagicLine } from '../../src/notebook/magics';
import { outputBundle } from '../../src/notebook/output-bundle';
import { restoreResults, type SavedOutput } from '../../src/notebook/restore';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { resultSummary } from '../../src/notebook/text-views';
import { RESULT_MIME, unpackView } from '../../renderers/pack';
import { VIEWS } from '../../renderers/views/index';
import type { OutputResult, Results } from '../../src/engine/results';
import type { Task } from '../../src/worker/protocol';
import { syntheticResults } from '../renderer/fixtures';

const client = {
  run(task: Task) {
    if (task.kind !== 'bundle') throw new Error(`not here: ${task.kind}`);
    return { id: 1, cancel() {}, promise: outputBundle(task.results, task.view, { classPos: task.classPos, only: task.only }).then((bundle) => ({ bundle })) };
  },
} as unknown as RunContext['client'];

/** A %resolve output as VS Code hands it back after a save: JSON items as UTF-8 bytes. */
async function saved(results: Results, name: string): Promise<SavedOutput> {
  const bundle = await outputBundle(results, 'heatmap', { svg: false });
  return { metadata: { deepresolve: { result: name, view: 'heatmap' } }, items: Object.entries(bundle).map(([mime, v]) => ({ mime, data: new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v)) })) };
}

const plainOf = (o: SavedOutput) => new TextDecoder().decode(o.items.find((i) => i.mime === 'text/plain')!.data);
const session = () => new Session(fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-partial-restore-')));

/** A run of 5 classes (2 restarts each) stopped after 7 pairs: classes 4, 0 and 2 finished (asked for in the order 4, 0, 2, 1, 3). */
function partialResult(): Results {
  const r = syntheticResults({ classes: 3, features: 8, restarts: 2, seed: 6 });
  const kept = [4, 0, 2];
  r.classes.forEach((c, i) => (c.index = kept[i]));
  r.similarity.classes = [...kept];
  r.partial = { reason: 'cancelled', classesDone: kept, classesRequested: [4, 0, 2, 1, 3], pairsDone: 7, pairsRequested: 10 };
  return r;
}

test('a partial result stays partial after the notebook is reopened, and after a second save and reopen', async () => {
  const r = partialResult();
  const marker = 'partial: 3 of 5 classes, cancelled';
  const first = await saved(r, 'r1');
  // Before saving, the dashboard's text summary already says partial in its header line.
  assert.match(plainOf(first).split('\n')[0], /^DeepResolve — synthetic, layer conv3 \(8 features\), 3 classes, 2 restarts, λ = 2\.8 \(partial: 3 of 5 classes, cancelled\)$/);

  const s = session();
  assert.deepEqual(restoreResults(s, [first]), ['r1']);
  const back = s.result('r1').results;
  assert.deepEqual(back.partial, r.partial, 'results.partial as the run recorded it');
  assert.ok(resultSummary('r1', back).split('\n')[0].endsWith(`(${marker})`), resultSummary('r1', back));
  // The dashboard of the restored result: summary header, payload and every view's title.
  const again = await saved(back, 'r1');
  assert.ok(plainOf(again).split('\n')[0].endsWith(`(${marker})`), plainOf(again));
  const view = unpackView(JSON.parse(new TextDecoder().decode(again.items.find((i) => i.mime === RESULT_MIME)!.data)));
  assert.equal(view.data.partial, marker);
  for (const [name, v] of Object.entries(VIEWS)) {
    const title = (v.build(view.data, {}) as { title?: { text?: string } }).title?.text ?? '';
    assert.ok(title.endsWith(`(${marker})`), `${name}: ${title}`);
  }
  // Saved and reopened once more: still the same partial record.
  const s2 = session();
  restoreResults(s2, [again]);
  assert.deepEqual(s2.result('r1').results.partial, r.partial);
});

test('a complete result is not partial after reopening', async () => {
  const r = syntheticResults({ classes: 2, features: 5, seed: 2 });
  const s = session();
  restoreResults(s, [await saved(r, 'r1')]);
  assert.equal(s.result('r1').results.partial, undefined);
  assert.doesNotMatch(resultSummary('r1', s.result('r1').results), /partial/);
});

const outputs: OutputResult[] = [
  { name: 'Dense_Dev', layer: 'Dense_Dev', shape: [1], units: 1, classes: [0, 0], strippedActivation: null, summary: null },
  { name: 'profile', layer: 'conv_out', shape: [100, 2], units: 2, classes: [1, 2], strippedActivation: null, summary: { kind: 'sum', positions: [0, 99] } },
];

/** The first line of %features CLASS on the restored result. */
async function featuresTitle(results: Results, cls: number): Promise<string> {
  const s = session();
  restoreResults(s, [await saved(results, 'r1')]);
  const out = await runMagic(parseMagicLine(`%features ${cls} r1`), { session: s, client, defaults: {} });
  return String(out[0].items.find((i) => i.mime === 'text/plain')!.value).split('\n')[0];
}

test("a reopened notebook's %features names the class's output and unit as the run did", async () => {
  const r = syntheticResults({ classes: 3, features: 6, seed: 8, names: (i) => ['Dev', 'P0', 'P1'][i] });
  r.model.outputs = outputs;
  r.classes.forEach((c, i) => Object.assign(c, [{ output: 'Dense_Dev', unit: 0 }, { output: 'profile', unit: 0 }, { output: 'profile', unit: 1 }][i]));
  assert.equal(await featuresTitle(r, 2), 'Class P1 (class 2: output profile, unit 1): top 6 of 6 features by OFIV');
  assert.equal(await featuresTitle(r, 0), 'Class Dev (class 0: output Dense_Dev, unit 0): top 6 of 6 features by OFIV');
  const s = session();
  restoreResults(s, [await saved(r, 'r1')]);
  assert.deepEqual(s.result('r1').results.model.outputs, outputs, 'model.outputs restored');
});

test('a payload saved without the outputs (before they were kept) names a class by its index, not "output , unit 0"', async () => {
  const r = syntheticResults({ classes: 3, features: 6, seed: 8 });
  assert.equal(r.model.outputs, undefined, 'the fixture is such a result: its payload has no outputs');
  const title = await featuresTitle(r, 1);
  assert.equal(title, 'Class class 1 (class 1): top 6 of 6 features by OFIV');
});
