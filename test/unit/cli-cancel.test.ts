/**
 * Ctrl-C on `deepresolve resolve` (issue 14): the classes whose restarts all finished are written
 * to --out (and its .npz) marked partial, with exactly a full run's numbers for those classes; the
 * command exits with 130 and one line on stderr saying so. The CLI runs on a real terminal (a pty
 * from util-linux's `script`), so that its progress line says how many pairs are done and the test
 * presses Ctrl-C (the terminal sends SIGINT) once two classes are.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { readResults } from '../../src/engine/results-file';
import { seededWeights } from '../helpers/models';
import { saveTfjsModel } from '../helpers/tfjs-save';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-cli-cancel-'));
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
let modelJson = '';

/** Six classes; each pair runs exactly 1500 steps (patience never reached), one pair at a time. */
const ARGS = ['--layer', 'conv', '--restarts', '3', '--batch-size', '1', '--max-iter', '1500', '--patience', '100000', '--backend', 'cpu', '--native', 'off', '--ascent', 'direct'];

before(async () => {
  if (!fs.existsSync(cli)) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  await useBackend('cpu');
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [24, 4], filters: 5, kernelSize: 5, activation: 'relu', name: 'conv' }),
      tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: 6, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seededWeights(model, 5);
  modelJson = await saveTfjsModel(model, path.join(work, 'model'));
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('Ctrl-C writes the finished classes as a partial result, exits 130 and says so in one line', { skip: !hasScript && "no util-linux 'script' for a terminal" }, async () => {
  const out = path.join(work, 'partial.json');
  const stdoutFile = path.join(work, 'stdout.txt');
  // stdout to a file; stderr (progress and messages) is the terminal.
  const command = `exec ${quote(process.execPath)} ${quote(cli)} resolve ${quote(modelJson)} ${ARGS.join(' ')} --out ${quote(out)} > ${quote(stdoutFile)}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: work, env: { ...process.env, DEEPRESOLVE_CACHE_DIR: path.join(work, 'cache') } });
  let terminal = '';
  let seen = -1;
  child.stdout.on('data', (chunk: Buffer) => {
    terminal += chunk.toString('utf8');
    const counts = [...terminal.matchAll(/(\d+) of 18 \(class, restart\) pairs done/g)].map((m) => Number(m[1]));
    const done = counts.length ? counts[counts.length - 1] : 0;
    if (seen < 0 && done >= 7) {
      seen = done;
      child.stdin.write('\x03'); // Ctrl-C: the terminal sends SIGINT to the CLI
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(seen >= 7, `progress seen on the terminal:\n${terminal.slice(-400)}`);
  assert.equal(code, 130, terminal.slice(-400));

  // The terminal shows progress lines (redrawn with \r), the echoed ^C, and one line of text.
  const lines = terminal.split(/\r|\n/).map((l) => l.replace(/\x1b\[K/g, '').trim()).filter((l) => l && !l.startsWith('resolving  [') && l !== '^C');
  assert.equal(lines.length, 1, lines.join('\n'));
  const written = readResults(out);
  assert.ok(written.partial, 'marked partial');
  const k = written.partial.classesDone.length;
  assert.match(lines[0], new RegExp(`^deepresolve: cancelled after \\d+ s: partial: ${k} of 6 classes, cancelled; the classes whose restarts all finished are in ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, .*partial\\.npz \\(marked partial\\)$`));
  assert.equal(fs.readFileSync(stdoutFile, 'utf8'), '', 'nothing on stdout');
  // One pair at a time in class order: the classes kept are those of the pairs done, 3 restarts each.
  assert.ok(written.partial.pairsDone >= seen);
  assert.deepEqual(written.partial.classesDone, [0, 1, 2, 3, 4, 5].slice(0, Math.floor(written.partial.pairsDone / 3)));
  assert.ok(k >= 2 && k < 6, `${k} classes kept`);
  assert.deepEqual(written.partial.classesRequested, [0, 1, 2, 3, 4, 5]);
  assert.equal(written.provenance, undefined, 'no provenance: a batch over it runs the model again');

  // The same command to the end: the kept classes hold its numbers exactly.
  const fullOut = path.join(work, 'full.json');
  const full = spawnSync(process.execPath, [cli, 'resolve', modelJson, ...ARGS, '--out', fullOut], { cwd: work, encoding: 'utf8', env: { ...process.env, DEEPRESOLVE_CACHE_DIR: path.join(work, 'cache') } });
  assert.equal(full.status, 0, full.stderr);
  const complete = readResults(fullOut);
  assert.equal(complete.partial, undefined);
  for (const c of written.classes) {
    const f = complete.classes.find((x) => x.index === c.index)!;
    assert.deepEqual([c.scores, c.fiv, c.ofiv, c.oniv, c.iterations], [f.scores, f.fiv, f.ofiv, f.oniv, f.iterations], `class ${c.index}`);
  }
  const at = written.similarity.classes.map((i) => complete.similarity.classes.indexOf(i));
  assert.deepEqual(written.similarity.matrix, at.map((i) => at.map((j) => complete.similarity.matrix[i][j])));
});
