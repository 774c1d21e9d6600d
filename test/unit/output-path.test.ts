import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/engine/errors';
import { checkOutputPath } from '../../src/engine/output-path';

const root = path.resolve(__dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'output-path-'));
const asRoot = process.getuid?.() === 0;
/** Whether this machine lets us mount a read-only file system in a private mount namespace. */
const canMount = asRoot && spawnSync('unshare', ['-m', 'true']).status === 0;

function refusal(file: string, what = 'the results (--out)'): string {
  try {
    checkOutputPath(file, what);
  } catch (err) {
    assert.ok(err instanceof UserError, `a UserError, not ${(err as Error).name}`);
    return err.message;
  }
  assert.fail(`${file} was accepted`);
}

test('a writable path passes and nothing is left behind: no folder is created, the probe file is removed', () => {
  checkOutputPath(path.join(work, 'r.json'));
  const nested = path.join(work, 'new', 'deeper', 'r.json');
  checkOutputPath(nested);
  assert.ok(!fs.existsSync(path.join(work, 'new')), 'missing folders are made by the write, not the check');
  fs.writeFileSync(path.join(work, 'existing.json'), 'x');
  checkOutputPath(path.join(work, 'existing.json'));
  assert.deepEqual(fs.readdirSync(work).sort(), ['existing.json']);
});

test('a path under a file, a folder, a name too long: one line naming the path and the cause', () => {
  const file = path.join(work, 'a-file.txt');
  fs.writeFileSync(file, 'x');
  assert.equal(refusal(path.join(file, 'r.json')), `${path.join(file, 'r.json')}: cannot write the results (--out): a path under a file (${file} is a file)`);
  assert.equal(refusal(path.join(file, 'x', 'y', 'r.json')), `${path.join(file, 'x', 'y', 'r.json')}: cannot write the results (--out): a path under a file (${file} is a file)`);
  assert.equal(refusal(work), `${work}: cannot write the results (--out): it is a folder`);
  const long = path.join(work, `${'n'.repeat(300)}.json`);
  assert.equal(refusal(long, 'the export'), `${long}: cannot write the export: the name is too long`);
});

test('/proc accepts no new files; /proc/version is a file', () => {
  assert.equal(refusal('/proc/deepresolve-results.json'), '/proc/deepresolve-results.json: cannot write the results (--out): files cannot be created there');
  assert.equal(refusal('/proc/version/r.json'), '/proc/version/r.json: cannot write the results (--out): a path under a file (/proc/version is a file)');
});

test('permission denied', () => {
  if (asRoot) {
    // Root passes chmod; sysfs refuses new files to root too (a read-only /sys says so instead).
    assert.match(refusal('/sys/deepresolve.json'), /^\/sys\/deepresolve\.json: cannot write the results \(--out\): (permission denied|read-only file system)$/);
  } else {
    const locked = path.join(work, 'locked');
    fs.mkdirSync(locked, { mode: 0o500 });
    assert.equal(refusal(path.join(locked, 'r.json')), `${path.join(locked, 'r.json')}: cannot write the results (--out): permission denied`);
  }
});

test('a read-only file system (a read-only tmpfs in a private mount namespace)', { skip: !canMount && 'needs root and unshare -m' }, () => {
  const ro = path.join(work, 'ro');
  fs.mkdirSync(ro);
  const script = `
    const { checkOutputPath } = require(${JSON.stringify(path.join(root, 'src/engine/output-path.ts'))});
    for (const f of [${JSON.stringify(path.join(ro, 'r.json'))}, ${JSON.stringify(path.join(ro, 'sub', 'r.json'))}]) {
      try { checkOutputPath(f, 'the notebook (--notebook)'); console.log('accepted'); } catch (e) { console.log(e.message); }
    }`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o ro none "$0" && exec "$1" --import tsx -e "$2"`, ro, process.execPath, script], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [
    `${path.join(ro, 'r.json')}: cannot write the notebook (--notebook): read-only file system`,
    `${path.join(ro, 'sub', 'r.json')}: cannot write the notebook (--notebook): read-only file system (in ${ro})`,
  ]);
});
