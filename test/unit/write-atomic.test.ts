import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { UserError } from '../../src/engine/errors';
import { jsonChunks } from '../../src/engine/json-chunks';
import { STALE_MS, removeStaleTemps, writeFileAtomic, writeFilesAtomic, writeJsonAtomic } from '../../src/engine/write-atomic';

const root = path.resolve(__dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'write-atomic-'));

/** Names in `dir` other than `keep`: temporary files a write left behind. */
function leftovers(dir: string, ...keep: string[]): string[] {
  return fs.readdirSync(dir).filter((n) => !keep.includes(n));
}

test('JSON in pieces is exactly JSON.stringify, for small and large values', () => {
  const big = Array.from({ length: 30_000 }, (_, i) => (i % 7 === 0 ? { i, x: [i / 3, null, 'a"b'], skip: undefined } : i % 11 === 0 ? undefined : i * 1.5));
  const values: unknown[] = [
    0, -0, 'text "quoted" \u2028 \ud83d\ude00', null, true, [], {}, [undefined, () => 1, Symbol('s')],
    { a: undefined, b: () => 1, c: NaN, d: Infinity, e: new Date(0), f: new Float32Array([1.5, 2]), g: Object.create(null) },
    { toJSON: (key: string) => ({ key }) },
    // Large enough to be walked piece by piece (more than 65,536 values), with holes and mixed elements.
    { classes: [big, big.map((v) => (typeof v === 'number' ? -v : v))], rows: Array.from({ length: 400 }, (_, r) => Array.from({ length: 300 }, (_, c) => r * c)), when: new Date(1e12) },
    Object.assign(new Array(70_000), { 5: 1, 69_999: { last: true } }),
  ];
  for (const v of values) assert.equal([...jsonChunks(v)].join(''), JSON.stringify(v));
  const circular: Record<string, unknown> = { list: Array.from({ length: 70_000 }, (_, i) => i) };
  circular.self = circular;
  assert.throws(() => [...jsonChunks(circular)], TypeError);
  assert.throws(() => [...jsonChunks(undefined)], TypeError);
});

test('writeJsonAtomic writes the JSON.stringify text; the previous file stays until it is complete', () => {
  const target = path.join(work, 'r.json');
  fs.writeFileSync(target, 'old');
  const value = { schemaVersion: '1.1', matrix: Array.from({ length: 300 }, (_, i) => Array.from({ length: 300 }, (_, j) => Math.sin(i * j))) };
  writeJsonAtomic(target, value);
  assert.equal(fs.readFileSync(target, 'utf8'), JSON.stringify(value));
  // A value JSON cannot hold fails before the rename: the file is untouched, no temp is left.
  assert.throws(() => writeJsonAtomic(target, { n: 1n }), TypeError);
  assert.equal(fs.readFileSync(target, 'utf8'), JSON.stringify(value));
  assert.deepEqual(leftovers(work, 'r.json'), []);
});

test('text longer than one write is written whole, UTF-8 included', () => {
  const target = path.join(work, 'long.txt');
  // 5 M characters of 1-, 2-, 3- and 4-byte UTF-8 (the writer slices strings at 4 M).
  const text = 'aé€😀'.repeat(1_250_000);
  writeFileAtomic(target, text);
  assert.equal(fs.readFileSync(target, 'utf8'), text);
});

test('several files: all are written to temporary files first; a failure in any leaves every old file', () => {
  const nb = path.join(work, 'pair', 'r.ipynb');
  const res = path.join(work, 'pair', 'r.json');
  fs.mkdirSync(path.dirname(nb), { recursive: true });
  fs.writeFileSync(nb, 'old notebook');
  fs.writeFileSync(res, 'old results');
  // The second payload fails after the first one's temporary file is complete.
  assert.throws(() => writeFilesAtomic([{ path: nb, data: 'new notebook' }, { path: res, data: { json: { bad: 1n } } }]), TypeError);
  assert.equal(fs.readFileSync(nb, 'utf8'), 'old notebook');
  assert.equal(fs.readFileSync(res, 'utf8'), 'old results');
  assert.deepEqual(leftovers(path.dirname(nb), 'r.ipynb', 'r.json'), []);
  writeFilesAtomic([{ path: nb, data: 'new notebook' }, { path: res, data: { json: { ok: 1 } } }]);
  assert.equal(fs.readFileSync(nb, 'utf8'), 'new notebook');
  assert.equal(fs.readFileSync(res, 'utf8'), '{"ok":1}');
});

test('a write the file system refuses is a UserError naming the file; missing folders are created', () => {
  const file = path.join(work, 'plain-file');
  fs.writeFileSync(file, 'x');
  assert.throws(() => writeFileAtomic(path.join(file, 'r.json'), 'x'), (err: Error) => err instanceof UserError && err.message === `${path.join(file, 'r.json')}: cannot write: a path under a file`);
  const deep = path.join(work, 'a', 'b', 'c.csv');
  writeFileAtomic(deep, 'k,v\n');
  assert.equal(fs.readFileSync(deep, 'utf8'), 'k,v\n');
});

test('a link stays a link (its target is replaced) and a private file stays private', () => {
  const real = path.join(work, 'real.json');
  const link = path.join(work, 'link.json');
  fs.writeFileSync(real, 'old');
  fs.chmodSync(real, 0o600);
  fs.symlinkSync(real, link);
  writeFileAtomic(link, 'new');
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.equal(fs.readFileSync(real, 'utf8'), 'new');
  assert.equal(fs.statSync(real).mode & 0o777, 0o600);
});

/** Starts a node process that writes `mb` MB over `target` through writeFileAtomic. */
function largeWriter(target: string, mb: number) {
  const code = `require(${JSON.stringify(path.join(root, 'src/engine/write-atomic.ts'))}).writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(${mb} * 1024 * 1024, 120)); process.stdout.write('done');`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => out };
}

test('a writer killed (SIGKILL) in the middle of a 768 MB write leaves the old file byte for byte; its temp is cleaned up later', async () => {
  const dir = path.join(work, 'kill');
  fs.mkdirSync(dir);
  const target = path.join(dir, 'results.json');
  const old = Buffer.from(JSON.stringify({ good: true, values: Array.from({ length: 1000 }, (_, i) => i / 7) }));
  fs.writeFileSync(target, old);
  const { child, exited, output } = largeWriter(target, 768);
  // Wait until the temporary file exists and has grown past 64 MB, then kill the writer.
  let temp: string | undefined;
  let grown = 0;
  for (let waited = 0; waited < 60_000; waited += 5) {
    temp = fs.readdirSync(dir).find((n) => n.endsWith('.tmp'));
    if (temp) {
      try {
        grown = fs.statSync(path.join(dir, temp)).size;
      } catch {
        grown = 0;
      }
      if (grown > 64 * 1024 * 1024) break;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  const end = await exited;
  assert.equal(end.signal, 'SIGKILL', `the writer finished before it was killed: ${output()}`);
  assert.ok(grown > 64 * 1024 * 1024 && grown < 768 * 1024 * 1024, `killed mid-write (temp at ${grown} bytes)`);
  assert.ok(fs.readFileSync(target).equals(old), 'the old file is intact');
  // Only the hidden temporary file of the dead writer remains beside it, under its own name.
  const rest = leftovers(dir, 'results.json');
  assert.equal(rest.length, 1);
  assert.match(rest[0], new RegExp(`^\\.results\\.json\\.${child.pid}\\.[0-9a-z]+\\.tmp$`));
  const stale = path.join(dir, rest[0]);
  // The next write leaves a recent temp alone (its writer might be on another machine)…
  writeFileAtomic(target, 'next');
  assert.ok(fs.existsSync(stale));
  // …and removes it once it has been untouched for STALE_MS.
  const past = (Date.now() - STALE_MS - 60_000) / 1000;
  fs.utimesSync(stale, past, past);
  writeFileAtomic(target, 'after');
  assert.deepEqual(leftovers(dir, 'results.json'), []);
  assert.equal(fs.readFileSync(target, 'utf8'), 'after');
});

test('stale temps of a writer that is still running are kept', () => {
  const target = path.join(work, 'live.json');
  // This test's parent process is alive; its temp name must survive any age.
  const live = path.join(work, `.live.json.${process.ppid}.abc.tmp`);
  fs.writeFileSync(live, 'partial');
  const past = (Date.now() - 2 * STALE_MS) / 1000;
  fs.utimesSync(live, past, past);
  removeStaleTemps(target);
  assert.ok(fs.existsSync(live));
});
