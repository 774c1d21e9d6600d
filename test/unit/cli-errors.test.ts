/**
 * The CLI's refusals and failures as a user meets them: output paths refused before the model is
 * read, a failing --notebook that leaves the old results.json, and an internal error's one line.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { useBackend } from '../../src/engine/backend';
import { linearHeadModel } from '../helpers/models';
import { saveTfjsModel } from '../helpers/tfjs-save';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-cli-errors-'));
const cacheDir = path.join(work, 'cache');
const canMount = process.getuid?.() === 0 && spawnSync('unshare', ['-m', 'true']).status === 0;
let modelJson = '';

before(async () => {
  if (!fs.existsSync(path.join(root, 'dist/cli-main.js'))) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  await useBackend('cpu');
  modelJson = await saveTfjsModel(linearHeadModel(3), path.join(work, 'model'));
});

function run(args: string[], opts: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] } = {}) {
  const env = { ...process.env, DEEPRESOLVE_CACHE_DIR: cacheDir, DEEPRESOLVE_DEBUG: '', ...opts.env };
  const r = spawnSync(process.execPath, [...(opts.nodeArgs ?? []), cli, ...args], { cwd: work, encoding: 'utf8', env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A model path that does not exist: a refusal that names the output proves the model was not read first. */
const NO_MODEL = '/nonexistent/model.json';

test('output paths are refused before the model is read: one line, exit code 1, nothing written', () => {
  const file = path.join(work, 'a-file');
  fs.writeFileSync(file, 'x');
  const cases: [string[], string][] = [
    [['--out', path.join(file, 'r.json')], `${path.join(file, 'r.json')}: cannot write the results (--out): a path under a file (${file} is a file)`],
    [['--out', work], `${work}: cannot write the results (--out): it is a folder`],
    [['--out', '/proc/deepresolve.json'], '/proc/deepresolve.json: cannot write the results (--out): files cannot be created there'],
    [['--out', path.join(work, 'ok.json'), '--notebook', path.join(file, 'r.ipynb')], `${path.join(file, 'r.ipynb')}: cannot write the notebook (--notebook): a path under a file (${file} is a file)`],
    [['--out', 'same.json', '--notebook', path.join(work, 'same.json')], `${path.join(work, 'same.json')}: --out and --notebook name the same file`],
    // The .npz written beside --out is checked as early, and is not the notebook's name either.
    [['--out', path.join(work, 'model.json')], `${path.join(work, 'model.npz')}: cannot write the per-restart arrays beside --out: it is a folder`],
    [['--out', 'r.json', '--notebook', 'r.npz'], 'r.npz: --notebook names the per-restart arrays file that --out writes beside r.json'],
  ];
  fs.mkdirSync(path.join(work, 'model.npz'));
  for (const [options, message] of cases) {
    const r = run(['resolve', NO_MODEL, ...options]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `deepresolve: ${message}\n`);
    assert.equal(r.stdout, '');
  }
  // predict --out: the same check, before the model (and the FASTA file) are read.
  const predicted = run(['predict', NO_MODEL, '--fasta', 'none.fa', '--out', path.join(file, 'p.tsv')]);
  assert.equal(predicted.code, 1);
  assert.equal(predicted.stderr, `deepresolve: ${path.join(file, 'p.tsv')}: cannot write the predictions (--out): a path under a file (${file} is a file)\n`);
  assert.deepEqual(fs.readdirSync(work).sort(), ['a-file', 'model', 'model.npz']);
  // The same model path with a good output: now the model is what is refused.
  assert.equal(run(['resolve', NO_MODEL, '--out', path.join(work, 'ok.json')]).stderr, `deepresolve: ${NO_MODEL}: no such file\n`);
});

test('a read-only file system is refused before the model is read', { skip: !canMount && 'needs root and unshare -m' }, () => {
  const ro = path.join(work, 'ro');
  fs.mkdirSync(ro, { recursive: true });
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount -t tmpfs -o ro none "$0" && exec "$1" "$2" resolve "$3" --out "$0/r.json"', ro, process.execPath, cli, NO_MODEL], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `deepresolve: ${path.join(ro, 'r.json')}: cannot write the results (--out): read-only file system\n`);
});

test('a --notebook that cannot be written (full disk) leaves the old results.json and the old notebook', { skip: !canMount && 'needs root and unshare -m' }, () => {
  const results = path.join(work, 'keep', 'results.json');
  fs.mkdirSync(path.dirname(results), { recursive: true });
  fs.writeFileSync(results, '{"old":true}');
  const full = path.join(work, 'full');
  fs.mkdirSync(full, { recursive: true });
  // A 16 KB tmpfs: the old notebook and the check's empty probe fit, the new ~60 KB notebook does not.
  const script = [
    'mount -t tmpfs -o size=16k none "$0"',
    'printf "old notebook" > "$0/report.ipynb"',
    '"$1" "$2" resolve "$3" --restarts 2 --backend cpu --out "$4" --notebook "$0/report.ipynb"',
    'echo "exit $?"',
    'ls -A "$0"',
    'cat "$0/report.ipynb"',
  ].join('; ');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, full, process.execPath, cli, modelJson, results], { encoding: 'utf8', env: { ...process.env, DEEPRESOLVE_CACHE_DIR: cacheDir } });
  assert.equal(r.stderr, `deepresolve: ${full}/report.ipynb: cannot write: no space left on the device\n`);
  assert.deepEqual(r.stdout.trim().split('\n'), ['exit 1', 'report.ipynb', 'old notebook']);
  assert.equal(fs.readFileSync(results, 'utf8'), '{"old":true}');
  assert.deepEqual(fs.readdirSync(path.dirname(results)), ['results.json']);
});

test('results and notebook are written together; the new results.json comes with its notebook', () => {
  const out = path.join(work, 'pair', 'results.json');
  const nb = path.join(work, 'pair', 'report.ipynb');
  const r = run(['resolve', modelJson, '--restarts', '2', '--backend', 'cpu', '--out', out, '--notebook', nb]);
  assert.equal(r.code, 0, r.stderr);
  const results = JSON.parse(fs.readFileSync(out, 'utf8'));
  const notebook = JSON.parse(fs.readFileSync(nb, 'utf8'));
  assert.equal(notebook.cells[0].source.join?.('') ?? notebook.cells[0].source, `# DeepResolve: ${results.model.name}\n\nLayer ${results.model.layer.name}, ${results.classes.length} classes, 2 restarts (seed 0), ${results.createdAt}.`);
  assert.deepEqual(fs.readdirSync(path.dirname(out)).sort(), ['report.ipynb', 'results.json', 'results.npz']);
});

test('an internal error: one line saying what was being done, on which file, where to report it; exit 2; the stack only with DEEPRESOLVE_DEBUG=1', () => {
  // A fault the user cannot cause: the test preloads a module that makes fsync throw a TypeError,
  // as a bug would (the product has no hook for it; nothing in src knows about this file).
  const fault = path.join(work, 'fault.cjs');
  fs.writeFileSync(fault, "require('node:fs').fsyncSync = () => { throw new TypeError('injected fault'); };\n");
  const out = path.join(work, 'internal.json');
  fs.writeFileSync(out, 'previous');
  const args = ['resolve', modelJson, '--restarts', '2', '--backend', 'cpu', '--out', out];
  const r = run(args, { nodeArgs: ['--require', fault] });
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.equal(
    lines[0],
    `deepresolve: internal error while writing ${out.replace(/\.json$/, '.npz')} and ${out}: injected fault. This is a bug in DeepResolve, not in your input: please report it to the DeepResolve maintainers with this line and the command or magic you ran (README: 'Reporting a bug'); DEEPRESOLVE_DEBUG=1 adds the details to include`,
  );
  assert.equal(fs.readFileSync(out, 'utf8'), 'previous', 'the failed write left the old file');
  const debug = run(args, { nodeArgs: ['--require', fault], env: { DEEPRESOLVE_DEBUG: '1' } });
  assert.equal(debug.code, 2);
  const [line, ...stack] = debug.stderr.split('\n');
  assert.ok(line.startsWith(`deepresolve: internal error while writing ${out.replace(/\.json$/, ".npz")} and ${out}: injected fault.`) && !line.includes('DEEPRESOLVE_DEBUG'), line);
  assert.equal(stack[0], 'TypeError: injected fault');
  // Source maps are on: the frames name the TypeScript files, not the bundle.
  assert.ok(stack.some((l) => /^\s+at writeTemp \(.*src[/\\]engine[/\\]write-atomic\.ts:\d+:\d+\)$/.test(l)), debug.stderr);
  assert.ok(!stack.some((l) => /cli-main\.js/.test(l)), debug.stderr);
});
