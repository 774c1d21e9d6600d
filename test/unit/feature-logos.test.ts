/**
 * Model-derived logos (src/engine/feature-logos) on models whose answer is known by construction:
 * a convolution whose filter is CTCF's log-odds matrix; a second convolution that fires only when
 * the two halves of REST (two first-layer filters, pooled) sit 10 bp apart; a dead ReLU; a
 * channel that ignores the sequence. The logos are compared with the planted JASPAR matrices by
 * the validation suite's similarity and named by the project's JASPAR matcher; the modes of
 * --feature-logos are checked through resolveFeatures.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { CancelledError } from '../../src/engine/errors';
import { modelLogos } from '../../src/engine/feature-logos';
import { topChannels } from '../../src/engine/feature-logos/features';
import type { LoadedModel } from '../../src/engine/load/model';
import { resolveFeatures } from '../../src/engine/resolve';
import { comparePwms } from '../validation/compare';
import { jasparRank } from '../validation/jaspar';
import { motifByRole, probabilities } from '../validation/motifs';

const ctcf = motifByRole('A');
const rest = motifByRole('E');
const logOdds = (counts: number[][]) => probabilities(counts).map((row) => row.map((p) => Math.log2(Math.max(p, 1e-3) / 0.25)));
const best = (m: number[][]) => m.reduce((a, row) => a + Math.max(...row), 0);

/** Kernel [width, 4, filters] from per-filter log-odds matrices (padded with zeros to `width`). */
function kernel(filters: number[][][], width: number): tf.Tensor3D {
  const w = new Float32Array(width * 4 * filters.length);
  filters.forEach((m, f) => m.forEach((row, p) => row.forEach((v, b) => (w[(p * 4 + b) * filters.length + f] = v))));
  return tf.tensor3d(w, [width, 4, filters.length]);
}

const loaded = (model: tfl.LayersModel): LoadedModel => ({ model, name: 'built', path: '-', format: 'tfjs-layers' });

/** Conv1D(3 filters: CTCF log-odds, a dead ReLU, a constant) → global max pooling → Dense(1). */
function ctcfModel(): tfl.LayersModel {
  const lo = logOdds(ctcf.counts);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [101, 4], filters: 3, kernelSize: 15, activation: 'relu', name: 'conv' }),
      tfl.layers.globalMaxPooling1d({ name: 'pool' }),
      tfl.layers.dense({ units: 1, name: 'out' }),
    ],
  });
  const zeros = lo.map((row) => row.map(() => 0));
  model.getLayer('conv').setWeights([kernel([lo, lo, zeros], 15), tf.tensor1d([-0.5 * best(lo), -1e4, 0.5])]);
  model.getLayer('out').setWeights([tf.tensor2d([[1], [1], [1]]), tf.tensor1d([0])]);
  return model;
}

/**
 * REST as two 10-bp halves: conv1 filters 0 and 1 are the halves' log-odds, max-pooled by 2;
 * conv2 channel 0 adds filter 0 at pooled offset 0 and filter 1 at pooled offset 5 (10 bp later),
 * and fires only when both are strong; channel 1 adds filter 0 alone at a low threshold.
 */
function restModel(): tfl.LayersModel {
  const lo = logOdds(rest.counts);
  const left = lo.slice(0, 10);
  const right = lo.slice(10, 20);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv1d({ inputShape: [120, 4], filters: 2, kernelSize: 10, activation: 'relu', name: 'conv1' }),
      tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv1d({ filters: 2, kernelSize: 6, activation: 'relu', name: 'conv2' }),
      tfl.layers.globalMaxPooling1d({ name: 'pool2' }),
      tfl.layers.dense({ units: 1, name: 'out' }),
    ],
  });
  model.getLayer('conv1').setWeights([kernel([left, right], 10), tf.tensor1d([-0.3 * best(left), -0.3 * best(right)])]);
  const w2 = new Float32Array(6 * 2 * 2);
  w2[(0 * 2 + 0) * 2 + 0] = 1; // conv2 channel 0 ← filter 0 at offset 0
  w2[(5 * 2 + 1) * 2 + 0] = 1; // … and filter 1 at offset 5
  w2[(0 * 2 + 0) * 2 + 1] = 1; // channel 1 ← filter 0 alone
  const both = 0.7 * (best(left) + best(right)) - 0.3 * (best(left) + best(right));
  model.getLayer('conv2').setWeights([tf.tensor3d(w2, [6, 2, 2]), tf.tensor1d([-0.6 * both, 0])]);
  model.getLayer('out').setWeights([tf.tensor2d([[1], [1]]), tf.tensor1d([0])]);
  return model;
}

before(async () => {
  await useBackend('cpu');
});

describe('model-derived logos', () => {
  test('a CTCF filter under global max pooling: the logo is CTCF (similarity ≥ 0.8, JASPAR names it); a dead ReLU and a constant channel get reasons', async () => {
    const out = await modelLogos(loaded(ctcfModel()), 1, [0, 1, 2], { sequences: 3000, top: 200, seed: 0 });
    assert.equal(out.layer, 'conv', 'computed under the global pooling');
    assert.deepEqual(out.field && [out.field.size, out.field.stride], [15, 1]);
    const logo = out.logos.get(0)!;
    assert.ok(logo, out.missing.get(0));
    const sim = comparePwms(logo.probabilities, probabilities(ctcf.counts));
    assert.ok(sim.similarity >= 0.8, `similarity ${sim.similarity}`);
    const j = jasparRank(logo.probabilities, ctcf.jaspar);
    assert.equal(j.rank, 1, j.best);
    assert.equal(logo.windows, 200);
    assert.ok(logo.window[1] - logo.window[0] + 1 === logo.probabilities.length && logo.probabilities.length <= 15);
    assert.match(out.missing.get(1)!, /^never activates: its output is 0 at every position of 3000 random sequences and its input before the activation stays at most -\d+, further below the threshold than its whole range over them \(a dead ReLU\)$/);
    // The CTCF filter's threshold is half its consensus score: random sequences rarely reach it,
    // so the logo counts the windows that come closest before the ReLU.
    assert.equal(logo.rankedBy, 'pre-activation');
    assert.ok(logo.activeWindows < 20, String(logo.activeWindows));
    assert.match(out.missing.get(2)!, /does not depend on the sequence/);
  });

  test('a second-layer channel that needs both halves of REST 10 bp apart: its logo is REST (20 bp, JASPAR names it); the half alone is its half', async () => {
    const model = restModel();
    const out = await modelLogos(loaded(model), 3, [0, 1], { sequences: 4000, top: 200, seed: 1 });
    assert.equal(out.layer, 'conv2');
    // conv1 10 bp, pool 2 (+1), conv2 6 at stride 2 (+10): 21 bp.
    assert.deepEqual(out.field && [out.field.size, out.field.stride], [21, 2]);
    const whole = out.logos.get(0)!;
    assert.ok(whole, out.missing.get(0));
    const pfm = probabilities(rest.counts);
    const sim = comparePwms(whole.probabilities, pfm);
    assert.ok(sim.similarity >= 0.7 && sim.overlap >= 15, JSON.stringify(sim));
    assert.equal(jasparRank(whole.probabilities, rest.jaspar).rank, 1, jasparRank(whole.probabilities, rest.jaspar).best);
    const half = out.logos.get(1)!;
    assert.ok(comparePwms(half.probabilities, pfm.slice(0, 10)).similarity > comparePwms(half.probabilities, pfm.slice(10)).similarity);
  });

  test('cancelled before it starts: CancelledError', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(modelLogos(loaded(ctcfModel()), 1, [0], { sequences: 100, top: 10, seed: 0 }, { signal: controller.signal }), CancelledError);
  });

  test('every position depends on the whole input (Flatten → Dense): no logo, the reason names the layer', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [20, 4], name: 'flat' }), tfl.layers.dense({ units: 3, name: 'd' })] });
    const out = await modelLogos(loaded(model), 1, [0, 1, 2], { sequences: 10, top: 5, seed: 0 });
    assert.equal(out.logos.size, 0);
    assert.match(out.missing.get(0)!, /depends on the whole input \(layer 'flat' \(Flatten\)/);
  });

  test('topChannels: each class\'s top N by |OFIV|, united', () => {
    assert.deepEqual(topChannels([{ ofiv: [0.1, -0.9, 0.5, 0] }, { ofiv: [0.3, 0, 0, -0.2] }], 2), [0, 1, 2, 3]);
    assert.deepEqual(topChannels([{ ofiv: [0.1, -0.9, 0.5, 0] }], 1), [1]);
  });
});

describe('--feature-logos through resolveFeatures', () => {
  const run = (featureLogos: 'auto' | 'filters' | 'optimised' | 'all' | 'none', extra = {}) =>
    resolveFeatures({ loaded: loaded(restModel()), settings: { backend: 'cpu', restarts: 2, featureLogos, logoSequences: 600, logoTop: 1, ...extra } });

  test("auto at a deeper layer: model-derived logos for each class's top channel, and a note", async () => {
    const r = await run('auto');
    const withLogo = r.features.filter((f) => f.logo);
    const top = topChannels(r.classes, 1);
    assert.deepEqual(withLogo.map((f) => f.index), top);
    assert.equal(withLogo[0].name, `feature ${top[0]}`);
    assert.equal(withLogo[0].logo!.layer, 'conv2');
    assert.ok(r.notes.some((n) => /^model-derived sequence logos: 1 of 1 channels \(each class's top 1 channels by \|OFIV\|\) of layer 'conv2' \(receptive field 21 bp, stride 2\), from the 200 most activating peak windows of 600 random sequences/.test(n)), r.notes.join('\n'));
    assert.equal(r.settings.featureLogos, 'auto');
  });

  test('all: every channel; filters at a deeper layer: none, with the hint; none: nothing', async () => {
    assert.equal((await run('all')).features.filter((f) => f.logo).length, 2);
    const filters = await run('filters');
    assert.ok(filters.features.every((f) => !f.logo && !f.pwm));
    assert.ok(filters.notes.some((n) => n.includes('--feature-logos optimised derives logos from the model')));
    const none = await run('none');
    assert.ok(none.features.every((f) => !f.logo && !f.pwm));
  });

  test('optimised at the first-layer filters: each keeps its weight PWM and gets a model-derived logo too', async () => {
    const r = await resolveFeatures({ loaded: loaded(ctcfModel()), settings: { backend: 'cpu', restarts: 2, featureLogos: 'optimised', logoSequences: 1000, logoTop: 3 } });
    const f0 = r.features[0];
    assert.equal(f0.name, 'filter 0');
    assert.ok(f0.pwm && f0.logo, f0.noLogo);
    assert.ok(comparePwms(f0.logo!.probabilities, f0.pwm!).similarity > 0.7);
    assert.match(r.features[1].noLogo!, /dead ReLU/);
    const auto = await resolveFeatures({ loaded: loaded(ctcfModel()), settings: { backend: 'cpu', restarts: 2 } });
    assert.ok(auto.features.every((f) => f.pwm && !f.logo), 'auto keeps filter PWMs only');
  });
});
