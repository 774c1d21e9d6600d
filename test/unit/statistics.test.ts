import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitMixture, selectMixture } from '../../src/engine/gmm';
import { classStatistics, restartWeights } from '../../src/engine/statistics';
import { clusterOrder, correlation } from '../../src/engine/cluster';
import { parseLabels } from '../../src/engine/labels';
import { weightsToPwm } from '../../src/engine/pwm';
import { parseClassSpec } from '../../src/engine/classes';
import { fillNormal } from '../../src/engine/rng';

test('restart weights: scores, shifted when negative, equal when all zero', () => {
  assert.deepEqual(restartWeights([1, 3]), [0.25, 0.75]);
  assert.deepEqual(restartWeights([-1, 1]), [0, 1]);
  assert.deepEqual(restartWeights([0, 0]), [0.5, 0.5]);
});

test('OFIV is the score-weighted mean; variance the weighted variance', () => {
  const stats = classStatistics([[1, 0], [3, 0]], [1, 3], { regCovar: 1e-6, negativeThreshold: 0.05 });
  assert.equal(stats.ofiv[0], 0.25 * 1 + 0.75 * 3);
  assert.ok(Math.abs(stats.variance[0] - (0.25 * (1 - 2.5) ** 2 + 0.75 * (3 - 2.5) ** 2)) < 1e-12);
  assert.equal(stats.variance[1], 0);
});

test('mixture: BIC picks one component for one cluster and two for two well-separated clusters', () => {
  const one = Array.from(fillNormal(new Float32Array(30), 5), (z) => 1 + 0.01 * z);
  assert.equal(selectMixture(one).best.components, 1);
  const two = [...one, ...one.map((x) => x + 5)];
  const { best, bic } = selectMixture(two);
  assert.equal(best.components, 2);
  assert.equal(bic.length, 3);
  assert.ok(Math.abs(Math.min(...best.means) - 1) < 0.01 && Math.abs(Math.max(...best.means) - 6) < 0.01);
  const fit = fitMixture(two, 2);
  assert.deepEqual(new Set(fit.assignment.slice(0, 30)).size, 1);
  assert.notEqual(fit.assignment[0], fit.assignment[30]);
});

test('correlation and average-linkage order put correlated vectors next to each other', () => {
  assert.ok(Math.abs(correlation([1, 2, 3], [2, 4, 6]) - 1) < 1e-12);
  assert.ok(Math.abs(correlation([1, 2, 3], [3, 2, 1]) + 1) < 1e-12);
  assert.equal(correlation([1, 1, 1], [1, 2, 3]), 0);
  // Items 0 and 2 are close, 1 and 3 are close.
  const d = [
    [0, 9, 1, 9],
    [9, 0, 9, 2],
    [1, 9, 0, 9],
    [9, 2, 9, 0],
  ];
  const order = clusterOrder(d);
  assert.equal(Math.abs(order.indexOf(0) - order.indexOf(2)), 1);
  assert.equal(Math.abs(order.indexOf(1) - order.indexOf(3)), 1);
});

test('labels: names, CSV with header, TSV, NPY; bad lines are named', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.deepEqual(parseLabels(enc('CTCF\nGATA1\n'), 'n.txt'), { names: ['CTCF', 'GATA1'] });
  const csv = parseLabels(enc('CTCF,GATA1\n1,0\n0,1\n1,1\n'), 'l.csv');
  assert.deepEqual(csv.names, ['CTCF', 'GATA1']);
  assert.deepEqual(Array.from(csv.columns![0]), [1, 0, 1]);
  assert.equal(csv.samples, 3);
  const tsv = parseLabels(enc('1\t0\n0\t1\n'), 'l.tsv');
  assert.equal(tsv.names, undefined);
  assert.deepEqual(Array.from(tsv.columns![1]), [0, 1]);
  assert.throws(() => parseLabels(enc('a,b\n1,0\n1\n'), 'bad.csv'), /bad.csv: line 3 has 1 values, expected 2/);
  assert.throws(() => parseLabels(enc('a,b\n1,x\n'), 'bad.csv'), /bad.csv: line 2 has a value that is not a number/);
  // A 2 × 3 float32 NPY file, written by hand.
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  const padded = header + ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const bytes = new Uint8Array(10 + padded.length + 24);
  bytes.set([0x93, ...enc('NUMPY'), 1, 0, padded.length & 0xff, padded.length >> 8]);
  bytes.set(enc(padded), 10);
  new Float32Array(bytes.buffer, 10 + padded.length, 6).set([1, 0, 1, 0, 1, 1]);
  const npy = parseLabels(bytes, 'l.npy');
  assert.equal(npy.samples, 2);
  assert.deepEqual(npy.columns!.map((c) => Array.from(c)), [[1, 0], [0, 1], [1, 1]]);
});

test('class selections: ranges, lists, names, and the errors', () => {
  assert.deepEqual(parseClassSpec('0-2,5', 8), [0, 1, 2, 5]);
  assert.deepEqual(parseClassSpec('all', 3), [0, 1, 2]);
  assert.deepEqual(parseClassSpec('GATA1,0', 2, ['CTCF', 'GATA1']), [1, 0]);
  assert.throws(() => parseClassSpec('3-1', 5), /backwards/);
  assert.throws(() => parseClassSpec('7', 5), /class 7 is out of range: the model has 5 classes \(0-4\)/);
});

test('PWM: positive part normalised per position, uniform when none is positive, information content in bits', () => {
  const { matrix, ic } = weightsToPwm([[2, 0, 0, 0], [-1, -1, -1, -1], [1, 1, -3, 0]]);
  assert.deepEqual(matrix, [[1, 0, 0, 0], [0.25, 0.25, 0.25, 0.25], [0.5, 0.5, 0, 0]]);
  assert.deepEqual(ic, [2, 0, 1]);
});
