/**
 * Restoring results from notebooks as VS Code hands them back after a save and a reopen. VS Code's
 * ipynb serializer (extensions/ipynb) writes only `metadata.metadata` of a NotebookCellOutput as
 * nbformat's output metadata (`metadata: output.metadata?.metadata || {}`), and on reading gives an
 * output the metadata `{ outputType, executionCount, metadata: <nbformat output metadata> }`. The
 * end-to-end test (test/e2e/persistence.e2e.ts) does the same through the real editor; this one
 * follows the two steps by hand, for outputs the kernel made and for the notebook the CLI writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMagicLine } from '../../src/notebook/magics';
import { CLI_RESULT_NAME, outputBundle, resultsNotebook } from '../../src/notebook/output-bundle';
import { cellOutputMetadata, isJsonMime, type Output } from '../../src/notebook/output-items';
import { restoreResults, type SavedOutput } from '../../src/notebook/restore';
import { resultOutput } from '../../src/notebook/result-output';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { resultSummary } from '../../src/notebook/text-views';
import { syntheticResults } from '../renderer/fixtures';
import type { Task } from '../../src/worker/protocol';

const client = {
  run(task: Task) {
    if (task.kind !== 'bundle') throw new Error(`not here: ${task.kind}`);
    return { id: 1, cancel() {}, promise: outputBundle(task.results, task.view, { classPos: task.classPos, only: task.only }).then((bundle) => ({ bundle })) };
  },
} as unknown as RunContext['client'];

type NbOutput = { output_type: string; data: Record<string, unknown>; metadata: Record<string, unknown> };

/** VS Code's serializer, saving a live output (what controller.ts gives VS Code for an Output). */
function save(o: Output): NbOutput {
  const live = o.metadata && cellOutputMetadata(o.metadata);
  return { output_type: 'display_data', data: Object.fromEntries(o.items.map((i) => [i.mime, i.value])), metadata: (live?.metadata as Record<string, unknown>) || {} };
}

/** VS Code's deserializer: the output as the extension sees it in a reopened notebook. */
function reopen(o: NbOutput): SavedOutput {
  const enc = new TextEncoder();
  return {
    metadata: { outputType: o.output_type, metadata: JSON.parse(JSON.stringify(o.metadata)) },
    // JSON types as JSON; text types as their text (nbformat may hold it as a list of lines).
    items: Object.entries(o.data).map(([mime, v]) => ({ mime, data: enc.encode(isJsonMime(mime) ? JSON.stringify(v) : Array.isArray(v) ? v.join('') : String(v)) })),
  };
}

test("a %resolve output saved and reopened by VS Code's ipynb serializer is the session's result again", async () => {
  const r = syntheticResults({ classes: 3, features: 8, seed: 4 });
  const out = await resultOutput(client, r, 'quick', { view: 'heatmap', dashboard: true }, resultSummary('quick', r));
  const saved = save(out);
  assert.deepEqual((saved.metadata.deepresolve as { result: string }).result, 'quick', 'the result name is in what the file keeps');
  const session = new Session(process.cwd());
  assert.deepEqual(restoreResults(session, [reopen(saved)]), ['quick']);
  const table = (await runMagic(parseMagicLine('%features 1 --top 3'), { session, client, defaults: {} }))[0];
  assert.match(String(table.items.find((i) => i.mime === 'text/plain')?.value), new RegExp(`Class ${r.classes[1].name} .*top 3 of 8 features`));
});

test('the notebook the CLI writes restores its result (named r1) when reopened', async () => {
  const r = syntheticResults({ classes: 4, features: 6, seed: 2 });
  const nb = JSON.parse(await resultsNotebook(r));
  const outputs = nb.cells.flatMap((c: { outputs?: NbOutput[] }) => c.outputs ?? []).map(reopen);
  const session = new Session(process.cwd());
  assert.deepEqual(restoreResults(session, outputs), [CLI_RESULT_NAME]);
  assert.equal(session.result(undefined).results.classes.length, 4);
});
