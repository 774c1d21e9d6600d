/**
 * Ctrl-C on `deepresolve resolve` while the model-derived sequence logos are sampled (issue 15,
 * "cancellable like the ascent"): the progress line shows the logo stage, and the stop ends the
 * sampling and keeps the analysis (every class's ascent had finished) as a partial result without
 * model-derived logos, exit code 130 and one line on stderr. The CLI runs on a real terminal (a pty
 * from util-linux's `script`) and the test presses Ctrl-C when the logo stage appears.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readResults } from '../../src/engine/results-file';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
// Conv1D (8 filters × 6) on 40 bp → global max pooling → dense (4 classes): 20,000 sequences by default.
const MODEL = path.join(root, 'test/fixtures/e2e/workspace/models/tiny/model.json');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-cli-cancel-logos-'));
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

before(() => {
  if (!fs.existsSync(cli)) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('Ctrl-C during the logo stage keeps every class as a partial result without model-derived logos, exit 130, one line', { skip: !hasScript && "no util-linux 'script' for a terminal" }, async () => {
  const out = path.join(work, 'logos.json');
  const command = `exec ${quote(process.execPath)} ${quote(cli)} resolve ${quote(MODEL)} --restarts 2 --backend cpu --native off --feature-logos all --out ${quote(out)} > /dev/null`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: work, env: { ...process.env, DEEPRESOLVE_CACHE_DIR: path.join(work, 'cache') } });
  let terminal = '';
  let pressed = false;
  child.stdout.on('data', (chunk: Buffer) => {
    terminal += chunk.toString('utf8');
    if (!pressed && /sequence logos of 8 channels: \d+% of 20000 random sequences/.test(terminal)) {
      pressed = true;
      child.stdin.write('\x03'); // Ctrl-C: the terminal sends SIGINT to the CLI
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.ok(pressed, `the logo stage on the terminal:\n${terminal.slice(-400)}`);
  assert.equal(code, 130, terminal.slice(-400));
  const lines = terminal.split(/\r|\n/).map((l) => l.replace(/\x1b\[K/g, '').trim()).filter((l) => l && !l.startsWith('resolving  [') && l !== '^C');
  // The class names' note (labels.txt beside the model) comes first; then the one line of the stop.
  assert.match(lines[0], /^note: class names from .*labels\.txt/);
  lines.shift();
  assert.equal(lines.length, 1, lines.join('\n'));
  assert.match(lines[0], new RegExp(`^deepresolve: cancelled after \\d+ s: partial: 4 of 4 classes, cancelled; the classes whose restarts all finished are in ${out.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, .*logos\\.npz \\(marked partial\\)$`));
  const written = readResults(out);
  assert.deepEqual(written.partial?.classesDone, [0, 1, 2, 3]);
  assert.equal(written.partial?.pairsDone, 8);
  assert.ok(written.features.every((f) => f.pwm && !f.logo), 'filter PWMs, no model-derived logos');
  assert.equal(written.notes[0], "partial: 4 of 4 classes, cancelled while the sequence logos were sampled: every class's ascent had finished");
});
