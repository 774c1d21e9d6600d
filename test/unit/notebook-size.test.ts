/**
 * Notebook sizes (issue 14): a result's data is stored once — the %resolve dashboard carries it,
 * every other magic shows its own view with the subset it draws — with compact fallbacks. Measured
 * on the example model (16 filters, 1 class) and on a DeepSEA-shaped result (919 × 960).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { parseLabels } from '../../src/engine/labels';
import { loadModel } from '../../src/engine/load';
import { resolveFeatures } from '../../src/engine/resolve';
import type { Results } from '../../src/engine/results';
import { annotateWith, motifLibrary } from '../../src/notebook/motif-files';
import { parseMagicLine } from '../../src/notebook/magics';
import { notebookJson, outputBundle, resultsNotebook, type MimeBundle } from '../../src/notebook/output-bundle';
import type { Output } from '../../src/notebook/output-items';
import { resultOutput } from '../../src/notebook/result-output';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { resultSummary } from '../../src/notebook/text-views';
import type { Task } from '../../src/worker/protocol';
import { RESULT_MIME, unpackView } from '../../renderers/pack';
import { syntheticResults } from '../renderer/fixtures';
import * as fs from 'node:fs';

const ROOT = path.resolve(__dirname, '../..');

/** The worker's bundle task, run here (the worker calls the same outputBundle). */
const client = {
  run(task: Task) {
    if (task.kind !== 'bundle') throw new Error(`not here: ${task.kind}`);
    return { id: 1, cancel() {}, promise: outputBundle(task.results, task.view, { classPos: task.classPos, feature: task.feature, only: task.only }).then((bundle) => ({ bundle })) };
  },
} as unknown as RunContext['client'];

const bundleOf = (o: Output): MimeBundle => Object.fromEntries(o.items.map((i) => [i.mime, i.value]));

/** The notebook "Resolve features" makes, after its cells and a few more magics ran: outputs as VS Code saves them. */
async function magicNotebook(results: Results, lines: string[]): Promise<string> {
  const session = new Session(ROOT);
  session.addResult(results, 'features');
  const ctx: RunContext = { session, client, defaults: {} };
  const cells = [{ kind: 'code' as const, source: '%resolve model --as features', outputs: [bundleOf(await resultOutput(client, results, 'features', { view: 'heatmap', dashboard: true }, resultSummary('features', results)))] }];
  for (const line of lines) cells.push({ kind: 'code', source: line, outputs: (await runMagic(parseMagicLine(line), ctx)).map(bundleOf) });
  return notebookJson(cells);
}

async function exampleResults(): Promise<Results> {
  await useBackend('cpu');
  const dir = path.join(ROOT, 'examples', 'ctcf-gm12878');
  const loaded = await loadModel(path.join(dir, '16_G_best_archit.json'));
  const labelsFile = path.join(dir, 'labels.txt');
  const r = await resolveFeatures({ loaded, labels: parseLabels(fs.readFileSync(labelsFile), labelsFile), labelsFile, settings: { backend: 'cpu', restarts: 10, maxIter: 300 } });
  loaded.model.dispose();
  return annotateWith(r, motifLibrary('jaspar', ROOT));
}

test('the example notebook (16 filters, one class, every magic) stays under 300 kB', async () => {
  const r = await exampleResults();
  const cli = await resultsNotebook(r);
  const magics = await magicNotebook(r, ['%features CTCF', '%interactions top features', '%logos features', '%similarity features']);
  // (Before: 3.5 MB, each magic repeating the whole dashboard, 1.4 MB of it per logos output.)
  console.log(`example: CLI notebook ${(cli.length / 1e3).toFixed(0)} kB; magic notebook ${(magics.length / 1e3).toFixed(0)} kB`);
  assert.ok(cli.length <= 300e3, `CLI notebook ${cli.length} bytes`);
  assert.ok(magics.length <= 300e3, `magic notebook ${magics.length} bytes`);
  // Each magic's output draws its own view, with only the data it needs.
  const nb = JSON.parse(magics);
  const payloads = nb.cells.flatMap((c: { outputs: { data: Record<string, unknown> }[] }) => c.outputs.map((o) => o.data[RESULT_MIME]).filter(Boolean));
  const views = payloads.map((p: unknown) => unpackView(p));
  assert.deepEqual(views.map((v: { view: string; only: boolean }) => [v.view, v.only]), [['heatmap', false], ['importance', true], ['interactions', true], ['logos', true]]);
  assert.deepEqual(views[1].data.classes.map((c: { name: string }) => c.name), ['CTCF']);
});

test('a DeepSEA-shaped result (919 classes × 960 features): the CLI notebook and the starter notebook', async () => {
  const r = syntheticResults({ classes: 919, features: 960, seed: 5 });
  const cli = await resultsNotebook(r);
  const starter = await magicNotebook(r, ['%similarity features', '%interactions top features']);
  console.log(`919 × 960: CLI notebook ${(cli.length / 1e6).toFixed(2)} MB; starter notebook ${(starter.length / 1e6).toFixed(2)} MB`);
  // One payload in the CLI notebook (the dashboard); the similarity cell is a picture and text.
  const nb = JSON.parse(cli);
  assert.equal(nb.cells.flatMap((c: { outputs?: { data: Record<string, unknown> }[] }) => (c.outputs ?? []).filter((o) => o.data[RESULT_MIME])).length, 1);
  // The goal: 3 MB each (before: 14.7 MB, then 3.7 MB and 5.4 MB with float16 payloads).
  // Payload version 3 keeps OFIV to 1/1023 and SD to 1/127 of each class's largest value, the
  // %similarity matrix to 1/511; the interactions picture defines its circle once.
  assert.ok(cli.length <= 3e6, `CLI notebook ${cli.length} bytes`);
  assert.ok(starter.length <= 3e6, `starter notebook ${starter.length} bytes`);
  const outputs = JSON.parse(starter).cells.flatMap((c: { outputs?: { data: Record<string, unknown> }[] }) => c.outputs ?? []);
  for (const o of outputs) for (const [mime, v] of Object.entries(o.data)) if (mime === 'image/svg+xml') assert.ok((v as string[]).join('').length <= 200e3, `an SVG fallback of ${(v as string[]).join('').length} bytes`);
  // The dashboard's similarity is recomputed from the stored OFIV profiles: the engine's within 2e-3.
  const { data } = unpackView(nb.cells[1].outputs[0].data[RESULT_MIME]);
  for (const [i, j] of [[0, 1], [5, 700], [918, 3]]) assert.ok(Math.abs((data.similarity.matrix[i][j] as number) - r.similarity.matrix[i][j]) < 2e-3, `${i},${j}`);
});
