/**
 * The results on disk (schema 2.0, docs/results-schema.md): NAME.json + NAME.npz round trip at
 * float32 precision, the shortest decimals, a schema 1.1 document still read, refusals, Python's
 * numpy reading the companion, and the sizes at DeepSEA's shape (919 classes × 10 restarts × 960).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { companionPath, float32Json, float32Number, readResults, resultsFiles } from '../../src/engine/results-file';
import { decodeNpy, encodeNpy } from '../../src/engine/npy';
import { writeFilesAtomic, writeJsonAtomic } from '../../src/engine/write-atomic';
import { UserError } from '../../src/engine/errors';
import { syntheticResults } from '../renderer/fixtures';

/** Equal as float32 (the JSON holds the shortest decimal of each float32, the npz the float32 itself). */
const f32 = (xs: number[]) => xs.map(Math.fround);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-results-file-'));
const PYTHON = '/usr/bin/python3';
const hasNumpy = fs.existsSync(PYTHON) && (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('float32 numbers: the shortest decimal that reads back as the same float32 (as numpy prints them)', () => {
  // numpy: repr(np.float32(x)) for these x gives 0.47338867, 0.33333334, 8.478714e-05, -2.5e-07.
  assert.equal(String(float32Number(0.473388671875)), '0.47338867');
  assert.equal(String(float32Number(1 / 3)), '0.33333334');
  assert.equal(float32Json(8.478714153170586e-5), '8.478714e-5');
  assert.equal(float32Json(-2.5e-7), '-2.5e-7');
  assert.equal(float32Json(12), '12');
  assert.equal(float32Json(NaN), 'null');
  const f = new Float32Array(1);
  let seed = 7;
  for (let i = 0; i < 20000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const v = ((seed / 2 ** 31 - 0.5) * 10 ** ((i % 12) - 8));
    f[0] = v;
    const text = float32Json(v);
    assert.equal(Math.fround(Number(text)), f[0], `${v} → ${text}`);
    assert.ok(text.replace(/^-?0\.0*|[-.]|e.*$/g, '').length <= 9, text);
  }
});

test('npy arrays round trip (shape, dtype, values); a header is padded to 64 bytes', () => {
  const a = { shape: [2, 3], data: Float32Array.from([1, -2.5, 3e-8, NaN, 0, 7]) };
  const bytes = encodeNpy(a);
  assert.equal((bytes.length - a.data.byteLength) % 64, 0);
  const back = decodeNpy(bytes, 'x.npy');
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(a.data));
  assert.throws(() => decodeNpy(bytes.subarray(0, bytes.length - 4), 'x.npy'), (e: Error) => e instanceof UserError && /x\.npy: truncated/.test(e.message));
  assert.throws(() => decodeNpy(new Uint8Array(20), 'y.npy'), /y\.npy: not a NumPy/);
});

test('a result written as NAME.json + NAME.npz reads back at float32 precision (FIVs, traces, sd)', () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 4, features: 12, restarts: 3, fiv: true, traces: true, labels: true });
  r.provenance = { modelFiles: [], analysis: { seed: 1 } };
  const file = path.join(dir, 'r.json');
  writeFilesAtomic(resultsFiles(r, file));
  assert.ok(fs.existsSync(path.join(dir, 'r.npz')));
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(doc.schemaVersion, '2.0');
  assert.deepEqual(Object.keys(doc).slice(-2), ['arrays', 'provenance'], 'provenance stays the last key');
  assert.equal(doc.arrays.file, 'r.npz');
  for (const key of ['index', 'name', 'scores', 'ofiv', 'oniv', 'variance', 'gmmComponents', 'nonAdditive']) assert.ok(key in doc.classes[0], key);
  for (const key of ['fiv', 'sd', 'traces']) assert.ok(!(key in doc.classes[0]), `${key} is in the companion`);
  const back = readResults(file);
  r.classes.forEach((c, i) => {
    const b = back.classes[i];
    assert.deepEqual(f32(b.ofiv), f32(c.ofiv));
    assert.deepEqual(b.fiv, c.fiv.map((row) => row.map(Math.fround)));
    assert.deepEqual(b.traces!.map((t) => t.stride), c.traces!.map((t) => t.stride));
    assert.deepEqual(b.traces!.map((t) => t.scores), c.traces!.map((t) => t.scores.map(Math.fround)));
    b.sd.forEach((s, k) => assert.ok(Math.abs(s - c.sd[k]) <= 1e-6 * c.sd[k] + 1e-12, `sd ${k}`));
    assert.deepEqual(f32(b.oniv), f32(c.oniv));
  });
  assert.deepEqual(back.similarity.matrix.map(f32), r.similarity.matrix.map(f32));
  assert.deepEqual(back.labelCorrelation!.matrix.map(f32), r.labelCorrelation!.matrix.map(f32));
  assert.deepEqual(back.provenance, r.provenance);
  // Without the companion the JSON alone still reads when asked to; else one line naming both files.
  fs.rmSync(path.join(dir, 'r.npz'));
  assert.deepEqual(readResults(file, { arrays: false }).classes[0].fiv, []);
  assert.throws(() => readResults(file), (e: Error) => e instanceof UserError && e.message === `${file}: its per-restart arrays r.npz are missing (keep the .npz beside the .json)`);
});

test('schema 1.1 documents (everything in the JSON) still read; a newer major version is refused', () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 2, features: 5, restarts: 2, fiv: true });
  const { sd: _sd, ...first } = r.classes[0];
  const old = { ...r, schemaVersion: '1.1', classes: [first, r.classes[1]] };
  const file = path.join(dir, 'old.json');
  writeJsonAtomic(file, old);
  const back = readResults(file);
  assert.deepEqual(back.classes[1].fiv, r.classes[1].fiv);
  assert.deepEqual(back.classes[0].sd, r.classes[0].variance.map(Math.sqrt), 'sd from variance when absent');
  writeJsonAtomic(file, { ...old, schemaVersion: '3.0' });
  assert.throws(() => readResults(file), /old\.json: results schema 3\.0 is newer than this DeepResolve reads/);
  fs.writeFileSync(file, '{"not":');
  assert.throws(() => readResults(file), (e: Error) => e instanceof UserError && e.message.startsWith(`${file}: not JSON`));
});

test('numpy reads the companion in one line and the JSON holds the same numbers', { skip: !hasNumpy && 'no /usr/bin/python3 with numpy' }, () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 3, features: 7, restarts: 4, fiv: true });
  const file = path.join(dir, 'results.json');
  writeFilesAtomic(resultsFiles(r, file));
  const script = [
    'import json, sys, numpy as np',
    "a = np.load(sys.argv[1].replace('.json', '.npz'))",
    'd = json.load(open(sys.argv[1]))',
    "fiv = a['fiv']",
    'import zipfile',
    "methods = sorted({i.compress_type for i in zipfile.ZipFile(sys.argv[1].replace('.json', '.npz')).infolist()})",
    "print(json.dumps({'methods': methods, 'shape': fiv.shape, 'dtype': str(fiv.dtype), 'index': a['class_index'].tolist(), 'fiv': fiv[2, 3].tolist(), 'ofiv': d['classes'][2]['ofiv'], 'mean': fiv[1].mean(axis=0).tolist()}))",
  ].join('\n');
  const out = JSON.parse(execFileSync(PYTHON, ['-c', script, file], { encoding: 'utf8' }));
  assert.deepEqual(out.methods, [8], 'every member deflated, as numpy.savez_compressed writes them');
  assert.deepEqual(out.shape, [3, 4, 7]);
  assert.equal(out.dtype, 'float32');
  assert.deepEqual(out.index, [0, 1, 2]);
  assert.deepEqual(out.fiv, r.classes[2].fiv[3].map(Math.fround));
  assert.deepEqual(f32(out.ofiv), f32(r.classes[2].ofiv));
  // Python computes from the float32 FIVs alone: their mean is each class's (equal-weight) centre.
  const mean = r.classes[1].ofiv.map((_, k) => r.classes[1].fiv.reduce((a, row) => a + Math.fround(row[k]), 0) / 4);
  out.mean.forEach((v: number, k: number) => assert.ok(Math.abs(v - mean[k]) < 1e-6, `feature ${k}`));
});

test('sizes at DeepSEA scale: 919 classes × 10 restarts × 960 features', () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 919, features: 960, restarts: 10, fiv: true, seed: 3 });
  const file = path.join(dir, 'results.json');
  writeFilesAtomic(resultsFiles(r, file));
  const json = fs.statSync(file).size;
  const npz = fs.statSync(companionPath(file)).size;
  const text = fs.readFileSync(file, 'utf8');
  // The bytes of the four class-sized matrices (OFIV, ONIV, variance: classes × features; the similarity: classes × classes).
  let matrices = 0;
  for (const m of text.matchAll(/"(?:ofiv|oniv|variance)":\[[^\]]*\]/g)) matrices += m[0].length;
  matrices += /"matrix":\[\[.*?\]\]/.exec(text)![0].length;
  // (Schema 1.1 wrote this document as 279 MB of JSON, float64 numbers of about 20 characters each.)
  console.log(`DeepSEA-shaped result, schema 2.0: ${(json / 1e6).toFixed(1)} MB JSON (${(matrices / 1e6).toFixed(1)} MB of it OFIV, ONIV, variance and similarity) + ${(npz / 1e6).toFixed(1)} MB npz`);
  // The npz is the float32 FIVs, deflated: random float32 mantissas give ~6 % (exact zeros far more, below).
  const raw = 919 * 10 * 960 * 4;
  assert.ok(npz <= 0.96 * raw && npz >= 0.85 * raw, `npz ${npz} bytes of ${raw}`);
  // The JSON holds 3 class × feature matrices and the 919 × 919 similarity at float32 (shortest
  // decimals, ~12 bytes each): 3.5 M numbers, 42.8 MB, everything else < 1 MB. The 40 MB
  // is below what these four matrices take as decimals at float32 precision.
  assert.ok(json - matrices < 1e6, `${json - matrices} bytes besides the matrices`);
  assert.ok(json <= 44.5e6, `results.json ${json} bytes`);
  assert.ok(json + npz <= 78e6, `${json + npz} bytes`);
});

test('the companion deflates what repeats: FIVs with dead features and NaN padding', () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 20, features: 200, restarts: 10, fiv: true, seed: 4 });
  // Half the features never fire (a ReLU layer's dead channels: FIV exactly 0); one class has 3 restarts (NaN pads the rest).
  for (const c of r.classes) c.fiv = c.fiv.map((row) => row.map((v, k) => (k % 2 ? 0 : v)));
  r.classes[5].fiv = r.classes[5].fiv.slice(0, 3);
  const file = path.join(dir, 'results.json');
  writeFilesAtomic(resultsFiles(r, file));
  const npz = fs.statSync(companionPath(file)).size;
  const raw = 20 * 10 * 200 * 4;
  assert.ok(npz < 0.6 * raw, `npz ${npz} bytes of ${raw}`);
  const back = readResults(file);
  assert.deepEqual(back.classes[5].fiv, r.classes[5].fiv.map((row) => row.map(Math.fround)));
  assert.deepEqual(back.classes[6].fiv, r.classes[6].fiv.map((row) => row.map(Math.fround)));
});
