/**
 * The .vsix carries every worker bundle the engine starts: a bundle left out of .vscodeignore's
 * list does not fail, it silently runs the work on one thread (the pools fall back when their
 * script is missing) — as the ONNX Runtime lanes did until this test.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

test('every worker bundle the engine starts is packed into the .vsix', () => {
  const kept = new Set(
    fs
      .readFileSync(path.join(ROOT, '.vscodeignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!dist/'))
      .map((l) => l.slice(1)),
  );
  const bundles = sources(path.join(ROOT, 'src/engine')).flatMap((f) => [...fs.readFileSync(f, 'utf8').matchAll(/const BUNDLED = path\.join\(__dirname, '([\w-]+\.js)'\)/g)].map((m) => m[1]));
  assert.deepEqual([...new Set(bundles)].sort(), ['ascent-worker.js', 'hdf5-reader.js', 'hidden-pair-worker.js', 'native-lane-worker.js']);
  for (const b of [...bundles, 'worker.js']) assert.ok(kept.has(`dist/${b}`), `.vscodeignore keeps dist/${b}`);
});
