/**
 * What the CLI's cold run was made faster with (issue 16) computes what it computed before:
 * W̄₁ and the Cholesky factor bit for bit against the plain loops they replace, a model built on
 * the cpu backend (LoadOptions.alone) with the same weights and outputs on wasm, shards read into
 * one buffer, the provenance hashed on a worker equal to the one hashed in line, and the CLI
 * bundle run from its code cache only when the cache was made from that very file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { positionMean } from '../../src/engine/ascent/hidden';
import { choleskySemidefinite } from '../../src/engine/ascent/start-sampler';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load/index';
import { provenanceOf, provenanceSoon, sha256File } from '../../src/batch/fingerprint';
import { requireBundle, writeCodeCache } from '../../src/code-cache';
import { seededWeights } from '../helpers/models';
import { predict, randomInput, seeded, tempDir, writeTfjs } from '../helpers/write-models';

/** The loop W̄₁ was computed with before: whole rows summed into one array of sums, then divided. */
function meanOfRows(w: Float32Array, positions: number, width: number): Float32Array {
  const sums = new Float64Array(width);
  for (let p = 0; p < positions; p++) for (let i = 0; i < width; i++) sums[i] += w[p * width + i];
  return Float32Array.from(sums, (v) => v / positions);
}

/** The Cholesky–Banachiewicz loop one row at a time, as it was. */
function choleskyRows(a: Float64Array, n: number, tol = 1e-9) {
  const l = new Float64Array(n * n);
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]);
  let rank = 0;
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (d <= tol * maxDiag) continue;
    rank++;
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  return { l, rank };
}

/** B Bᵀ for a seeded n × r matrix B: symmetric positive semi-definite of rank min(n, r). */
function gramOfRandom(n: number, r: number, seed: number): Float64Array {
  const next = seeded(seed);
  const b = Float64Array.from({ length: n * r }, next);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < r; k++) a[i * n + j] += b[i * r + k] * b[j * r + k];
  return a;
}

describe('the cold run computes the same numbers', () => {
  it('W̄₁ in column blocks is bitwise the plain mean over positions (widths across the block size)', () => {
    const next = seeded(3);
    for (const [positions, width] of [[1, 7], [5, 8192], [3, 8193], [7, 20000]]) {
      const w = Float32Array.from({ length: positions * width }, () => next() * 10);
      assert.deepEqual(positionMean(w, positions, width), meanOfRows(w, positions, width), `${positions} × ${width}`);
    }
  });

  it('the Cholesky factor four rows at a time is bitwise the one-row loop, full rank and semidefinite', () => {
    for (const [n, r] of [[1, 1], [6, 6], [37, 40], [37, 9], [50, 50]]) {
      const a = gramOfRandom(n, r, n + r);
      const got = choleskySemidefinite(a, n);
      const want = choleskyRows(a, n);
      assert.equal(got.rank, want.rank, `rank of ${n} × ${n} (rank ${r})`);
      assert.equal(got.rank, Math.min(n, r));
      assert.deepEqual(got.l, want.l, `factor of ${n} × ${n} (rank ${r})`);
      // And it is a factor: L Lᵀ = A.
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += got.l[i * n + k] * got.l[j * n + k];
          assert.ok(Math.abs(s - a[i * n + j]) <= 1e-9 * Math.max(1, Math.abs(a[i * n + j])), `(L Lᵀ)[${i},${j}] = ${s}, A = ${a[i * n + j]}`);
        }
      }
    }
  });
});

describe('a model built on the cpu backend for a process alone (LoadOptions.alone)', () => {
  before(async () => {
    await useBackend('wasm');
  });
  after(async () => {
    await useBackend('cpu');
  });

  const model = () => {
    const m = tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [30, 4], filters: 6, kernelSize: 5, activation: 'relu' }),
        tfl.layers.batchNormalization(),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 9, activation: 'relu' }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    seededWeights(m, 7);
    return m;
  };

  it('has the same weights, the same outputs on wasm, and leaves wasm active', async () => {
    const source = model();
    const file = await writeTfjs(source, tempDir());
    const plain = await loadModel(file);
    const alone = await loadModel(file, { alone: true });
    assert.equal(tf.getBackend(), 'wasm');
    const w = (m: tfl.LayersModel) => m.getWeights().map((t) => Array.from(t.dataSync()));
    assert.deepEqual(w(alone.model), w(plain.model));
    assert.deepEqual(w(alone.model), w(source));
    const x = randomInput(source);
    assert.deepEqual(predict(alone.model, x), predict(plain.model, x), 'bitwise the same outputs');
    assert.equal(tf.getBackend(), 'wasm', 'the outputs were computed on wasm');
    plain.model.dispose();
    alone.model.dispose();
    x.dispose();
  });

  it('reads weights split over several shards into their places', async () => {
    const source = model();
    const dir = tempDir();
    const file = await writeTfjs(source, dir);
    // Split weights.bin into three shards of uneven sizes, as converters write them.
    const bytes = fs.readFileSync(path.join(dir, 'weights.bin'));
    const cuts = [0, 101, 1003, bytes.length];
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    json.weightsManifest[0].paths = cuts.slice(1).map((_, i) => `group1-shard${i + 1}of3.bin`);
    cuts.slice(1).forEach((end, i) => fs.writeFileSync(path.join(dir, `group1-shard${i + 1}of3.bin`), bytes.subarray(cuts[i], end)));
    fs.rmSync(path.join(dir, 'weights.bin'));
    fs.writeFileSync(file, JSON.stringify(json));
    for (const alone of [false, true]) {
      const loaded = await loadModel(file, { alone });
      assert.deepEqual(loaded.model.getWeights().map((t) => Array.from(t.dataSync())), source.getWeights().map((t) => Array.from(t.dataSync())));
      loaded.model.dispose();
    }
    // A shard shorter than the manifest says is refused.
    fs.writeFileSync(path.join(dir, 'group1-shard2of3.bin'), bytes.subarray(101, 900));
    await assert.rejects(loadModel(file, { alone: true }), /weight data is truncated/);
  });
});

it('the provenance with large files hashed on a worker equals the one hashed in line', async () => {
  const dir = tempDir('provenance-');
  const next = seeded(5);
  // 17 MB: above the size hashed on the worker.
  const big = Buffer.from(Float32Array.from({ length: (17 << 20) / 4 }, next).buffer);
  fs.writeFileSync(path.join(dir, 'weights.bin'), big);
  fs.writeFileSync(path.join(dir, 'small.bin'), 'small');
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['weights.bin', 'small.bin'] }] }));
  const inputs = { settings: { restarts: 3 }, motifs: 'none' };
  const soon = await provenanceSoon(path.join(dir, 'model.json'), inputs);
  const now = provenanceOf(path.join(dir, 'model.json'), inputs);
  assert.deepEqual(soon, now);
  assert.equal(soon.modelFiles.find((f) => f.path.endsWith('weights.bin'))!.sha256, sha256File(path.join(dir, 'weights.bin')));
  assert.equal(soon.modelFiles.length, 3);
  // A file named by the manifest but missing is stamped as missing, as in line.
  fs.rmSync(path.join(dir, 'small.bin'));
  assert.deepEqual(await provenanceSoon(path.join(dir, 'model.json'), inputs), provenanceOf(path.join(dir, 'model.json'), inputs));
});

describe('the CLI bundle with its V8 code cache (code-cache.ts)', () => {
  const bundle = (dir: string, name: string, value: number) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, `const p = require('node:path');\nmodule.exports = { value: ${value}, dir: __dirname, file: __filename, joined: p.join('a', 'b'), resolves: typeof require.resolve };\n`);
    return file;
  };

  it('runs the bundle from its cache as a CommonJS module of its file', () => {
    const dir = tempDir('code-cache-');
    const file = bundle(dir, 'a.js', 1);
    writeCodeCache(file);
    assert.ok(fs.statSync(`${file}.v8cache`).size > 0);
    assert.deepEqual(requireBundle(file), { value: 1, dir, file, joined: path.join('a', 'b'), resolves: 'function' });
    assert.equal(require.cache[file], undefined, 'run from the cache, not loaded by require');
  });

  it('loads a rebuilt bundle (another size or time than the cache records) or a cache V8 rejects with require', () => {
    const dir = tempDir('code-cache-');
    const rebuilt = bundle(dir, 'b.js', 2);
    writeCodeCache(rebuilt);
    fs.appendFileSync(rebuilt, 'module.exports.value = 3;\n');
    assert.equal((requireBundle(rebuilt) as { value: number }).value, 3, 'the new text ran, not the cached one');
    assert.ok(require.cache[rebuilt], 'by require');
    const corrupt = bundle(dir, 'c.js', 4);
    writeCodeCache(corrupt);
    fs.writeFileSync(`${corrupt}.v8cache`, Buffer.alloc(64, 7));
    assert.equal((requireBundle(corrupt) as { value: number }).value, 4);
  });
});
