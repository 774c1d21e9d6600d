/**
 * The batch's pure parts: which models the arguments name (files, folders, globs, lists), their
 * result names, shards, resume decisions from the recorded provenance, the factors file, the
 * summary table's sort/filter/links, TSV cells, the batch progress line, and the default job count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expandModels, namesCollection } from '../../src/batch/expand';
import { resultNames, safeName } from '../../src/batch/names';
import { defaultJobs, inShard, parseShard, planBatch, workersPerJob } from '../../src/batch/plan';
import { analysisOf, canonicalJson, currency, modelFiles, provenanceOf, readProvenance, sha256File } from '../../src/batch/fingerprint';
import { factorsFor, motifIsFactor, parseFactors } from '../../src/summary/factors';
import { filterRows, isSafeHref, relativeHref, sortRows, type SummaryRow } from '../../renderers/summary-data';
import { progressMessage } from '../../src/notebook/progress-text';
import type { BatchProgress } from '../../src/batch/progress';
import { tsvCell } from '../../src/shared/escape';
import { writeJsonAtomic } from '../../src/engine/write-atomic';
import { checkSharedInputs } from '../../src/batch/run-batch';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-plan-'));
const touch = (rel: string, text = 'x') => {
  const f = path.join(tmp, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
};
const rel = (ps: { path: string }[]) => ps.map((p) => path.relative(tmp, p.path));

// A collection: a TF.js folder, ENCODE-like folders (one .h5 + its architecture), a folder of two
// .h5 files, a file on its own, and things that are not models.
touch('c/tfjs/model.json', '{}');
touch('c/tfjs/weights.bin');
touch('c/encode/ctcf/16_G_best_archit.json', '{}');
touch('c/encode/ctcf/16_G_bestmodel_weights.h5');
touch('c/encode/rest/16_G_best_archit.json', '{}');
touch('c/encode/rest/16_G_bestmodel_weights.h5');
touch('c/pair/a.h5');
touch('c/pair/b.h5');
touch('c/README.md');
touch('c/.hidden/x.h5');
touch('c/lone.onnx');

test('a folder of models: model folders count once, model files each, hidden and other files not', () => {
  const { models, collection } = expandModels(['c'], tmp);
  assert.equal(collection, true);
  assert.deepEqual(rel(models), ['c/encode/ctcf', 'c/encode/rest', 'c/lone.onnx', 'c/pair/a.h5', 'c/pair/b.h5', 'c/tfjs']);
  // One model folder is one model (what loadModel(folder) opens), not a collection.
  assert.equal(namesCollection('c/encode/ctcf', tmp), false);
  assert.equal(namesCollection('c/encode', tmp), true);
  assert.equal(namesCollection('c/lone.onnx', tmp), false);
  assert.equal(namesCollection('c/*.onnx', tmp), true);
});

test('globs, list files, duplicates and mistakes', () => {
  assert.deepEqual(rel(expandModels(['c/**/*.h5'], tmp).models), ['c/encode/ctcf/16_G_bestmodel_weights.h5', 'c/encode/rest/16_G_bestmodel_weights.h5', 'c/pair/a.h5', 'c/pair/b.h5']);
  assert.deepEqual(rel(expandModels(['c/pair/*.h5'], tmp).models), ['c/pair/a.h5', 'c/pair/b.h5']);
  // A list: paths and globs relative to the list's folder, comments and blank lines skipped.
  touch('c/list.txt', '# models\npair/b.h5\n\n  lone.onnx  \nencode/*\npair/b.h5\n');
  for (const arg of ['@c/list.txt', 'c/list.txt']) assert.deepEqual(rel(expandModels([arg], tmp).models), ['c/encode/ctcf', 'c/encode/rest', 'c/lone.onnx', 'c/pair/b.h5']);
  // The same model named twice (directly and by a glob) runs once.
  assert.equal(expandModels(['c/pair/a.h5', 'c/pair/*.h5'], tmp).models.length, 2);
  assert.throws(() => expandModels(['c/nope.h5'], tmp), { message: 'c/nope.h5: no such file' });
  assert.throws(() => expandModels(['c/*.keras'], tmp), { message: 'c/*.keras: no model file matches' });
  touch('empty/readme.txt.md');
  assert.throws(() => expandModels(['empty'], tmp), { message: 'empty: no model files in this folder or below (.onnx, .keras, .h5, .hdf5 or model.json)' });
  touch('c/bad.list', 'pair/a.h5\nmissing.h5\n');
  assert.throws(() => expandModels(['@c/bad.list'], tmp), { message: 'c/bad.list: missing.h5: no such file' });
  touch('c/nested.lst', '@list.txt\n');
  assert.throws(() => expandModels(['c/nested.lst'], tmp), /lists another list/);
});

test('result names: the model file or folder; same names told apart by the nearest differing folders; -2 for what is left', () => {
  const names = (ps: string[], folders: number[] = []) => resultNames(ps, (i) => folders.includes(i));
  assert.deepEqual(names(['/m/ctcf.h5', '/m/rest.onnx', '/m/foxa1/model.json']), ['ctcf', 'rest', 'foxa1']);
  // ENCODE layout given as files: the shared file name says nothing, the folders do.
  assert.deepEqual(names(['/e/ctcf-gm12878/16_G_bestmodel_weights.h5', '/e/rest-gm12878/16_G_bestmodel_weights.h5']), ['ctcf-gm12878', 'rest-gm12878']);
  // Model folders with the same name: the folders above them are added.
  assert.deepEqual(names(['/runs/1/ctcf', '/runs/2/ctcf'], [0, 1]), ['1-ctcf', '2-ctcf']);
  assert.deepEqual(names(['/x/run/a/model.json', '/y/run/a/model.json']), ['x-run-a', 'y-run-a']);
  // Case is ignored (macOS, Windows); names no folder tells apart get -2.
  assert.deepEqual(names(['/m/Net.h5', '/m/net.onnx']), ['Net', 'net-2']);
  assert.deepEqual(names(['/a/m/x.h5', '/b/m/x.h5', '/b/m/X.onnx']), ['x', 'x-2', 'X-3']);
  assert.equal(safeName('../a b/c\u0000'), 'a_b_c_');
  assert.equal(safeName('.hidden'), 'hidden');
});

test('shards: I of N takes positions I, I+N, …; together they cover every model once', () => {
  assert.deepEqual(parseShard('2/8'), { index: 2, count: 8 });
  for (const bad of ['0/2', '3/2', '1/0', 'x', '1-2']) assert.throws(() => parseShard(bad), /--shard expects I\/N/);
  const positions = Array.from({ length: 11 }, (_, i) => i + 1);
  const shards = [1, 2, 3].map((index) => positions.filter((p) => inShard(p, { index, count: 3 })));
  assert.deepEqual(shards, [[1, 4, 7, 10], [2, 5, 8, 11], [3, 6, 9]]);
  const plan = planBatch(['c'], { outDir: 'out', shard: '2/2', notebooks: true, cwd: tmp });
  assert.equal(plan.collectionSize, 6);
  assert.deepEqual(plan.models.map((m) => [m.name, m.position]), [['rest', 2], ['a', 4], ['tfjs', 6]]);
  assert.equal(plan.models[0].json, path.join(tmp, 'out', 'rest.json'));
  assert.equal(plan.models[0].notebook, path.join(tmp, 'out', 'rest.ipynb'));
  touch('blocker', 'a file');
  assert.throws(() => planBatch(['c'], { outDir: 'blocker/out', notebooks: false, cwd: tmp }), /blocker\/out\/\.deepresolve-batch: cannot write the results \(--out-dir\): a path under a file/);
});

test('default jobs: one per core, as many as 80 % of the free memory holds', () => {
  const models = [touch('sizes/small.h5', 'x'.repeat(1000))];
  assert.equal(defaultJobs(models, { cores: 2, freeBytes: 8 * 2 ** 30 }), 1, 'never more than the models');
  const two = [...models, touch('sizes/other.h5')];
  assert.equal(defaultJobs(two, { cores: 2, freeBytes: 8 * 2 ** 30 }), 2);
  // 250 MB + 5 × 1000 bytes each: 400 MB free holds one (0.8 × 400 = 320 MB).
  assert.equal(defaultJobs(two, { cores: 2, freeBytes: 400 * 2 ** 20 }), 1);
  assert.equal(defaultJobs(two, { cores: 2, freeBytes: 10 }), 1, 'at least one');
  assert.equal(workersPerJob(2, 2), 1);
  assert.equal(workersPerJob(1, 2), 0);
  assert.equal(workersPerJob(2, 8), 4);
});

test('provenance: model files with their partners, read back from the end of the file; current, changed, other model', () => {
  const dir = path.join(tmp, 'prov');
  const json = touch('prov/m/model.json', JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['w1.bin', 'w2.bin'] }] }));
  touch('prov/m/w1.bin', 'one');
  touch('prov/m/w2.bin', 'two');
  assert.deepEqual(modelFiles(path.join(dir, 'm')), [json, path.join(dir, 'm', 'w1.bin'), path.join(dir, 'm', 'w2.bin')].sort());
  const inputs = { settings: { restarts: 3 }, motifs: 'none' };
  const p = provenanceOf(path.join(dir, 'm'), inputs);
  assert.equal(p.modelFiles[1].sha256, sha256File(path.join(dir, 'm', 'w1.bin')));
  assert.equal(p.modelFiles[1].sha256, '7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed', 'SHA-256 of "one"');
  const analysis = analysisOf(inputs);
  assert.equal((analysis.settings as Record<string, unknown>).restarts, 3);
  assert.equal((analysis.settings as Record<string, unknown>).l2, 2.8, 'defaults filled in');
  assert.ok(!('workers' in (analysis.settings as object)), 'the thread count does not change the numbers');
  const result = path.join(dir, 'out', 'm.json');
  // A large document before it: read from the tail only.
  writeJsonAtomic(result, { schemaVersion: '1.1', big: Array.from({ length: 300_000 }, (_, i) => i), provenance: p });
  assert.ok(fs.statSync(result).size > 1 << 20);
  assert.equal(canonicalJson(readProvenance(result)), canonicalJson(p));
  assert.deepEqual(currency(result, path.join(dir, 'm'), analysis), { current: true });
  // Touched without changing: still current (content compared when size or time differ).
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(path.join(dir, 'm', 'w2.bin'), later, later);
  assert.deepEqual(currency(result, path.join(dir, 'm'), analysis), { current: true });
  assert.deepEqual(currency(result, path.join(dir, 'm'), analysisOf({ ...inputs, settings: { restarts: 3, seed: 4 } })), { current: false, why: 'settings', detail: 'settings.seed: 0 → 4' });
  fs.writeFileSync(path.join(dir, 'm', 'w2.bin'), 'retrained');
  assert.deepEqual(currency(result, path.join(dir, 'm'), analysis), { current: false, why: 'model', detail: 'the model file changed' });
  // A different model at another place whose result name is the same: not silently replaced.
  touch('prov/other/model.json', JSON.stringify({ modelTopology: { other: 1 }, weightsManifest: [] }));
  assert.deepEqual(currency(result, path.join(dir, 'other'), analysis), { current: false, why: 'other-model', detail: p.modelFiles[0].path });
  assert.deepEqual(currency(path.join(dir, 'out', 'none.json'), path.join(dir, 'm'), analysis), { current: false, why: 'new' });
});

test('factors file: mappings by pattern, families by name or pattern, heterodimer parts, one-line refusals', () => {
  const map = parseFactors('# encode\nctcf-*  CTCF\n*foxa1*\tFOXA1\nrest-gm12878 REST,NRSF\nCTCF ~ CTCFL\nFOXA1 ~ FOX*  \n', 'f.txt');
  assert.deepEqual(factorsFor(map, ['ctcf-gm12878']), ['CTCF']);
  assert.deepEqual(factorsFor(map, ['x', '/data/models/FOXA1-A549/model.h5']), [], 'a * does not cross folders of a path');
  assert.deepEqual(factorsFor(map, ['x', '/data/models/my-foxa1']), ['FOXA1'], 'the last part of a path is tried too');
  assert.deepEqual(factorsFor(map, ['rest-gm12878']), ['REST', 'NRSF']);
  assert.deepEqual(factorsFor(map, ['gata1']), []);
  assert.equal(motifIsFactor(map, 'CTCFL', ['CTCF']), true);
  assert.equal(motifIsFactor(map, 'ctcf', ['CTCF']), true);
  assert.equal(motifIsFactor(map, 'FOXC2', ['FOXA1']), true);
  assert.equal(motifIsFactor(map, 'Foxl2', ['FOXA1']), true);
  assert.equal(motifIsFactor(map, 'FOXO1::ELK1', ['FOXA1']), true);
  assert.equal(motifIsFactor(map, 'ZNF768', ['FOXA1']), false);
  assert.equal(motifIsFactor(map, 'REST', ['CTCF']), false);
  assert.equal(motifIsFactor(undefined, 'CTCFL', ['CTCF']), false, 'no family without the file saying so');
  assert.throws(() => parseFactors('ctcf-*\n', 'f.txt'), { message: /^f\.txt:1: expected 'PATTERN FACTOR/ });
  assert.throws(() => parseFactors('CTCF ~\n', 'f.txt'), { message: /^f\.txt:1: a family line/ });
  assert.throws(() => parseFactors('CTCF ~ CTCFL\n', 'f.txt'), /no 'PATTERN FACTOR' line/);
});

function row(model: string, rank05: number | null, extra: Partial<SummaryRow> = {}): SummaryRow {
  const recovered = rank05 === null && extra.factors?.length === 0 ? null : { q05: [1, 3, 5].map((r) => rank05 !== null && rank05 <= r), q50: [true, true, true] };
  return {
    model,
    class: 'c',
    classIndex: 0,
    classes: 1,
    factors: ['CTCF'],
    top: [{ feature: 'filter 1', index: 1, ofiv: 1, motif: 'CTCF', motifId: 'MA0139.2', q: 0.01 }],
    factorRank: { q05: rank05, q50: 1 },
    recovered,
    nonAdditive: 0,
    negative: 0,
    layer: 'l',
    restarts: 1,
    motifsMatched: true,
    result: `${model}.json`,
    modelPath: model,
    ...extra,
  };
}

test('summary table: sorts (nulls last, stable), filters by words and recovery, links only relative paths', () => {
  const rows = [row('b', 4), row('a', null), row('c', 1), row('d', null, { factors: [], recovered: null, top: [{ feature: 'filter 2', index: 2, ofiv: 1, motif: 'GATA1', q: 0.2 }] })];
  assert.deepEqual(sortRows(rows, 'model', 'asc').map((r) => r.model), ['a', 'b', 'c', 'd']);
  assert.deepEqual(sortRows(rows, 'rank05', 'asc').map((r) => r.model), ['c', 'b', 'a', 'd']);
  assert.deepEqual(sortRows(rows, 'rank05', 'desc').map((r) => r.model), ['b', 'c', 'a', 'd']);
  assert.deepEqual(filterRows(rows, '', 'recovered').map((r) => r.model), ['c']);
  assert.deepEqual(filterRows(rows, '', 'missed').map((r) => r.model), ['b', 'a']);
  assert.deepEqual(filterRows(rows, '', 'no-factor').map((r) => r.model), ['d']);
  assert.deepEqual(filterRows(rows, 'gata1 FILTER').map((r) => r.model), ['d']);
  assert.equal(relativeHref('../out/my model#1.ipynb'), '../out/my%20model%231.ipynb');
  assert.equal(relativeHref('javascript:alert(1)'), 'javascript%3Aalert(1)');
  assert.equal(isSafeHref(relativeHref('javascript:alert(1)')), true, 'encoded: a relative file name, no scheme');
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', '//evil.com/x', 'a b']) assert.equal(isSafeHref(bad), false, bad);
});

test('TSV cells: one visible line, spreadsheet formulas defused, numbers as numbers', () => {
  assert.equal(tsvCell('a\tb\nc'), 'a b c');
  assert.equal(tsvCell('=HYPERLINK("x")'), `'=HYPERLINK("x")`);
  assert.equal(tsvCell('\u001b[31mred'), '\ufffd[31mred');
  assert.equal(tsvCell(-0.5), '-0.5');
  assert.equal(tsvCell(undefined), '');
  assert.equal(tsvCell(NaN), '');
});

test('batch progress line: models, failures, kept ones, the running ones, time left', () => {
  const p = { pairsDone: 3, pairsTotal: 10, fraction: 0.42, active: 2, chunkSize: 2, elapsedSeconds: 30, etaSeconds: 75 };
  const batch = { total: 10, done: 1, skipped: 1, failed: 1, running: [{ name: 'ctcf-gm12878', fraction: 0.4 }, { name: 'evil\u001b[2J', fraction: 0.05 }] };
  const message = (x: BatchProgress) => progressMessage(x);
  assert.equal(message({ ...p, batch }), '42% — 3 of 10 models done (1 failed, 1 current, skipped), running ctcf-gm12878 (40%), evil\ufffd[2J (5%), about 1 min 15 s left');
  assert.equal(message({ ...p, etaSeconds: null, batch: { ...batch, running: [] } }), '42% — 3 of 10 models done (1 failed, 1 current, skipped), estimating time left');
  assert.equal(message({ ...p, fraction: 1, batch: { total: 2, done: 2, skipped: 0, failed: 0, running: [] } }), '100% — 2 of 2 models done');
});

test('labels and motif files every model reads are checked once, before the batch', () => {
  assert.throws(() => checkSharedInputs({ settings: {}, labelsFile: path.join(tmp, 'no-labels.txt') }), { message: `${path.join(tmp, 'no-labels.txt')}: no such file` });
  assert.throws(() => checkSharedInputs({ settings: {}, motifs: 'jaspar,mine.meme', motifsBase: tmp }), { message: `${path.join(tmp, 'mine.meme')}: no such motif file` });
  assert.throws(() => checkSharedInputs({ settings: {}, motifs: 'none,jaspar' }), { message: '--motifs none cannot be combined with other collections' });
  checkSharedInputs({ settings: {}, motifs: 'jaspar' });
  checkSharedInputs({ settings: {}, motifs: 'none' });
});
