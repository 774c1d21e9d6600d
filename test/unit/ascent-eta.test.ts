/**
 * The ETA of a batched ascent (src/engine/ascent/eta.ts) on synthetic runs with a fake clock:
 * pairs of known lengths stepped in a chunk, one second per step, so the true time left is known
 * at every step. The estimate is exact when every pair has the same length, follows the truth when
 * lengths vary (early-stopped pairs among long ones), where the mean of the finished pairs'
 * lengths (the estimate before issue 14) gave half the time or less; and the Kaplan-Meier curve it
 * uses has the values worked out by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AscentEta, survival } from '../../src/engine/ascent/eta';

interface Report {
  now: number;
  done: number;
  eta: number | null;
  fraction: number;
  /** The estimate before issue 14, from the same run. */
  before: number | null;
  trueLeft: number;
}

/** Steps `lengths` (in order) through a chunk of `chunk` slots, one second per step, reporting after each step. */
function simulate(lengths: number[], chunk: number, maxIter = 10000): Report[] {
  const eta = new AscentEta(lengths.length, maxIter, chunk);
  let next = 0;
  let slots: { length: number; t: number }[] = [];
  const fill = () => {
    while (next < lengths.length && slots.length < chunk) slots.push({ length: lengths[next++], t: 0 });
  };
  fill();
  const reports: Omit<Report, 'trueLeft'>[] = [];
  const finished: number[] = [];
  let now = 0;
  while (slots.length) {
    now++;
    for (const s of slots) s.t++;
    for (const s of slots.filter((x) => x.t === x.length)) {
      eta.finished(s.length);
      finished.push(s.length);
    }
    slots = slots.filter((s) => s.t < s.length);
    fill();
    if (slots.length) eta.stepped();
    const { etaSeconds, fraction } = eta.estimate(now, slots.map((s) => s.t));
    // Before: running pairs counted by their steps against the mean length of the pairs finished.
    const mean = finished.length ? finished.reduce((a, b) => a + b, 0) / finished.length : Math.min(maxIter, 200);
    const f = Math.min(1, (finished.length + slots.reduce((a, s) => a + Math.min(s.t / mean, 0.95), 0)) / lengths.length);
    reports.push({ now, done: finished.length, eta: etaSeconds, fraction, before: f > 0.01 ? (now * (1 - f)) / f : null });
  }
  return reports.map((r) => ({ ...r, trueLeft: now - r.now }));
}

test('pairs of one length: the estimate is the time left, exactly, once the first pairs stopped', () => {
  const reports = simulate(Array(10).fill(100), 2);
  assert.equal(reports[reports.length - 1].trueLeft, 0);
  const first = reports.find((r) => r.done > 0)!;
  assert.equal(first.now, 100);
  assert.equal(first.done, 2);
  // 8 pairs of 100 steps left, 2 at a time: 400 s; 200 of 1000 pair-steps done.
  assert.equal(first.eta, 400);
  assert.equal(first.fraction, 0.2);
  assert.equal(first.trueLeft, 400);
  for (const r of reports.filter((x) => x.done > 0)) assert.ok(Math.abs(r.eta! - r.trueLeft) <= 1, `at ${r.now} s: ${r.eta} vs ${r.trueLeft}`);
});

test('before a pair stops there is no time left to show; at the end, none left', () => {
  const reports = simulate(Array(4).fill(50), 4);
  assert.ok(reports.slice(0, 49).every((r) => r.eta === null && r.fraction < 1));
  const last = reports[reports.length - 1];
  assert.deepEqual([last.eta, last.fraction], [0, 1]);
});

/** Lengths `base + span·uᵖ` with u evenly spread in [0, 1) (golden-ratio order): many early-stopped pairs, a few long ones. */
const skewed = (n: number, base: number, span: number, p: number) => Array.from({ length: n }, (_, i) => Math.round(base + span * ((i * 0.6180339887) % 1) ** p));

/** Mean relative error of the estimates (and of the estimate before) from a tenth of the run to its last twentieth, and the first of them. */
function errors(reports: Report[]) {
  const total = reports[reports.length - 1].now;
  const measured = reports.filter((r) => r.now >= total / 10 && r.trueLeft >= total / 20);
  const mean = (f: (r: Report) => number) => measured.reduce((a, r) => a + (f(r) - r.trueLeft) / r.trueLeft, 0) / measured.length;
  return { now: mean((r) => r.eta!), before: mean((r) => r.before!), first: measured[0] };
}

test('early-stopped pairs among long ones: the estimate follows the time left; the mean of finished lengths gave about half', () => {
  // 400 pairs of 40-640 steps (mean 160), 32 at a time; 600 pairs of 20-320 steps (mean 120), 64 at a time.
  for (const [lengths, chunk] of [[skewed(400, 40, 600, 4), 32], [skewed(600, 20, 300, 2), 64]] as const) {
    const e = errors(simulate(lengths, chunk));
    assert.ok(Math.abs(e.now) < 0.1, `mean relative error now ${e.now.toFixed(3)}`);
    assert.ok(e.before < -0.5, `before: ${e.before.toFixed(3)}`);
    // At a tenth of the run: within 15% now; before, less than 60% of the time left.
    assert.ok(Math.abs(e.first.eta! - e.first.trueLeft) < 0.15 * e.first.trueLeft, `now: ${e.first.eta} s of ${e.first.trueLeft} s`);
    assert.ok(e.first.before! < 0.6 * e.first.trueLeft, `before: ${e.first.before} s of ${e.first.trueLeft} s`);
  }
  // Three of four pairs stop at 30 steps, one runs 900: until a long one ends nothing says how long they are; on average it is no underestimate by half any more.
  const hard = errors(simulate(Array.from({ length: 80 }, (_, i) => (i % 4 === 3 ? 900 : 30)), 16));
  assert.ok(hard.now > -0.1 && hard.now < 0.3, `mean relative error now ${hard.now.toFixed(3)}`);
  assert.ok(hard.before < -0.9, `before: ${hard.before.toFixed(3)}`);
});

test('the Kaplan-Meier curve counts running pairs as longer than their steps so far', () => {
  // Stopped at 2 and 4 steps, one running at 3: S = 2/3 from 2 on (1 of 3 at risk stopped), 0 from 4 on.
  const curve = survival([2, 4], [3], 10000);
  assert.deepEqual([1, 2, 3, 4].map(curve.at), [1, 1 - 1 / 3, 1 - 1 / 3, 0]);
  // Mean length ∫S = 2 + 2·(2/3); the running pair at 3 still takes 1 step.
  assert.ok(Math.abs(curve.residual(0) - 10 / 3) < 1e-12);
  assert.equal(curve.residual(3), 1);
  // Running past every length seen to end: as long again as it ran, at most to maxIter.
  const open = survival([5], [20], 30);
  assert.equal(open.at(10), 1 / 2);
  assert.equal(open.residual(20), 10);
  // Quantiles: half the pairs stop by 2 steps; the one running at 3 stops at 4 (all of it).
  assert.equal(curve.quantile(0.3), 2);
  assert.equal(curve.quantile(0.5), 4);
  assert.equal(curve.residualQuantile(3, 0.5), 1);
});
