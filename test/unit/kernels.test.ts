import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { axpyKernel } from '../../src/engine/kernels/axpy';

test('the compiled kernels are up to date with their .wat sources', () => {
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../scripts/build-kernels.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('axpy adds a multiple of one row to another, four lanes at a time, and nothing past n', () => {
  const k = axpyKernel(24);
  k.f32.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 0);
  k.f32.set([1, 1, 1, 1, 1, 1, 1, 1, 7, 7, 7, 7], 12);
  k.axpy(12, 0, 0.5, 8);
  assert.deepEqual(Array.from(k.f32.subarray(12, 24)), [1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 7, 7, 7, 7]);
});
