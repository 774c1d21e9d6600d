/**
 * The results on disk (schema 3.0, docs/results-schema.md): NAME.json + NAME.npz round trip at
 * float32 precision, the shortest decimals, ONIV kept only at the non-additive features, schema
 * 1.1 and 2.0 documents still read, refusals, Python (numpy) running the docs' snippet on a written
 * file, and the sizes at DeepSEA's shape (919 classes × 10 restarts × 960) with a bit-exact round trip.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { companionPath, float32Json, float32Number, readResults, resultsFiles } from '../../src/engine/results-file';
import type { Results } from '../../src/engine/results';
import { decodeNpy, encodeNpy } from '../../src/engine/npy';
import { writeFilesAtomic, writeJsonAtomic } from '../../src/engine/write-atomic';
import { UserError } from '../../src/engine/errors';
import { syntheticResults } from '../renderer/fixtures';

/** Equal as float32 (the JSON holds the shortest decimal of each float32, the npz the float32 itself). */
const f32 = (xs: number[]) => xs.map(Math.fround);
const dirs: string[] = [];
const tmp = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-results-file-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
/** The bytes of `xs` as float32: equal bytes = bit-identical float32 values (NaN payloads aside). */
const bytes32 = (xs: ArrayLike<number>) => Buffer.from(Float32Array.from(xs).buffer);
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
  assert.equal(doc.schemaVersion, '3.0');
  assert.deepEqual(Object.keys(doc).slice(-2), ['arrays', 'provenance'], 'provenance stays the last key');
  assert.equal(doc.arrays.file, 'r.npz');
  for (const key of ['index', 'name', 'scores', 'ofiv', 'onivNonAdditive', 'variance', 'gmmComponents', 'nonAdditive']) assert.ok(key in doc.classes[0], key);
  for (const key of ['fiv', 'sd', 'traces']) assert.ok(!(key in doc.classes[0]), `${key} is in the companion`);
  // ONIV differs from OFIV only at the non-additive features: the JSON holds those values, in nonAdditive's order.
  r.classes.forEach((c, i) => {
    assert.ok(!('oniv' in doc.classes[i]));
    assert.ok(c.nonAdditive.length > 0 && c.nonAdditive.some((k) => c.oniv[k] !== c.ofiv[k]), 'the fixture has non-additive features');
    assert.deepEqual(f32(doc.classes[i].onivNonAdditive), f32(c.nonAdditive.map((k) => c.oniv[k])));
  });
  const back = readResults(file);
  r.classes.forEach((c, i) => {
    const b = back.classes[i];
    assert.deepEqual(f32(b.ofiv), f32(c.ofiv));
    assert.deepEqual(b.fiv, c.fiv.map((row) => row.map(Math.fround)));
    assert.deepEqual(b.traces!.map((t) => t.stride), c.traces!.map((t) => t.stride));
    assert.deepEqual(b.traces!.map((t) => t.scores), c.traces!.map((t) => t.scores.map(Math.fround)));
    b.sd.forEach((s, k) => assert.ok(Math.abs(s - c.sd[k]) <= 1e-6 * c.sd[k] + 1e-12, `sd ${k}`));
    assert.deepEqual(f32(b.oniv), f32(c.oniv));
    assert.ok(!('onivNonAdditive' in b), 'in memory: the full oniv only');
  });
  assert.deepEqual(back.similarity.matrix.map(f32), r.similarity.matrix.map(f32));
  assert.deepEqual(back.labelCorrelation!.matrix.map(f32), r.labelCorrelation!.matrix.map(f32));
  assert.deepEqual(back.provenance, r.provenance);
  // Without the companion the JSON alone still reads when asked to; else one line naming both files.
  fs.rmSync(path.join(dir, 'r.npz'));
  assert.deepEqual(readResults(file, { arrays: false }).classes[0].fiv, []);
  assert.throws(() => readResults(file), (e: Error) => e instanceof UserError && e.message === `${file}: its per-restart arrays r.npz are missing (keep the .npz beside the .json)`);
});

test('a class whose ONIV differs from its OFIV outside nonAdditive keeps its full oniv list (nothing lost)', () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 3, features: 9, restarts: 2, fiv: true });
  const odd = r.classes[1];
  const k = [...Array(9).keys()].find((j) => !odd.nonAdditive.includes(j))!;
  odd.oniv = [...odd.oniv];
  odd.oniv[k] = odd.ofiv[k] + 0.25;
  const file = path.join(dir, 'r.json');
  writeFilesAtomic(resultsFiles(r, file));
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.deepEqual(doc.classes.map((c: object) => ['oniv' in c, 'onivNonAdditive' in c]), [[false, true], [true, false], [false, true]]);
  const back = readResults(file);
  back.classes.forEach((b, i) => assert.ok(bytes32(b.oniv).equals(bytes32(r.classes[i].oniv)), `class ${i}`));
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
  writeJsonAtomic(file, { ...old, schemaVersion: '4.0' });
  assert.throws(() => readResults(file), /old\.json: results schema 4\.0 is newer than this DeepResolve reads \(1\.x to 3\.x\)/);
  fs.writeFileSync(file, '{"not":');
  assert.throws(() => readResults(file), (e: Error) => e instanceof UserError && e.message.startsWith(`${file}: not JSON`));
});

test('schema 2.0 documents (full oniv in the JSON; the fixture was written by the 2.0 writer of 3c8c184) read, and written again as 3.0 read back the same', () => {
  const fixture = path.join(__dirname, '../fixtures/results/schema2.json');
  const doc = JSON.parse(fs.readFileSync(fixture, 'utf8'));
  assert.equal(doc.schemaVersion, '2.0');
  const v2 = readResults(fixture);
  v2.classes.forEach((c, i) => {
    assert.deepEqual(c.oniv, doc.classes[i].oniv, 'oniv as the file lists it');
    assert.equal(c.fiv.length, 3);
  });
  assert.ok(v2.classes.some((c) => c.nonAdditive.some((k) => c.oniv[k] !== c.ofiv[k])), 'the fixture has ONIV values of its own');
  const file = path.join(tmp(), 'again.json');
  writeFilesAtomic(resultsFiles(v2, file));
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).schemaVersion, '3.0');
  const v3 = readResults(file);
  for (const key of ['classes', 'features', 'similarity', 'labelCorrelation', 'featureOrder', 'model', 'settings'] as const) assert.deepEqual(v3[key], v2[key], key);
});

/** The Python block of docs/results-schema.md that reads a result (the one that rebuilds ONIV). */
function docsSnippet(): string {
  const doc = fs.readFileSync(path.join(__dirname, '../../docs/results-schema.md'), 'utf8');
  const block = [...doc.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('onivNonAdditive'));
  assert.ok(block, 'docs/results-schema.md has the Python snippet');
  return block!;
}

test('the Python snippet of docs/results-schema.md reads a written result bit for bit (numpy)', { skip: !hasNumpy && 'no /usr/bin/python3 with numpy' }, () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 5, features: 60, restarts: 4, fiv: true, seed: 9 });
  r.classes[2].nonAdditive = [];
  r.classes[2].oniv = [...r.classes[2].ofiv];
  const file = path.join(dir, 'results.json');
  writeFilesAtomic(resultsFiles(r, file));
  const script = [
    docsSnippet(),
    'import zipfile',
    "methods = sorted({i.compress_type for i in zipfile.ZipFile('results.npz').infolist()})",
    "index = np.load('results.npz')['class_index'].tolist()",
    "hexes = {k: v.tobytes().hex() for k, v in [('fiv', fiv), ('ofiv', ofiv), ('oniv', oniv), ('variance', variance), ('similarity', similarity)]}",
    "print(json.dumps({'methods': methods, 'index': index, 'shape': fiv.shape, 'dtypes': [str(a.dtype) for a in (fiv, ofiv, oniv, variance, similarity)], 'names': names, **hexes}))",
  ].join('\n');
  const out = JSON.parse(execFileSync(PYTHON, ['-c', script], { cwd: dir, encoding: 'utf8' }));
  assert.deepEqual(out.methods, [8], 'every member deflated, as numpy.savez_compressed writes them');
  assert.deepEqual(out.index, [0, 1, 2, 3, 4]);
  assert.deepEqual(out.shape, [5, 4, 60]);
  assert.deepEqual(out.dtypes, ['float32', 'float32', 'float32', 'float32', 'float32']);
  assert.deepEqual(out.names, r.classes.map((c) => c.name));
  const rows = (get: (c: Results['classes'][number]) => number[]) => bytes32(r.classes.flatMap(get)).toString('hex');
  assert.equal(out.fiv, rows((c) => c.fiv.flat()));
  assert.equal(out.ofiv, rows((c) => c.ofiv));
  assert.equal(out.variance, rows((c) => c.variance));
  assert.equal(out.oniv, rows((c) => c.oniv), 'ONIV rebuilt from OFIV and the non-additive values');
  assert.equal(out.similarity, bytes32(r.similarity.matrix.flat()).toString('hex'));
});

test('sizes at DeepSEA scale: 919 classes × 10 restarts × 960 features, results.json ≤ 40 MB, every float32 read back bit for bit', () => {
  const dir = tmp();
  const r = syntheticResults({ classes: 919, features: 960, restarts: 10, fiv: true, seed: 3 });
  const file = path.join(dir, 'results.json');
  writeFilesAtomic(resultsFiles(r, file));
  const json = fs.statSync(file).size;
  const npz = fs.statSync(companionPath(file)).size;
  const text = fs.readFileSync(file, 'utf8');
  // The bytes of the class-sized matrices (OFIV, variance: classes × features; the similarity: classes × classes) and of the non-additive ONIV values.
  const bytesOf = (pattern: RegExp) => [...text.matchAll(pattern)].reduce((a, m) => a + m[0].length, 0);
  const matrices = bytesOf(/"(?:ofiv|variance)":\[[^\]]*\]/g) + /"matrix":\[\[.*?\]\]/.exec(text)![0].length;
  const oniv = bytesOf(/"onivNonAdditive":\[[^\]]*\]/g);
  assert.equal(bytesOf(/"oniv":/g), 0, 'no class writes its full ONIV');
  // What ONIV in full would take (schema 2.0 wrote it): as many bytes as OFIV, give or take the non-additive values.
  const fullOniv = r.classes.reduce((a, c) => a + c.oniv.reduce((b, v) => b + float32Json(v).length + 1, 0), 0);
  console.log(`DeepSEA-shaped result, schema 3.0: ${(json / 1e6).toFixed(1)} MB JSON (${(matrices / 1e6).toFixed(1)} MB of it OFIV, variance and similarity, ${(oniv / 1e6).toFixed(2)} MB non-additive ONIV; ONIV in full would add ${(fullOniv / 1e6).toFixed(1)} MB) + ${(npz / 1e6).toFixed(1)} MB npz`);
  // The npz is the float32 FIVs, deflated: random float32 mantissas give ~6 % (exact zeros far more, below).
  const raw = 919 * 10 * 960 * 4;
  assert.ok(npz <= 0.96 * raw && npz >= 0.85 * raw, `npz ${npz} bytes of ${raw}`);
  assert.ok(json - matrices - oniv < 1e6, `${json - matrices - oniv} bytes besides the matrices`);
  assert.ok(json <= 40e6, `results.json ${json} bytes (goal 40 MB)`);
  assert.ok(fullOniv > 10e6, 'the full ONIV would have been a quarter of the file');
  // No precision lost: every float32 of the JSON and the npz reads back as the same bits.
  const back = readResults(file);
  const all = (res: Results, get: (c: Results['classes'][number]) => number[]) => bytes32(res.classes.flatMap(get));
  for (const [name, get] of Object.entries({
    ofiv: (c) => c.ofiv,
    oniv: (c) => c.oniv,
    variance: (c) => c.variance,
    scores: (c) => c.scores,
    objectives: (c) => c.objectives,
    weights: (c) => c.weights,
    fiv: (c) => c.fiv.flat(),
  } satisfies Record<string, (c: Results['classes'][number]) => number[]>)) {
    assert.ok(all(back, get).equals(all(r, get)), name);
  }
  assert.ok(bytes32(back.similarity.matrix.flat()).equals(bytes32(r.similarity.matrix.flat())), 'similarity');
  assert.deepEqual(back.classes.map((c) => c.nonAdditive), r.classes.map((c) => c.nonAdditive));
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
