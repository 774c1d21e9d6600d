/**
 * Batches through the real CLI (dist/cli.js) over the three ENCODE models of test/fixtures/keras1
 * and small synthetic models written here, with one broken file: results equal single runs, shards
 * split the collection, a rerun keeps current results and redoes changed ones, a SIGKILLed batch
 * resumes without redoing what finished, and summarize tabulates the results (the ENCODE models
 * find their factors: CTCF and REST at rank ≤ 3 with q ≤ 0.05, FOXA1 a forkhead motif).
 *
 * Settings: 4 restarts, at most 1000 iterations, cpu backend (the ENCODE heads converge in about a
 * hundred iterations; the factor ranks were the same with 1–4 restarts, 50–1000 iterations and
 * seeds 0–2, docs/results-schema.md "summary TSV").
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load';
import { resolveFeatures } from '../../src/engine/resolve';
import type { Results } from '../../src/engine/results';
import { readResults, resultsFiles } from '../../src/engine/results-file';
import { writeFilesAtomic } from '../../src/engine/write-atomic';
import { annotateWith, motifLibrary } from '../../src/notebook/motif-files';
import { SUMMARY_MIME, TSV_COLUMNS } from '../../renderers/summary-data';
import { handHeadModel, linearHeadModel, batchNormCnn } from '../helpers/models';
import { saveTfjsModel } from '../helpers/tfjs-save';
import { kerasJson, layerWeights, writeKerasH5 } from '../helpers/write-models';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const encode = path.join(root, 'test/fixtures/keras1');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-batch-'));
const synth = path.join(work, 'synth');
const cacheDir = path.join(work, 'cache');
const SETTINGS = ['--restarts', '4', '--max-iter', '1000', '--backend', 'cpu'];
const ENCODE_NAMES = ['ctcf-gm12878', 'foxa1-a549', 'rest-gm12878'];
const SYNTH_NAMES = ['cnn', 'hand', 'linear'];
const ALL_NAMES = [...ENCODE_NAMES, ...SYNTH_NAMES, 'broken'].sort();
const BROKEN = path.join(synth, 'broken.h5');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, DEEPRESOLVE_CACHE_DIR: cacheDir } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** "[i/n] status name …" lines of a batch's stdout, as {name: status}. */
function statuses(stdout: string): Record<string, string> {
  return Object.fromEntries([...stdout.matchAll(/^\[\d+\/\d+\] (\w+) +(\S+)/gm)].map((m) => [m[2], m[1]]));
}

const read = (file: string) => readResults(file);

/** A result as it reads back from its files (float32 numbers, sd from variance): what a batch's file holds. */
function onDisk(r: Results): Results {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-ondisk-')), 'r.json');
  writeFilesAtomic(resultsFiles(r, file));
  return readResults(file);
}

/** What must be the same in two runs of one model: the numbers, names and matches (not times, threads, paths of output). */
/** A result without what depends on the threads it ran on (a batch job runs on one) or on the clock: the same numbers either way. */
function comparable(r: Results) {
  const { workers: _w, ...settings } = r.settings;
  const notes = r.notes.map((n) => n.replace(/ \(\d+ threads?\)/, '').replace(/, in [\d.]+ s\b/, ''));
  return { settings, model: r.model, features: r.features, featureOrder: r.featureOrder, classes: r.classes, similarity: r.similarity, backend: r.backend, notes };
}

before(async () => {
  // npm test builds first; a lone run of this file builds if needed.
  if (!fs.existsSync(path.join(root, 'dist/batch-child.js'))) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  await useBackend('cpu');
  await saveTfjsModel(linearHeadModel(3), path.join(synth, 'linear'));
  await saveTfjsModel(handHeadModel(4, { w: [[1, 0], [0, 1], [1, 1], [0, 0]], b: [0, 0] }, { w: [[1], [-1]], b: [0] }), path.join(synth, 'hand'));
  const cnn = batchNormCnn();
  await writeKerasH5(path.join(synth, 'cnn.h5'), layerWeights(cnn), { full: true, architecture: kerasJson(cnn) });
  fs.writeFileSync(BROKEN, Buffer.from('this is not an HDF5 file, it only has the extension'));
});

test('a batch over the ENCODE and synthetic models: one result each, equal to single runs; the broken model is one line, the rest complete, exit code 1', async () => {
  const out = path.join(work, 'all');
  const r = run(['resolve', encode, synth, '--out-dir', out, '--jobs', '2', ...SETTINGS]);
  assert.equal(r.code, 1, `one model failed: exit code 1\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^Batch: 7 models, 2 at once, 1 thread each → /);
  const s = statuses(r.stdout);
  assert.deepEqual(Object.keys(s).sort(), ALL_NAMES);
  for (const name of [...ENCODE_NAMES, ...SYNTH_NAMES]) assert.equal(s[name], 'done', name);
  assert.equal(s.broken, 'failed');
  // The failure: exactly one line on stderr, naming the file and the cause, no stack trace.
  assert.equal(r.stderr, `deepresolve: ${BROKEN}: not an HDF5 or zip file despite its extension (corrupt or truncated?)\n`);
  assert.match(r.stdout, /7 models: 6 done, 0 current \(skipped\), 1 failed in [\d.]+ s; results in /);
  assert.deepEqual(fs.readdirSync(out).sort(), [...ENCODE_NAMES, ...SYNTH_NAMES].flatMap((n) => [`${n}.ipynb`, `${n}.json`, `${n}.npz`]).sort());

  // Single runs of two models through the CLI: the same numbers, and the same provenance.
  for (const [name, model] of [['ctcf-gm12878', path.join(encode, 'ctcf-gm12878')], ['linear', path.join(synth, 'linear')]]) {
    const single = path.join(work, `single-${name}.json`);
    const one = run(['resolve', model, '--out', single, ...SETTINGS]);
    assert.equal(one.code, 0, one.stderr);
    const batch = read(path.join(out, `${name}.json`));
    assert.deepEqual(comparable(batch), comparable(read(single)), name);
    assert.deepEqual(batch.provenance, read(single).provenance, `${name}: provenance`);
    assert.equal(Object.keys(batch).at(-1), 'provenance', 'provenance is the last key (a resume reads the end of the file)');
  }
  // The others against the engine run in this process.
  const library = motifLibrary('jaspar');
  for (const [name, model] of [['foxa1-a549', path.join(encode, 'foxa1-a549')], ['rest-gm12878', path.join(encode, 'rest-gm12878')], ['hand', path.join(synth, 'hand')], ['cnn', path.join(synth, 'cnn.h5')]]) {
    const loaded = await loadModel(model);
    const expected = annotateWith(await resolveFeatures({ loaded, settings: { restarts: 4, maxIter: 1000, backend: 'cpu' } }), library);
    loaded.model.dispose();
    assert.deepEqual(comparable(read(path.join(out, `${name}.json`))), comparable(onDisk(expected)), name);
  }
  const files = read(path.join(out, 'linear.json')).provenance!.modelFiles.map((f) => path.relative(synth, f.path));
  assert.deepEqual(files, ['linear/model.json', 'linear/weights.bin'], 'a TF.js model is its model.json and its shards');
  // Each model's notebook shows its own views.
  const nb = JSON.parse(fs.readFileSync(path.join(out, 'rest-gm12878.ipynb'), 'utf8'));
  assert.ok(nb.cells.some((c: { outputs?: { data: Record<string, unknown> }[] }) => c.outputs?.some((o) => 'application/vnd.deepresolve.result+json' in o.data)));

  // summarize: the factors, their families, the counts and the TSV columns.
  const factors = path.join(work, 'factors.txt');
  fs.writeFileSync(factors, '# ENCODE experiments\nctcf-*  CTCF\nfoxa1-*  FOXA1\nrest-*  REST\nCTCF ~ CTCFL\nFOXA1 ~ FOX*\n');
  const sum = run(['summarize', out, '--factors', factors, '--notebook', path.join(work, 'report', 'summary.ipynb')]);
  assert.equal(sum.code, 0, sum.stderr);
  const tsv = fs.readFileSync(path.join(out, 'summary.tsv'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
  const header = tsv[0];
  assert.deepEqual(header.slice(0, 9), ['model', 'class', 'classes', 'factor', 'top1_feature', 'top1_ofiv', 'top1_motif', 'top1_motif_id', 'top1_q']);
  assert.deepEqual(header.slice(29), ['factor_rank_q05', 'factor_rank_q50', 'rank1_q05', 'rank3_q05', 'rank5_q05', 'rank1_q50', 'rank3_q50', 'rank5_q50', 'non_additive', 'negative', 'layer', 'restarts', 'result', 'model_path']);
  assert.deepEqual(header, TSV_COLUMNS.map((c) => c.name));
  const rows = tsv.slice(1).map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]])));
  // One row per model and class: linear has 3 classes, the others 1.
  assert.deepEqual(rows.map((x) => x.model), ['cnn', 'cnn', 'cnn', 'ctcf-gm12878', 'foxa1-a549', 'hand', 'linear', 'linear', 'linear', 'rest-gm12878']);
  const byModel = (m: string) => rows.find((x) => x.model === m)!;
  // The factor's rank, computed here from the result: features by OFIV, the first whose stored
  // matches include the factor (or its family) at q ≤ 0.05.
  const rankOf = (name: string, isFactor: (motif: string) => boolean, q: number) => {
    const res = read(path.join(out, `${name}.json`));
    const ofiv = res.classes[0].ofiv;
    const order = ofiv.map((_, k) => k).sort((a, b) => ofiv[b] - ofiv[a] || a - b);
    const at = order.findIndex((k) => (res.features[k].matches ?? []).some((m) => m.qValue <= q && isFactor(m.name)));
    return at < 0 ? null : at + 1;
  };
  const ctcfRank = rankOf('ctcf-gm12878', (m) => /^CTCFL?$/i.test(m), 0.05)!;
  const restRank = rankOf('rest-gm12878', (m) => /^REST$/i.test(m), 0.05)!;
  const foxRank = rankOf('foxa1-a549', (m) => m.split('::').some((p) => /^fox/i.test(p)), 0.05)!;
  assert.ok(ctcfRank <= 3 && restRank <= 3 && foxRank <= 3, `ranks ${ctcfRank} ${restRank} ${foxRank}`);
  assert.equal(byModel('ctcf-gm12878').factor, 'CTCF');
  assert.equal(byModel('ctcf-gm12878').factor_rank_q05, String(ctcfRank));
  assert.equal(byModel('rest-gm12878').factor_rank_q05, String(restRank));
  assert.equal(byModel('foxa1-a549').factor_rank_q05, String(foxRank));
  assert.equal(byModel('ctcf-gm12878').rank3_q05, 'yes');
  assert.equal(byModel('rest-gm12878').rank3_q05, 'yes');
  assert.equal(byModel('foxa1-a549').rank3_q05, 'yes');
  // Measured: filter 7 (CTCF MA0139.2, q 0.023), filter 4 (FOXC2, forkhead, q 1.2e-7), filter 7 (REST, q 5.7e-10) rank first.
  assert.deepEqual([byModel('ctcf-gm12878').top1_feature, byModel('ctcf-gm12878').top1_motif], ['filter 7', 'CTCF']);
  assert.match(byModel('foxa1-a549').top1_motif, /^FOX/);
  assert.deepEqual([byModel('rest-gm12878').top1_feature, byModel('rest-gm12878').top1_motif], ['filter 7', 'REST']);
  // The TSV's values are the result's: the top feature's OFIV and the best match's q.
  const ctcf = read(path.join(out, 'ctcf-gm12878.json'));
  assert.equal(Number(byModel('ctcf-gm12878').top1_ofiv), Number(ctcf.classes[0].ofiv[7].toPrecision(4)));
  assert.equal(Number(byModel('ctcf-gm12878').top1_q), Number(ctcf.features[7].matches![0].qValue.toPrecision(3)));
  assert.equal(byModel('ctcf-gm12878').non_additive, String(ctcf.classes[0].nonAdditive.length));
  // Synthetic models have no factor: asked nothing.
  assert.equal(byModel('hand').factor, '');
  assert.equal(byModel('hand').rank1_q05, '');
  // The counts over all models: 3 of the 3 with a factor recover it within the top 3 at q ≤ 0.05.
  const expected05 = [1, 3, 5].map((k) => [ctcfRank, foxRank, restRank].filter((x) => x <= k).length);
  assert.match(sum.stdout, new RegExp(`6 results, 10 rows \\(model × class\\) in `));
  assert.match(sum.stdout, new RegExp(`q ≤ 0\\.05: top 1 ${expected05[0]} \\(\\d+%\\), top 3 3 \\(100%\\), top 5 3 \\(100%\\)`));
  assert.match(sum.stdout, /7 rows without a factor \(no --factors line matches\)/);
  assert.match(sum.stdout, /JASPAR 2024 \(CC BY 4\.0\)/);
  // The notebook: the table view with every row linking to the model's notebook, relative to the notebook.
  const summaryNb = JSON.parse(fs.readFileSync(path.join(work, 'report', 'summary.ipynb'), 'utf8'));
  const outputs = summaryNb.cells.flatMap((c: { outputs?: { data: Record<string, unknown> }[] }) => c.outputs ?? []);
  const payload = outputs.find((o: { data: Record<string, unknown> }) => SUMMARY_MIME in o.data).data[SUMMARY_MIME];
  assert.equal(payload.rows.length, 10);
  assert.deepEqual(payload.counts.recovered.q05, expected05);
  for (const row of payload.rows) {
    assert.equal(row.link, `../all/${row.model}.ipynb`);
    assert.ok(fs.existsSync(path.join(work, 'report', decodeURIComponent(row.link))));
  }
  assert.ok(outputs.some((o: { data: Record<string, unknown> }) => String((o.data['image/svg+xml'] as string[] | undefined)?.join('') ?? '').startsWith('<svg')), 'the recovery chart as SVG');
  assert.match(String(outputs[0].data['text/html'].join('')), /<a href="\.\.\/all\/ctcf-gm12878\.ipynb">ctcf-gm12878<\/a>/);
});

test('--shard 1/2 and 2/2 cover every model once; a rerun keeps current results and redoes a changed model or setting', () => {
  const out = path.join(work, 'sharded');
  const first = run(['resolve', encode, synth, '--out-dir', out, '--shard', '1/2', '--no-notebooks', ...SETTINGS]);
  const second = run(['resolve', encode, synth, '--out-dir', out, '--shard', '2/2', '--no-notebooks', ...SETTINGS]);
  const a = Object.keys(statuses(first.stdout));
  const b = Object.keys(statuses(second.stdout));
  assert.match(first.stdout, /^Batch: 4 models \(shard 1\/2 of 7\)/);
  assert.match(second.stdout, /^Batch: 3 models \(shard 2\/2 of 7\)/);
  assert.deepEqual([...a, ...b].sort(), ALL_NAMES, 'together: every model');
  assert.equal(a.filter((n) => b.includes(n)).length, 0, 'no model in both');
  // The sorted collection alternates between the shards.
  const sorted = [path.join(encode, 'ctcf-gm12878'), path.join(encode, 'foxa1-a549'), path.join(encode, 'rest-gm12878'), BROKEN, path.join(synth, 'cnn.h5'), path.join(synth, 'hand'), path.join(synth, 'linear')].sort();
  const nameOf: Record<string, string> = { [BROKEN]: 'broken', [path.join(synth, 'cnn.h5')]: 'cnn' };
  const expectedFirst = sorted.filter((_, i) => i % 2 === 0).map((p) => nameOf[p] ?? path.basename(p));
  assert.deepEqual(a.sort(), expectedFirst.sort());
  assert.equal((first.code ?? 0) + (second.code ?? 0), 1, 'the broken model fails in one of them');

  const times = () => Object.fromEntries(fs.readdirSync(out).filter((f) => f.endsWith('.json')).map((f) => [f, fs.statSync(path.join(out, f)).mtimeMs]));
  const before = times();
  const again = run(['resolve', encode, synth, '--out-dir', out, '--no-notebooks', ...SETTINGS]);
  assert.equal(again.code, 1);
  const s = statuses(again.stdout);
  for (const name of [...ENCODE_NAMES, ...SYNTH_NAMES]) assert.equal(s[name], 'skipped', name);
  assert.match(again.stdout, /current result kept/);
  assert.match(again.stdout, /7 models: 0 done, 6 current \(skipped\), 1 failed/);
  assert.deepEqual(times(), before, 'no result rewritten');

  // Retrained: the hand model's weights change; only it is redone.
  const weights = path.join(synth, 'hand', 'weights.bin');
  const bytes = fs.readFileSync(weights);
  bytes[0] ^= 0x40;
  fs.writeFileSync(weights, bytes);
  const changed = run(['resolve', encode, synth, '--out-dir', out, '--no-notebooks', ...SETTINGS]);
  const c = statuses(changed.stdout);
  assert.equal(c.hand, 'done');
  assert.match(changed.stdout, /hand +\d+ class, [\d.]+ s, redone: the model changed/);
  for (const name of [...ENCODE_NAMES, 'cnn', 'linear']) assert.equal(c[name], 'skipped', name);
  // Another seed: redone, and the line says which setting changed.
  const seeded = run(['resolve', path.join(synth, 'linear'), '--out-dir', out, '--no-notebooks', ...SETTINGS, '--seed', '1']);
  assert.equal(seeded.code, 0, seeded.stderr);
  assert.match(seeded.stdout, /linear +3 classes, [\d.]+ s, redone: settings changed \(settings\.seed: 0 → 1\)/);
  assert.equal(read(path.join(out, 'linear.json')).settings.seed, 1);
  // --force redoes a current one.
  assert.match(run(['resolve', path.join(synth, 'linear'), '--out-dir', out, '--no-notebooks', ...SETTINGS, '--seed', '1', '--force']).stdout, /redone \(--force\)/);
  // One file per model: --out and --notebook are refused in a batch, in one line.
  const refused = run(['resolve', encode, '--out', 'x.json']);
  assert.equal(refused.code, 1);
  assert.equal(refused.stderr, 'deepresolve: --out names one results file; with several models use --out-dir DIR (one NAME.json per model)\n');
});

/** Process ids of the batch processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid && fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('batch-child');
      } catch {
        return false;
      }
    })
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a batch killed with SIGKILL resumes: finished models are kept, the rest are done, its model processes leave', async () => {
  const out = path.join(work, 'killed');
  const args = [cli, 'resolve', encode, path.join(synth, 'hand'), path.join(synth, 'linear'), '--out-dir', out, '--jobs', '1', ...SETTINGS];
  const child = spawn(process.execPath, args, { cwd: work, env: { ...process.env, DEEPRESOLVE_CACHE_DIR: cacheDir }, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  // Kill as soon as the first result is there (checked every 20 ms).
  let batchChildren: number[] = [];
  const deadline = Date.now() + 120_000;
  while (!(fs.existsSync(out) && fs.readdirSync(out).some((f) => f.endsWith('.json')))) {
    assert.ok(Date.now() < deadline, 'the batch wrote no result');
    batchChildren = childrenOf(child.pid!).length ? childrenOf(child.pid!) : batchChildren;
    await new Promise((r) => setTimeout(r, 20));
  }
  batchChildren = [...new Set([...batchChildren, ...childrenOf(child.pid!)])];
  child.kill('SIGKILL');
  await exited;
  assert.ok(batchChildren.length >= 1, 'the batch ran its models in a process of their own');
  // Its model process notices that the batch is gone and leaves (it does not keep analysing).
  for (let i = 0; i < 500 && batchChildren.some(alive); i++) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(batchChildren.filter(alive), [], 'no orphan left');

  const finished = fs.readdirSync(out).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
  assert.ok(finished.length >= 1 && finished.length < 5, `killed mid-batch (${finished.length} of 5 finished)`);
  const kept = Object.fromEntries(finished.map((n) => [n, read(path.join(out, `${n}.json`)).createdAt]));
  const resumed = run(['resolve', encode, path.join(synth, 'hand'), path.join(synth, 'linear'), '--out-dir', out, '--jobs', '1', ...SETTINGS]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const s = statuses(resumed.stdout);
  for (const n of finished) assert.equal(s[n], 'skipped', `${n} finished before the kill`);
  for (const n of [...ENCODE_NAMES, 'hand', 'linear'].filter((x) => !finished.includes(x))) assert.equal(s[n], 'done', n);
  for (const n of finished) assert.equal(read(path.join(out, `${n}.json`)).createdAt, kept[n], `${n} not redone`);
  assert.equal(fs.readdirSync(out).filter((f) => f.endsWith('.json')).length, 5);
});
