/**
 * The synthetic validation fixture (docs/validation.md): the simulator is reproducible, the planted
 * motifs are distinct, and the saved model is the one whose held-out AUROC the fixture records.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load';
import { auroc } from '../validation/auroc';
import { comparePwms, reverseComplement } from '../validation/compare';
import { FIXTURE_ROOT, readFixture } from '../validation/fixture';
import { MATCH_THRESHOLD } from '../validation/matching';
import { probabilities } from '../validation/motifs';
import { simulate } from '../validation/simulate';
import { predict } from '../validation/train';

const fixture = readFixture();

test('simulator: same seed gives the same sequences and labels, another seed does not; rules hold', () => {
  const settings = { ...fixture.data.test, count: 50 };
  const a = simulate(settings, fixture.motifs);
  const b = simulate(settings, fixture.motifs);
  const c = simulate({ ...settings, seed: settings.seed + 1 }, fixture.motifs);
  assert.deepEqual(a.onehot, b.onehot);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.onehot, c.onehot);
  // Every position is one letter.
  for (let i = 0; i < a.onehot.length; i += 4) assert.equal(a.onehot[i] + a.onehot[i + 1] + a.onehot[i + 2] + a.onehot[i + 3], 1);
  const k = fixture.classes.length;
  a.presence.forEach((p, n) => {
    assert.equal(a.labels[n * k + 1], p.A && p.B ? 1 : 0);
    assert.equal(a.labels[n * k + 3], p.C && !p.D ? 1 : 0);
  });
});

test('label noise: observed labels are the rule labels flipped with the stated probabilities; sequences and rule labels do not depend on them', () => {
  const settings = { ...fixture.data.test, count: 2000, noiseSeed: fixture.data.test.noiseSeed ?? 20190202 };
  const clean = simulate({ ...settings, labelNoise: 0, falsePositive: 0 }, fixture.motifs);
  assert.deepEqual(clean.observed, clean.labels);
  for (const [falseNegative, falsePositive] of [[0.1, 0.1], [0.1, 0.02]]) {
    const noisy = simulate({ ...settings, labelNoise: falseNegative, falsePositive }, fixture.motifs);
    assert.deepEqual(noisy.onehot, clean.onehot);
    assert.deepEqual(noisy.labels, clean.labels);
    for (const [rule, rate] of [[1, falseNegative], [0, falsePositive]]) {
      const at = Array.from(noisy.labels.keys()).filter((i) => noisy.labels[i] === rule);
      const flipped = at.filter((i) => noisy.observed[i] !== rule).length / at.length;
      // Within 4 standard deviations of the stated rate.
      assert.ok(Math.abs(flipped - rate) < 4 * Math.sqrt((rate * (1 - rate)) / at.length), `rule ${rule}: flip rate ${flipped}, stated ${rate}`);
    }
  }
});

test('PWM comparison: a motif matches itself and its reverse complement with similarity 1', () => {
  const ctcf = probabilities(fixture.motifs[0].counts);
  assert.ok(Math.abs(comparePwms(ctcf, ctcf).similarity - 1) < 1e-12);
  const rc = comparePwms(ctcf, reverseComplement(ctcf));
  assert.ok(Math.abs(rc.similarity - 1) < 1e-12);
  assert.equal(rc.strand, '-');
});

test('the planted motifs are distinct: no pair reaches the match threshold', () => {
  const pfms = fixture.motifs.map((m) => probabilities(m.counts));
  for (let i = 0; i < pfms.length; i++) {
    for (let j = i + 1; j < pfms.length; j++) {
      const s = comparePwms(pfms[i], pfms[j]).similarity;
      assert.ok(s < MATCH_THRESHOLD, `${fixture.motifs[i].name} vs ${fixture.motifs[j].name}: ${s.toFixed(3)}`);
    }
  }
});

test('the saved model reproduces the recorded held-out AUROC (against the rule, and against noisy labels), and every class reaches 0.9 against the rule', async () => {
  await useBackend('cpu');
  const { model } = await loadModel(path.join(FIXTURE_ROOT, 'model.json'));
  const heldOut = simulate(fixture.data.test, fixture.motifs);
  const p = predict(model, heldOut);
  const k = fixture.classes.length;
  const n = heldOut.settings.count;
  fixture.classes.forEach((c, j) => {
    const measured = auroc(Array.from({ length: n }, (_, i) => p[i * k + j]), Array.from({ length: n }, (_, i) => heldOut.labels[i * k + j]));
    assert.ok(Math.abs(measured - fixture.auroc[c.name]) < 1e-3, `${c.name}: ${measured} vs recorded ${fixture.auroc[c.name]}`);
    if (fixture.aurocObserved) {
      const observed = auroc(Array.from({ length: n }, (_, i) => p[i * k + j]), Array.from({ length: n }, (_, i) => heldOut.observed[i * k + j]));
      assert.ok(Math.abs(observed - fixture.aurocObserved[c.name]) < 1e-3, `${c.name}: ${observed} vs recorded ${fixture.aurocObserved[c.name]} (noisy labels)`);
    }
    assert.ok(measured >= 0.9, `${c.name}: AUROC ${measured.toFixed(3)}`);
  });
});
