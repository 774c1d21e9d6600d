/**
 * Ground-truth checks of issue 7 on the synthetic model (docs/validation.md): the analysis runs
 * once (engine defaults, seeds 0 and 1) and each test asserts its stated threshold. Two claims of
 * the issue do not hold on this honestly trained model; their tests assert what was measured
 * instead, and say so in their names (details and evidence: docs/validation.md, "Findings").
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseFixture, type Analysis } from '../validation/analysis';
import { matchFilters, type FilterMatch } from '../validation/matching';
import { classFilterFor, motifRecoveryRows, negativeRows, nonAdditivityRows, sharingRows, stabilityRows, type CheckRow } from '../validation/checks';
import { SHARING_PAIR } from '../validation/rules';
import { jasparRank } from '../validation/jaspar';

let analysis: Analysis;
let matches: FilterMatch[];

before(async () => {
  analysis = await analyseFixture();
  matches = matchFilters(analysis.runs[0].features, analysis.fixture.motifs);
});

function assertRows(rows: CheckRow[]) {
  assert.ok(rows.length > 0);
  for (const r of rows) assert.ok(r.pass, `${r.check} [${r.class}]: ${r.measured}, needs ${r.threshold} — ${r.detail}`);
}

const cls = (name: string) => analysis.runs[0].classes.find((c) => c.name === name)!;

test('every planted motif is learned by at least one first-layer filter (similarity ≥ 0.7)', () => {
  for (const m of analysis.fixture.motifs) assert.ok(matches.some((f) => f.role === m.role), `no filter matches ${m.name}`);
});

test('motif recovery: each rule motif has a matching filter within the top 2 × (motifs in the rule) of its class', () => {
  assertRows(motifRecoveryRows(analysis, matches));
});

test('negative feature: filters matching D have negative OFIV for C&!D and are flagged negative', () => {
  assertRows(negativeRows(analysis, matches));
});

test('non-additivity: in the XOR class B^C the B and C filters vary more across restarts than in A and B|C, and form the non-additive group', () => {
  assertRows(nonAdditivityRows(analysis, matches, ['B^C']));
});

test('finding, not the issue claim: the AND class A&B has a single optimum, hence no non-additive group', () => {
  // The issue expects A and B to be non-additive in A&B; on this model every restart reaches the
  // same optimum. The rows stay failing in `npm run validate`; this test pins the measured cause.
  // Retraining on noisy labels made A&B non-additive in log-odds on the data but kept one optimum
  // (docs/validation.md, "Label noise and other levers").
  const rows = nonAdditivityRows(analysis, matches, ['A&B']);
  assert.ok(rows.every((r) => !r.pass));
  const c = cls('A&B');
  const mean = c.scores.reduce((a, b) => a + b, 0) / c.scores.length;
  assert.ok(Math.max(...c.scores) - Math.min(...c.scores) < 0.05 * mean, `scores ${c.scores}`);
  assert.equal(c.gmmComponents, 1);
  assert.deepEqual(c.nonAdditive, []);
});

test('feature sharing: labels of A&E and A&F correlate < 0.2 (their OFIV similarity does not beat every disjoint pair: see findings)', () => {
  const [similarity, labels] = sharingRows(analysis, SHARING_PAIR);
  assertRows([labels]);
  // Measured, not the threshold: positive similarity, above most pairs sharing no motif.
  const value = Number(similarity.measured);
  assert.ok(value > 0, similarity.detail);
});

test('stability: OFIV rankings of seeds 0 and 1 have Spearman ≥ 0.9 for every class', () => {
  assertRows(stabilityRows(analysis));
});

test("cross-check with the project's motif matcher: each recovered filter's best JASPAR match is the planted motif", () => {
  const results = analysis.runs[0];
  for (const rule of analysis.fixture.classes) {
    const c = cls(rule.name);
    for (const role of rule.uses) {
      const motif = analysis.fixture.motifs.find((m) => m.role === role)!;
      const found = classFilterFor(c, matches.filter((m) => m.role === role).map((m) => m.feature))!;
      const { rank, best } = jasparRank(results.features[found.filter].pwm!, motif.jaspar);
      assert.equal(rank, 1, `${rule.name}: filter ${found.filter} for ${motif.name}: best ${best}`);
    }
  }
});
