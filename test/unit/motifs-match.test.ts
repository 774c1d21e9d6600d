import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { resolveFeatures } from '../../src/engine/resolve';
import {
  annotateFeatures,
  benjaminiHochberg,
  bestSignificantMatch,
  countsToPwm,
  loadLibrary,
  matchPwm,
  parseMotifs,
  reverseComplement,
  scoreAll,
  type Motif,
} from '../../src/engine/motifs';
import { loaded } from '../helpers/models';

const JASPAR = path.join(__dirname, '..', '..', 'motifs', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac.txt');
const motifs = parseMotifs(fs.readFileSync(JASPAR, 'utf8'), JASPAR);
const library = loadLibrary(motifs);
const motif = (id: string): Motif => motifs.find((m) => m.id === id)!;
const pwmOf = (id: string) => countsToPwm(motif(id).counts);
const CTCF = 'MA0139.2';
const FOXA1 = 'MA0148.5';
const REST = 'MA0138.3';

/** Seeded shuffle (LCG), so that the control is the same on every run. */
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

test('Benjamini–Hochberg q-values', () => {
  const q = Array.from(benjaminiHochberg([0.04, 0.01, 0.03, 0.5]));
  const expected = [0.16 / 3, 0.04, 0.16 / 3, 0.5];
  q.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `q[${i}] = ${v}, expected ${expected[i]}`));
});

test('a JASPAR motif against the collection finds itself: same strand, offset 0, full overlap, tiny p', () => {
  const [best] = matchPwm(pwmOf(CTCF), library, { top: 3 });
  assert.equal(best.id, CTCF);
  assert.equal(best.name, 'CTCF');
  assert.equal(best.strand, '+');
  assert.equal(best.offset, 0);
  assert.equal(best.overlap, 15);
  assert.ok(Math.abs(best.score - 15) < 1e-9, `score ${best.score}`); // r = 1 in each of 15 columns
  assert.ok(best.pValue < 1e-20, `p ${best.pValue}`);
  assert.ok(Math.abs(best.eValue - best.pValue * 879) < 1e-30);
  assert.ok(best.qValue >= best.pValue && best.qValue < 1e-15, `q ${best.qValue}`);
  assert.match(best.attribution ?? '', /JASPAR 2024 \(CC BY 4\.0\)/);
  assert.equal(best.source, 'JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac.txt');
});

test('the reverse complement matches on the - strand', () => {
  const [best] = matchPwm(reverseComplement(pwmOf(CTCF)), library);
  assert.deepEqual([best.id, best.strand, best.offset, best.overlap], [CTCF, '-', 0, 15]);
  assert.ok(best.pValue < 1e-20, `p ${best.pValue}`);
});

test('shifted copies give the offset of the target in the query', () => {
  // Four unrelated columns before the motif: the target starts under query column 4.
  const flank = [
    [0.1, 0.7, 0.1, 0.1],
    [0.7, 0.1, 0.1, 0.1],
    [0.1, 0.1, 0.1, 0.7],
    [0.1, 0.1, 0.7, 0.1],
  ];
  const padded = [...flank, ...pwmOf(CTCF)];
  const [after] = matchPwm(padded, library);
  assert.deepEqual([after.id, after.strand, after.offset, after.overlap], [CTCF, '+', 4, 15]);
  assert.ok(after.pValue < 1e-10, `p ${after.pValue}`);
  // The same on the other strand: the reverse complement puts the flank last, motif at 0.
  const [rc] = matchPwm(reverseComplement(padded), library);
  assert.deepEqual([rc.id, rc.strand, rc.offset, rc.overlap], [CTCF, '-', 0, 15]);
  // The motif without its first three columns: the target starts three columns before the query.
  const [cut] = matchPwm(pwmOf(CTCF).slice(3), library);
  assert.deepEqual([cut.id, cut.strand, cut.offset, cut.overlap], [CTCF, '+', -3, 12]);
  assert.ok(cut.pValue < 1e-12, `p ${cut.pValue}`);
});

test('flanks of less than 0.1 bit are trimmed before matching; offsets still count from the untrimmed query', () => {
  const weak = [0.3, 0.24, 0.23, 0.23]; // 0.005 bits
  const padded = [weak, weak, weak, ...pwmOf(CTCF), weak, weak];
  const [trimmed] = matchPwm(padded, library);
  const [plain] = matchPwm(pwmOf(CTCF), library);
  assert.deepEqual([trimmed.id, trimmed.strand, trimmed.offset, trimmed.overlap], [CTCF, '+', 3, 15]);
  assert.equal(trimmed.pValue, plain.pValue);
  // Kept, the weak flanks only add alignment offsets, i.e. chances to score well by luck.
  const [untrimmed] = matchPwm(padded, library, { trimIc: 0 });
  assert.deepEqual([untrimmed.id, untrimmed.offset], [CTCF, 3]);
  assert.ok(untrimmed.pValue > trimmed.pValue, `${untrimmed.pValue} vs ${trimmed.pValue}`);
  assert.deepEqual(matchPwm([weak, weak], library), []);
});

test('column-shuffled controls are not significant, not even against their own motif', () => {
  for (const [id, seed] of [
    [CTCF, 3],
    [FOXA1, 3],
    [REST, 3],
  ] as const) {
    const control = shuffled(pwmOf(id), seed);
    const all = scoreAll(control, library);
    const self = motifs.indexOf(motif(id));
    assert.ok(all.pValues[self] > 0.01, `${id} shuffled vs itself: p ${all.pValues[self]}`);
    const [best] = all.top(1, false);
    assert.ok(best.qValue > 0.05, `${id} shuffled: best match ${best.name} q ${best.qValue}`);
  }
});

test('the null is calibrated: queries made of columns drawn from the collection give uniform p-values', () => {
  const columns = motifs.flatMap((m) => countsToPwm(m.counts));
  const picks = shuffled(Array.from(columns.keys()), 17).slice(0, 300);
  const p: number[] = [];
  for (let k = 0; k < 30; k++) p.push(...scoreAll(picks.slice(k * 10, k * 10 + 10).map((i) => columns[i]), library).pValues);
  const below = (a: number) => p.filter((x) => x < a).length / p.length;
  // 26,370 p-values; a calibrated null puts a fraction ≈ a of them below a.
  assert.ok(below(0.05) > 0.03 && below(0.05) < 0.07, `fraction below 0.05: ${below(0.05)}`);
  assert.ok(below(0.01) > 0.005 && below(0.01) < 0.015, `fraction below 0.01: ${below(0.01)}`);
});

test('bad query PWMs are refused', () => {
  assert.throws(() => matchPwm([], library), /empty PWM/);
  assert.throws(() => matchPwm([[0.5, 0.5, 0]], library), /position 1 is not 4 finite numbers/);
});

/** Log-odds letter weights log2(p / 0.25) of a motif, zero-padded to `width` positions. */
function logOdds(id: string, width: number): number[][] {
  const pwm = pwmOf(id).map((row) => row.map((p) => Math.log2(p / 0.25)));
  return Array.from({ length: width }, (_, i) => pwm[i] ?? [0, 0, 0, 0]);
}

test('pipeline: Conv1D filters set to JASPAR log-odds come back named after their motifs', async () => {
  await useBackend('cpu');
  const ids = [CTCF, FOXA1, REST];
  const width = Math.max(...ids.map((id) => motif(id).counts.length));
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [60, 4], filters: 3, kernelSize: width, activation: 'relu', name: 'conv' }),
      tfl.layers.globalMaxPooling1d({ name: 'pool' }),
      tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }),
    ],
  });
  const kernels = ids.map((id) => logOdds(id, width));
  // TF.js Conv1D kernel layout: [width, 4 letters, filters].
  const kernel = Array.from({ length: width }, (_, p) => [0, 1, 2, 3].map((b) => kernels.map((k) => k[p][b])));
  model.getLayer('conv').setWeights([tf.tensor3d(kernel), tf.zeros([3])]);
  model.getLayer('out').setWeights([tf.tensor2d([[1, 0.2], [0.5, 1], [-0.5, 0.3]]), tf.zeros([2])]);
  const results = await resolveFeatures({ loaded: loaded(model, 'jaspar-filters'), settings: { layer: 'pool', restarts: 2, seed: 1, backend: 'cpu' } });
  const annotated = annotateFeatures(results, library, { top: 3 });
  assert.equal(results.features[0].matches, undefined, 'the input results are not modified');
  const best = annotated.features.map((f) => bestSignificantMatch(f));
  assert.deepEqual(
    best.map((m) => m && [m.id, m.strand, m.offset]),
    ids.map((id) => [id, '+', 0]),
  );
  // Positive parts of log-odds keep only the preferred letters, so the PWMs are cruder than the
  // motifs: CTCF and REST stay far beyond doubt, the short FOXA1 less so.
  const q = best.map((m) => m!.qValue);
  assert.ok(q[0] < 1e-8 && q[1] < 0.01 && q[2] < 1e-8, `q-values ${q}`);
  for (const f of annotated.features) {
    assert.ok(f.matches!.length <= 3 && f.matches!.every((m) => m.qValue <= 0.5));
    assert.equal(f.matches![0].pwm!.length, motif(f.matches![0].id).counts.length);
  }
  assert.match(annotated.notes.at(-1)!, /3 feature PWMs compared with 879 motifs .*JASPAR 2024 \(CC BY 4\.0\)/);
});
