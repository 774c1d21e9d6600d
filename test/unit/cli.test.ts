import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { linearHeadModel } from '../helpers/models';
import { saveTfjsModel } from '../helpers/tfjs-save';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-cli-'));
// The CLI keeps Gram matrices in a cache folder: a private one here, not the user's.
const cacheDir = path.join(work, 'cache');
let modelJson = '';

before(async () => {
  // npm test builds first; a lone run of this file builds if needed.
  if (!fs.existsSync(cli)) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  await useBackend('cpu');
  modelJson = await saveTfjsModel(linearHeadModel(3), path.join(work, 'model'));
});

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, DEEPRESOLVE_CACHE_DIR: cacheDir } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('resolve writes a results document with the schema names other tools rely on', () => {
  const out = path.join(work, 'r.json');
  const r = run('resolve', modelJson, '--restarts', '2', '--backend', 'cpu', '--out', out);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'quiet when stderr is not a terminal');
  const results = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(results.schemaVersion, '3.0');
  assert.equal(results.arrays.file, 'r.npz', 'the per-restart arrays are in r.npz beside it');
  assert.deepEqual(results.arrays.entries.fiv, { dtype: 'float32', shape: [3, 2, 3] });
  assert.ok(fs.existsSync(path.join(work, 'r.npz')));
  assert.equal(results.backend, 'cpu');
  assert.equal(results.settings.restarts, 2);
  assert.deepEqual(results.model.layer, { name: 'conv', index: 0, className: 'Conv1D', shape: [16, 3], positions: 16, channels: 3 });
  assert.equal(results.features.length, 3);
  assert.equal(results.features[0].pwm.length, 5, 'first-layer filters of width 5 have PWMs');
  assert.equal(results.classes.length, 3);
  for (const c of results.classes) {
    for (const key of ['index', 'name', 'scores', 'ofiv', 'variance', 'gmmComponents', 'nonAdditive', 'onivNonAdditive']) assert.ok(key in c, key);
    assert.equal(c.onivNonAdditive.length, c.nonAdditive.length, 'ONIV where it can differ from OFIV (schema 3)');
    assert.equal(c.scores.length, 2);
    assert.ok(!('fiv' in c), 'per-restart FIVs are in the .npz');
  }
  assert.equal(results.similarity.method, 'pearson');
  assert.equal(results.similarity.matrix.length, 3);
  assert.equal(results.similarity.order.length, 3);
});

test('--notebook writes an nbformat 4 notebook whose outputs carry the result views and their fallbacks', () => {
  const nb = path.join(work, 'report', 'r.ipynb');
  const r = run('resolve', modelJson, '--restarts', '2', '--backend', 'cpu', '--out', path.join(work, 'r2.json'), '--notebook', nb);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Top features by OFIV/);
  const notebook = JSON.parse(fs.readFileSync(nb, 'utf8'));
  assert.equal(notebook.nbformat, 4);
  const outputs = notebook.cells.flatMap((c: { outputs?: { data: Record<string, unknown> }[] }) => c.outputs ?? []);
  assert.ok(outputs.length >= 2);
  // The data once: the dashboard's output carries it; the similarity cell is a picture and text.
  assert.ok('application/vnd.deepresolve.result+json' in outputs[0].data);
  assert.ok(!('application/vnd.deepresolve.result+json' in outputs[1].data));
  assert.equal(notebook.metadata.kernelspec.name, 'deepresolve');
  for (const o of outputs) {
    assert.match(String(o.data['image/svg+xml']), /^<svg/);
    assert.match(String(o.data['text/plain']), /DeepResolve/);
  }
});

test('--motifs: features with a PWM get known-motif matches from the shipped JASPAR; none turns it off; a bad file is one line', () => {
  const out = path.join(work, 'm.json');
  assert.equal(run('resolve', modelJson, '--restarts', '2', '--backend', 'cpu', '--out', out).code, 0);
  const annotated = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.ok(annotated.features.every((f: { matches?: unknown[] }) => Array.isArray(f.matches)));
  assert.ok(annotated.notes.some((n: string) => /879 motifs from JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac\.txt.*CC BY 4\.0|879 motifs.*JASPAR/.test(n)));
  assert.equal(run('resolve', modelJson, '--restarts', '2', '--backend', 'cpu', '--out', out, '--motifs', 'none').code, 0);
  assert.ok(JSON.parse(fs.readFileSync(out, 'utf8')).features.every((f: { matches?: unknown[] }) => f.matches === undefined));
  const bad = path.join(work, 'bad.meme');
  fs.writeFileSync(bad, 'MEME version 4\n\nMOTIF X\nletter-probability matrix: alength= 4 w= 2\n0.5 0.5 0\n');
  const r = run('resolve', modelJson, '--motifs', bad);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^deepresolve: .*bad\.meme:\d+: .*\n$/);
});

test('Gram matrices of heads that start with a dense layer are kept in the cache folder between runs', async () => {
  const { handHeadModel } = await import('../helpers/models');
  const dense = await saveTfjsModel(handHeadModel(4, { w: [[1, 0], [0, 1], [1, 1], [0, 0]], b: [0, 0] }, { w: [[1], [1]], b: [0] }), path.join(work, 'dense'));
  const out = path.join(work, 'd.json');
  assert.equal(run('resolve', dense, '--layer', 'pool', '--restarts', '2', '--backend', 'cpu', '--out', out, '--motifs', 'none').code, 0);
  // The pooled output (4 features) into 2 hidden units.
  const files = fs.readdirSync(cacheDir).filter((f) => f.startsWith('gram-4x2-'));
  assert.equal(files.length, 1);
  assert.equal(fs.statSync(path.join(cacheDir, files[0])).size, 2 * 2 * 4, 'a 2 × 2 float32 matrix');
  const before = fs.readFileSync(out, 'utf8');
  assert.equal(run('resolve', dense, '--layer', 'pool', '--restarts', '2', '--backend', 'cpu', '--out', out, '--motifs', 'none').code, 0);
  assert.deepEqual(JSON.parse(fs.readFileSync(out, 'utf8')).classes[0].ofiv, JSON.parse(before).classes[0].ofiv);
});

test('layers lists the layers and marks the default analysis layer', () => {
  const r = run('layers', modelJson);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[1], /^\* +0 +conv +Conv1D +\(16, 3\)$/);
  assert.match(lines[3], /^ +2 +out +Dense +\(3\)$/);
});

test('bad input: one line on stderr, non-zero exit, no stack trace', () => {
  const cases: [string[], RegExp][] = [
    [['resolve', 'missing.h5'], /^deepresolve: missing\.h5: no such file\n$/],
    [['resolve', modelJson, '--l2', '0'], /^deepresolve: --l2 must be > 0 \(got 0\)\n$/],
    [['resolve', modelJson, '--restarts', '0'], /^deepresolve: --restarts must be a whole number ≥ 1 \(got 0\)\n$/],
    [['resolve', modelJson, '--layer', 'dense9'], /^deepresolve: unknown layer 'dense9' \(layers: conv, flatten, out\)\n$/],
    [['resolve', modelJson, '--classes', '3'], /^deepresolve: class 3 is out of range: the model has 3 classes \(0-2\)\n$/],
    [['resolve', modelJson, '--restart', '3'], /^deepresolve: unknown option --restart for resolve \(did you mean --restarts\?\)\n$/],
    [['resolve', path.join(root, 'package.json')], /^deepresolve: .*package\.json: JSON file is neither a TF\.js model \(no modelTopology\) nor a Keras architecture/],
    [['frobnicate'], /^deepresolve: unknown command 'frobnicate'/],
    [['similarity'], /^deepresolve: unknown command 'similarity'; run 'deepresolve help'/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.code, 1, `${args.join(' ')}: exit ${r.code}`);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('help and version', () => {
  const r = run('help', 'resolve');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--restarts N/);
  assert.match(run('--version').stdout, /^\d+\.\d+\.\d+\n$/);
});

test('`deepresolve --version` as a command on PATH (what npm link makes) prints the package version', () => {
  // npm link puts a symlink named after package.json's bin on PATH; the shell then runs the file
  // itself, so it must be executable and start with a hashbang.
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.equal(pkg.bin.deepresolve, 'dist/cli.js');
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-bin-'));
  fs.symlinkSync(path.join(root, pkg.bin.deepresolve), path.join(bin, 'deepresolve'));
  const env = { ...process.env, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` };
  for (const flag of ['--version', '-V']) {
    const r = spawnSync('deepresolve', [flag], { cwd: work, encoding: 'utf8', env });
    assert.equal(r.status, 0, `deepresolve ${flag}: ${r.error ?? r.stderr}`);
    assert.equal(r.stdout, `${pkg.version}\n`);
  }
  fs.rmSync(bin, { recursive: true, force: true });
});
