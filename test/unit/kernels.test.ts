import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { hiddenStepKernel } from '../../src/engine/ascent/kernels/hidden-step';

test('the compiled kernels are up to date with their .wat sources', () => {
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../scripts/build-kernels.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('the step kernel: pre-activations, score, norm terms and flipped units; flip and update arithmetic', () => {
  const k = hiddenStepKernel(5); // stride 8: lanes 5..7 are padding
  const L = k.layout;
  assert.equal(L.stride, 8);
  k.f32.set([1, -1, 2, 0, 3], L.p0);
  k.f32.set([0, 0, -5, 1, 0], L.b1);
  k.f32.set([2, 3, 4, 5, 6], L.w2c);
  k.f32.set([1, 1, 0, 0, 1], L.y);
  k.f32.set([0.5, 0, 0, -2, 0], L.gy);
  k.f32.set([2, 0, 4, 0, 0], L.v); // units 0 and 2 were active
  // z = 2·p0 + gy + b1 = [2.5, −2, −1, −1, 6] → active 0 and 4: v' = [2, 0, 0, 0, 6]
  const flips = k.evaluate(2);
  assert.equal(flips, 2);
  assert.deepEqual(Array.from(k.i32.subarray(L.flips, L.flips + 2)), [2, 4]);
  assert.deepEqual(Array.from(k.f64.subarray(L.out / 2, L.out / 2 + 3)), [2 * 2.5 + 6 * 6, 1 - 1 + 3, 0.5]);
  // gv += 3 · G[1, :]
  k.f32.set([1, 2, 3, 4, 5, 0, 0, 0], L.gram + 1 * L.stride);
  k.flip(1, 3);
  assert.deepEqual(Array.from(k.f32.subarray(L.gv, L.gv + 8)), [3, 6, 9, 12, 15, 0, 0, 0]);
  // y = 0.5·y + 0.25·v; gy = 0.5·gy + 0.25·gv
  k.update(0.5, 0.25);
  assert.deepEqual(Array.from(k.f32.subarray(L.y, L.y + 5)), [1, 0.5, 1, 0, 0.5]);
  assert.deepEqual(Array.from(k.f32.subarray(L.gy, L.gy + 5)), [1, 1.5, 2.25, 2, 3.75]);
});
