import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { choleskySemidefinite, startSampler } from '../../src/engine/ascent/start-sampler';
import { chiSquare, fillNormal, uniform } from '../../src/engine/rng';
import { resolveFeatures } from '../../src/engine/resolve';
import { loaded, seededWeights } from '../helpers/models';

const P = 30;
const K = 3;
const U = 5;

function moments(rows: Float64Array[] | Float32Array[], dim: number) {
  const n = rows.length;
  const cov = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
  for (const r of rows) for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) cov[i][j] += (r[i] * r[j]) / n;
  return cov;
}

test('sampled start statistics have the law of explicit starts: Cov(p₀) = G, Cov(q₀) = I/P, Cov(p₀, q₀) = W̄₁ᵀ, E‖H₀‖² = D', async () => {
  await useBackend('cpu');
  const w1 = Float32Array.from(fillNormal(new Float32Array(P * K * U), 9), (x) => x * 0.3);
  const w = tf.tensor2d(w1, [P * K, U]);
  const gram = tf.matMul(tf.transpose(w), w).dataSync() as Float32Array;
  const meanW1 = tf.mean(tf.reshape(w, [P, K, U]), 0).dataSync() as Float32Array;
  const sampler = startSampler(gram, meanW1, U, K, P);
  const N = 20000;
  const pairs = Array.from({ length: N }, (_, i) => ({ cls: 0, restart: i }));
  const { p0, q0, n0 } = sampler.sample(pairs, 1);
  const rows = Array.from({ length: N }, (_, i) => Float64Array.from([...p0.subarray(i * U, (i + 1) * U), ...q0.subarray(i * K, (i + 1) * K)]));
  const cov = moments(rows, U + K);
  const gScale = Math.max(...gram);
  for (let i = 0; i < U; i++) for (let j = 0; j < U; j++) assert.ok(Math.abs(cov[i][j] - gram[i * U + j]) < 0.05 * gScale, `Cov(p0)[${i},${j}] ${cov[i][j]} vs ${gram[i * U + j]}`);
  for (let k = 0; k < K; k++) for (let m = 0; m < K; m++) assert.ok(Math.abs(cov[U + k][U + m] - (k === m ? 1 / P : 0)) < 0.05 / P, `Cov(q0)[${k},${m}] ${cov[U + k][U + m]}`);
  // Five standard errors of a sample covariance of p₀ᵢ (variance Gᵢᵢ) and q₀ₖ (variance 1/P).
  for (let i = 0; i < U; i++) {
    const se = Math.sqrt(gram[i * U + i] / P / N);
    for (let k = 0; k < K; k++) assert.ok(Math.abs(cov[i][U + k] - meanW1[k * U + i]) < 5 * se, `Cov(p0,q0)[${i},${k}] ${cov[i][U + k]} vs ${meanW1[k * U + i]}`);
  }
  const mean = n0.reduce((a, b) => a + b, 0) / N;
  const variance = n0.reduce((a, b) => a + (b - mean) ** 2, 0) / N;
  assert.ok(Math.abs(mean - P * K) < 0.02 * P * K, `E‖H0‖² ${mean} vs ${P * K}`);
  assert.ok(Math.abs(variance - 2 * P * K) < 0.1 * 2 * P * K, `Var‖H0‖² ${variance} vs ${2 * P * K}`);
  tf.dispose([w]);
});

test('chi-square draws have mean df and variance 2·df; Cholesky of a semidefinite matrix finds its rank', () => {
  const u = uniform(4);
  for (const df of [0.5, 3, 500]) {
    const xs = Array.from({ length: 20000 }, () => chiSquare(df, u));
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length;
    assert.ok(Math.abs(m - df) < 0.05 * df + 0.02, `mean ${m} for df ${df}`);
    assert.ok(Math.abs(v - 2 * df) < 0.1 * 2 * df, `variance ${v} for df ${df}`);
  }
  assert.equal(chiSquare(0, u), 0);
  // [[4, 2], [2, 1]] has rank 1.
  const { l, rank } = choleskySemidefinite(Float64Array.from([4, 2, 2, 1]), 2);
  assert.equal(rank, 1);
  assert.deepEqual(Array.from(l), [2, 0, 1, 0]);
});

test('hidden-space runs with sampled starts reach the same optima as explicit starts, in distribution', async () => {
  await useBackend('cpu');
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [42, 4], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 6, activation: 'relu', name: 'fc' }),
      tfl.layers.dense({ units: 2, activation: 'sigmoid', name: 'out' }),
    ],
  });
  seededWeights(model, 8);
  const settings = { layer: 'conv', restarts: 150, seed: 2, backend: 'cpu' as const };
  const explicit = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, starts: 'explicit' } });
  const sampled = await resolveFeatures({ loaded: loaded(model), settings });
  assert.equal(sampled.settings.ascentUsed, 'hidden');
  assert.notDeepEqual(explicit.classes[0].scores, sampled.classes[0].scores, 'different draws');
  for (let c = 0; c < 2; c++) {
    const [e, s] = [explicit.classes[c], sampled.classes[c]];
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    assert.ok(Math.abs(mean(e.objectives) - mean(s.objectives)) < 0.05 * Math.abs(mean(e.objectives)) + 1e-3, `class ${c} mean J ${mean(e.objectives)} vs ${mean(s.objectives)}`);
    const scale = Math.max(...e.ofiv.map(Math.abs));
    e.ofiv.forEach((v, k) => assert.ok(Math.abs(v - s.ofiv[k]) < 0.1 * scale, `class ${c} OFIV[${k}] ${v} vs ${s.ofiv[k]}`));
  }
});
