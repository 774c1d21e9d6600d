/**
 * Models with several outputs and profile outputs (DeepSTARR-, BPNet- and NeuronMotif-shaped,
 * written as Keras 2 HDF5 and opened by our loader): the class list over the selected outputs,
 * the schema fields, profile summaries against sums of model.predict, the hidden-space path on a
 * multi-output head against the direct path, worker threads against one thread, and the default
 * analysis layer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ascentPoolWorkers, poolTuning } from '../../src/engine/ascent/pool';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { firstDense } from '../../src/engine/ascent/first-dense';
import { splitModel } from '../../src/engine/head';
import { defaultAnalysisLayer } from '../../src/engine/layers';
import type { LoadedModel } from '../../src/engine/load/model';
import { resolveFeatures } from '../../src/engine/resolve';
import type { Results } from '../../src/engine/results';
import type { Settings } from '../../src/engine/settings';
import { bpnetModel, deepstarrModel, neuronMotifModel, viaKerasH5 } from '../helpers/multi-output-models';
import { linearHeadModel, loaded, seededWeights } from '../helpers/models';
import { seeded, tempDir } from '../helpers/write-models';
import { outputBundle } from '../../src/notebook/output-bundle';
import { featuresTable, resultSummary } from '../../src/notebook/text-views';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

async function refused(run: Promise<unknown>, message: RegExp) {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    assert.match(err.message, message);
    assert.ok(!err.message.includes('\n'), 'one line');
    return true;
  });
}

/** A random batch of inputs for the model, and the feature maps H of `layer` for them (through the model itself). */
function inputsAndFeatures(model: tfl.LayersModel, layer: string, n: number) {
  const shape = [n, ...(model.inputs[0].shape.slice(1) as number[])];
  const next = seeded(17);
  const x = tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next), shape);
  const upTo = tfl.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tfl.SymbolicTensor });
  return { x, h: upTo.predict(x) as tf.Tensor };
}

const close = (a: number, b: number, tol = 1e-4) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

describe('several outputs and profile outputs', () => {
  let deepstarr: LoadedModel;
  let bpnet: LoadedModel;
  const base: Partial<Settings> = { restarts: 3, seed: 4, backend: 'cpu', workers: 1 };
  const tuning = { ...poolTuning };

  before(async () => {
    await useBackend('cpu');
    deepstarr = await viaKerasH5(deepstarrModel(), 'deepstarr');
    bpnet = await viaKerasH5(bpnetModel(), 'bpnet');
  });
  after(() => Object.assign(poolTuning, tuning));

  describe('DeepSTARR: two regression outputs', () => {
    let dev: Results;
    let hk: Results;
    let all: Results;
    before(async () => {
      dev = await resolveFeatures({ loaded: deepstarr, settings: { ...base, output: 'Dense_Dev' } });
      hk = await resolveFeatures({ loaded: deepstarr, settings: { ...base, output: 'Dense_Hk' } });
      all = await resolveFeatures({ loaded: deepstarr, settings: { ...base, output: 'all' } });
    });

    test('one class per output, named after it; the schema records the outputs and each class its output and unit', () => {
      assert.equal(all.schemaVersion, '3.0');
      assert.deepEqual(all.classes.map((c) => [c.index, c.name, c.output, c.unit]), [
        [0, 'Dense_Dev', 'Dense_Dev', 0],
        [1, 'Dense_Hk', 'Dense_Hk', 0],
      ]);
      assert.equal(all.model.numClasses, 2);
      assert.deepEqual(all.model.outputs, [
        { name: 'Dense_Dev', layer: 'Dense_Dev', shape: [1], units: 1, classes: [0, 0], strippedActivation: null, summary: null },
        { name: 'Dense_Hk', layer: 'Dense_Hk', shape: [1], units: 1, classes: [1, 1], strippedActivation: null, summary: null },
      ]);
      assert.equal(all.model.strippedActivation, null, 'regression outputs: analysed as they are');
      assert.equal(all.model.layer.name, 'maxpool_2', 'default: the last conv block output');
      for (const [r, name] of [[dev, 'Dense_Dev'], [hk, 'Dense_Hk']] as const) {
        assert.equal(r.model.numClasses, 1);
        assert.deepEqual(r.classes.map((c) => [c.index, c.name, c.output, c.unit]), [[0, name, name, 0]]);
        assert.deepEqual(r.model.outputs.map((o) => [o.name, o.classes]), [[name, [0, 0]]]);
      }
    });

    test('the head that starts with Flatten → Dense is ascended in hidden space, for both outputs at once', () => {
      for (const r of [dev, hk, all]) assert.equal(r.settings.ascentUsed, 'hidden');
    });

    test('--output all gives each class the OFIV of its own run (same seed: a class starts alike whichever outputs are selected)', () => {
      assert.deepEqual(all.classes[0].ofiv, dev.classes[0].ofiv);
      assert.deepEqual(all.classes[1].ofiv, hk.classes[0].ofiv);
      assert.deepEqual(all.classes[1].scores, hk.classes[0].scores);
      assert.notDeepEqual(all.classes[0].ofiv, all.classes[1].ofiv);
    });

    test('hidden path equals the direct path through the two-output head', async () => {
      const settings = { ...base, output: 'all', starts: 'explicit' as const, restarts: 4 };
      const hidden = await resolveFeatures({ loaded: deepstarr, settings: { ...settings, ascent: 'hidden' } });
      const direct = await resolveFeatures({ loaded: deepstarr, settings: { ...settings, ascent: 'direct' } });
      assert.equal(hidden.settings.ascentUsed, 'hidden');
      assert.equal(direct.settings.ascentUsed, 'direct');
      for (let c = 0; c < 2; c++) {
        const [d, h] = [direct.classes[c], hidden.classes[c]];
        const scale = Math.max(...d.ofiv.map(Math.abs));
        d.ofiv.forEach((v, k) => assert.ok(Math.abs(v - h.ofiv[k]) <= 2e-3 * scale, `class ${c} feature ${k}: ${v} vs ${h.ofiv[k]}`));
        d.scores.forEach((s, t) => assert.ok(close(s, h.scores[t], 1e-3), `score ${s} vs ${h.scores[t]}`));
      }
    });

    test('the head scores both outputs as model.predict does', () => {
      const model = deepstarr.model;
      const { x, h } = inputsAndFeatures(model, 'maxpool_2', 5);
      const head = splitModel(model, model.layers.indexOf(model.getLayer('maxpool_2')));
      const scores = head.scores(h).arraySync() as number[][];
      const [y1, y2] = (model.predict(x) as tf.Tensor[]).map((t) => t.arraySync() as number[][]);
      scores.forEach((row, i) => {
        assert.ok(close(row[0], y1[i][0]), `${row[0]} vs ${y1[i][0]}`);
        assert.ok(close(row[1], y2[i][0]), `${row[1]} vs ${y2[i][0]}`);
      });
      const picked = head.classScores(h, [1, 0, 0, 1, 1]).arraySync() as number[];
      [1, 0, 0, 1, 1].forEach((c, i) => assert.ok(close(picked[i], scores[i][c], 1e-5)));
      head.dispose();
    });

    test('--classes picks by index and by output name over the combined list; --labels must give one name per class', async () => {
      const byName = await resolveFeatures({ loaded: deepstarr, settings: { ...base, classes: 'Dense_Hk', restarts: 2 } });
      assert.deepEqual(byName.classes.map((c) => [c.index, c.name]), [[1, 'Dense_Hk']]);
      const labelled = await resolveFeatures({ loaded: deepstarr, labels: { names: ['dev', 'hk'] }, labelsFile: 'l.txt', settings: { ...base, classes: 'hk', restarts: 2 } });
      assert.deepEqual(labelled.classes.map((c) => [c.index, c.name, c.output]), [[1, 'hk', 'Dense_Hk']]);
      await refused(resolveFeatures({ loaded: deepstarr, labels: { names: ['a', 'b', 'c'] }, labelsFile: 'l.txt', settings: base }), /^l\.txt: gives 3 classes but the model has 2$/);
      await refused(resolveFeatures({ loaded: deepstarr, settings: { ...base, output: 'Dense_Dv' } }), /^--output Dense_Dv: no such output \(outputs: Dense_Dev, Dense_Hk, or all\)$/);
      await refused(resolveFeatures({ loaded: deepstarr, settings: { ...base, positions: '0-3' } }), /^--positions 0-3: the outputs have no length axis/);
    });

    test('1 worker and 2 give the same numbers (the workers rebuild the two-output head)', async () => {
      poolTuning.minSeconds = Infinity;
      // The TensorFlow.js pool (the native engine, which uses every core itself, is off here).
      const one = await resolveFeatures({ loaded: deepstarr, settings: { ...base, restarts: 5, output: 'all', native: 'off' } });
      poolTuning.minSeconds = 0;
      const started = ascentPoolWorkers.started;
      const two = await resolveFeatures({ loaded: deepstarr, settings: { ...base, restarts: 5, output: 'all', workers: 2, native: 'off' } });
      poolTuning.minSeconds = tuning.minSeconds;
      assert.equal(ascentPoolWorkers.started - started, 1, 'this thread and one worker');
      assert.equal(two.settings.ascentUsed, 'hidden');
      assert.deepEqual(two.classes, one.classes);
    });
  });

  describe('BPNet: a profile output and a counts output', () => {
    test('profile channels are classes profile[0], profile[1]; the summary is in the results and the notes', async () => {
      const r = await resolveFeatures({ loaded: bpnet, settings: base });
      assert.equal(r.model.layer.name, 'add_4', 'default: the last residual sum, which both outputs use');
      assert.deepEqual(r.classes.map((c) => [c.name, c.output, c.unit]), [['profile[0]', 'profile', 0], ['profile[1]', 'profile', 1], ['counts', 'counts', 0]]);
      assert.deepEqual(r.model.outputs, [
        { name: 'profile', layer: 'profile', shape: [32, 2], units: 2, classes: [0, 1], strippedActivation: null, summary: { kind: 'sum', positions: [0, 31] } },
        { name: 'counts', layer: 'counts', shape: [1], units: 1, classes: [2, 2], strippedActivation: null, summary: null },
      ]);
      assert.ok(r.notes.includes("output 'profile' [32,2] is a profile: each channel's score is the sum over all 32 positions"), r.notes.join('; '));
      const windowed = await resolveFeatures({ loaded: bpnet, settings: { ...base, output: 'profile', positions: '5-12' } });
      assert.deepEqual(windowed.model.outputs[0].summary, { kind: 'sum', positions: [5, 12] });
      assert.ok(windowed.notes.some((n) => n.includes('sum over positions 5-12 of 32')));
      assert.notDeepEqual(windowed.classes[0].ofiv, r.classes[0].ofiv, 'a window changes what is explained');
    });

    test('--positions: the head scores equal sums of model.predict over the window', () => {
      const model = bpnet.model;
      const { x, h } = inputsAndFeatures(model, 'add_4', 4);
      const [profile, counts] = (model.predict(x) as tf.Tensor[]).map((t) => t.arraySync() as number[][][] | number[][]);
      const index = model.layers.indexOf(model.getLayer('add_4'));
      for (const [spec, [a, b]] of [[undefined, [0, 31]], ['5-12', [5, 12]], ['7', [7, 7]], ['0-31', [0, 31]]] as const) {
        const head = splitModel(model, index, { positions: spec });
        const s = head.scores(h).arraySync() as number[][];
        for (let i = 0; i < 4; i++) {
          for (let ch = 0; ch < 2; ch++) {
            let sum = 0;
            for (let p = a; p <= b; p++) sum += (profile as number[][][])[i][p][ch];
            assert.ok(close(s[i][ch], sum), `positions ${spec}: row ${i} channel ${ch}: ${s[i][ch]} vs ${sum}`);
          }
          assert.ok(close(s[i][2], (counts as number[][])[i][0]), 'counts analysed as it is');
        }
        head.dispose();
      }
    });

    test('bad --positions and --output are refused naming the option', async () => {
      await refused(resolveFeatures({ loaded: bpnet, settings: { ...base, positions: '20-40' } }), /^--positions 20-40: output 'profile' has 32 positions \(0-31\)$/);
      await refused(resolveFeatures({ loaded: bpnet, settings: { ...base, positions: '9-3' } }), /^--positions 9-3: the range is backwards \(write 3-9\)$/);
      await refused(resolveFeatures({ loaded: bpnet, settings: { ...base, positions: 'middle' } }), /^--positions expects A-B/);
      await refused(resolveFeatures({ loaded: bpnet, settings: { ...base, positions: '1-2', output: 'counts' } }), /^--positions 1-2: output 'counts' has no length axis/);
    });

    test('a layer that one output goes around is refused naming the output', async () => {
      await refused(resolveFeatures({ loaded: bpnet, settings: { ...base, layer: 'dil_conv_4' } }), /^output 'profile' depends on the model input other than through layer 'dil_conv_4'/);
    });

    test('views and text summaries show the combined class list and the profile summary', async () => {
      const r = await resolveFeatures({ loaded: bpnet, settings: { ...base, positions: '2-9' } });
      for (const view of ['heatmap', 'similarity'] as const) {
        const svg = (await outputBundle(r, view))['image/svg+xml'] as string;
        for (const name of ['profile[0]', 'profile[1]', 'counts']) assert.ok(svg.includes(name), `${view}: ${name}`);
      }
      const text = resultSummary('r1', r);
      assert.match(text, /^r1: bpnet\.h5, 3 classes × 3 restarts on layer 'add_4'/);
      assert.ok(text.includes("note: output 'profile' [32,2] is a profile: each channel's score is the sum over positions 2-9 of 32"), text);
      assert.ok(text.includes('note: every restart of all 3 classes ends at the same point with the same score'), 'a linear head: the note is in the summary');
      assert.match(featuresTable(r, r.classes[1], 3).plain, /^Class profile\[1\] \(class 1: output profile, unit 1\): top 3 of 8 features by OFIV/);
    });

    test('the CLI: resolve prints the notes, layers lists the outputs', () => {
      const root = path.resolve(__dirname, '../..');
      const cli = path.join(root, 'dist/cli.js');
      if (!fs.existsSync(cli)) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
      const dir = tempDir('multi-output-cli-');
      const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, DEEPRESOLVE_CACHE_DIR: path.join(dir, 'cache') } });
      const r = run('resolve', bpnet.path, '--restarts', '2', '--backend', 'cpu', '--motifs', 'none', '--output', 'profile', '--positions', '4-7', '--out', 'r.json');
      assert.equal(r.status, 0, r.stderr);
      assert.ok(r.stdout.includes("note: output 'profile' [32,2] is a profile: each channel's score is the sum over positions 4-7 of 32"), r.stdout);
      const doc = JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8'));
      assert.deepEqual(doc.model.outputs.map((o: { name: string; summary: unknown }) => [o.name, o.summary]), [['profile', { kind: 'sum', positions: [4, 7] }]]);
      assert.deepEqual([doc.settings.output, doc.settings.positions], ['profile', '4-7']);
      const bad = run('resolve', bpnet.path, '--backend', 'cpu', '--positions', '0-99');
      assert.equal(bad.status, 1);
      assert.equal(bad.stderr, "deepresolve: --positions 0-99: output 'profile' has 32 positions (0-31)\n");
      const l = run('layers', bpnet.path);
      assert.equal(l.status, 0, l.stderr);
      assert.match(l.stdout, /\*\s+5\s+add_4\s+Add/, "the default is marked");
      assert.match(l.stdout, /Outputs \(--output NAME or all\)\noutput\s+layer\s+shape\s+classes\s+scores\s+final activation \(removed\)\nprofile\s+profile\s+\(32, 2\)\s+2\s+profile: summed over positions\ncounts\s+counts\s+\(1\)\s+1/);
    });

    test('1 worker and 2 give the same numbers on the direct path with a profile window', async () => {
      const settings = { ...base, restarts: 4, positions: '3-20', native: 'off' as const };
      poolTuning.minSeconds = Infinity;
      const one = await resolveFeatures({ loaded: bpnet, settings });
      poolTuning.minSeconds = 0;
      const started = ascentPoolWorkers.started;
      const two = await resolveFeatures({ loaded: bpnet, settings: { ...settings, workers: 2 } });
      poolTuning.minSeconds = tuning.minSeconds;
      assert.equal(ascentPoolWorkers.started - started, 1);
      assert.equal(two.settings.ascentUsed, 'direct');
      assert.deepEqual(two.classes, one.classes);
      assert.deepEqual(two.model.outputs, one.model.outputs);
    });
  });

  test('the final activation is removed per output (sigmoid on one, a Softmax layer on the other)', async () => {
    const input = tfl.input({ shape: [12, 4] });
    const conv = tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
    const flat = tfl.layers.flatten().apply(conv) as tfl.SymbolicTensor;
    const a = tfl.layers.dense({ units: 3, activation: 'sigmoid', name: 'a' }).apply(flat) as tfl.SymbolicTensor;
    const bLogits = tfl.layers.dense({ units: 2, name: 'b_logits' }).apply(flat) as tfl.SymbolicTensor;
    const b = tfl.layers.softmax({ name: 'b' }).apply(bLogits) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [a, b] });
    seededWeights(model, 8);
    const r = await resolveFeatures({ loaded: loaded(model), settings: { ...base, restarts: 2 } });
    assert.deepEqual(r.model.outputs.map((o) => [o.name, o.strippedActivation, o.classes]), [['a', 'sigmoid', [0, 2]], ['b', 'softmax', [3, 4]]]);
    assert.equal(r.model.strippedActivation, null, 'the outputs differ');
    assert.deepEqual(r.classes.map((c) => c.name), ['a[0]', 'a[1]', 'a[2]', 'b[0]', 'b[1]']);
    const { x, h } = inputsAndFeatures(model, 'conv', 3);
    const head = splitModel(model, model.layers.indexOf(model.getLayer('conv')));
    const s = head.scores(h).arraySync() as number[][];
    const [pa] = (model.predict(x) as tf.Tensor[]).map((t) => t.arraySync() as number[][]);
    const logits = tfl.model({ inputs: input, outputs: bLogits }).predict(x) as tf.Tensor;
    const lb = logits.arraySync() as number[][];
    for (let i = 0; i < 3; i++) {
      for (let u = 0; u < 3; u++) assert.ok(close(s[i][u], Math.log(pa[i][u] / (1 - pa[i][u])), 1e-3), 'sigmoid removed: the logit');
      for (let u = 0; u < 2; u++) assert.ok(close(s[i][3 + u], lb[i][u]), 'softmax removed: the dense output');
    }
    head.dispose();
  });

  test('--output A: a branch to another output does not keep A from the hidden path (flip kernel for its ReLU → Dense rest), equal to the direct path', async () => {
    const input = tfl.input({ shape: [14, 4] });
    const conv = tfl.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input) as tfl.SymbolicTensor;
    const pool = tfl.layers.maxPooling1d({ poolSize: 2, name: 'pool' }).apply(conv) as tfl.SymbolicTensor;
    const fc = tfl.layers.dense({ units: 12, activation: 'relu', name: 'fc' }).apply(tfl.layers.flatten().apply(pool)) as tfl.SymbolicTensor;
    const a = tfl.layers.dense({ units: 3, activation: 'sigmoid', name: 'A' }).apply(fc) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 2, name: 'B' }).apply(tfl.layers.globalAveragePooling1d().apply(pool)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [a, b] });
    seededWeights(model, 5);
    const index = model.layers.indexOf(model.getLayer('pool'));
    assert.ok(firstDense(model, index, { output: 'A' })?.reluDense, 'the flip kernel applies to A alone');
    assert.equal(firstDense(model, index, {}), null, 'B goes around the dense layer: no hidden path for all');
    const settings = { ...base, restarts: 4, seed: 2, output: 'A', starts: 'explicit' as const };
    const hidden = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, ascent: 'hidden' } });
    const direct = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, ascent: 'direct' } });
    const all = await resolveFeatures({ loaded: loaded(model), settings: { ...settings, output: 'all' } });
    assert.equal(all.settings.ascentUsed, 'direct');
    for (let c = 0; c < 3; c++) {
      const scale = Math.max(...direct.classes[c].ofiv.map(Math.abs));
      direct.classes[c].ofiv.forEach((v, k) => assert.ok(Math.abs(v - hidden.classes[c].ofiv[k]) <= 1e-3 * scale, `class ${c} feature ${k}`));
      assert.deepEqual(all.classes[c].ofiv, direct.classes[c].ofiv, 'the same class, the same starts, the same path');
    }
  });

  test('a separate final Activation layer keeps the hidden path and the flip kernel (Keras 1 style heads)', async () => {
    const build = (hidden: boolean) => {
      const m = tfl.sequential({
        layers: [
          tfl.layers.conv1d({ inputShape: [14, 4], filters: 4, kernelSize: 3, activation: 'relu', name: 'conv' }),
          tfl.layers.flatten(),
          ...(hidden ? [tfl.layers.dense({ units: 8, activation: 'relu', name: 'fc' })] : []),
          tfl.layers.dense({ units: 2, name: 'out' }),
          tfl.layers.activation({ activation: 'sigmoid', name: 'sig' }),
        ],
      });
      seededWeights(m, 3);
      return m;
    };
    assert.ok(firstDense(build(true), 0)?.reluDense, 'Dense → ReLU → Dense → Activation(sigmoid): the flip kernel');
    assert.ok(firstDense(build(false), 0), 'Flatten → Dense → Activation(sigmoid): the rest picks a unit');
    const r = await resolveFeatures({ loaded: loaded(build(true)), settings: { ...base, restarts: 2 } });
    assert.equal(r.settings.ascentUsed, 'hidden');
    assert.equal(r.model.strippedActivation, 'sigmoid');
  });

  test('a 2-D profile output (N, H, W, C) is summed over its H × W positions, row-major', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [1, 20, 4], filters: 5, kernelSize: [1, 5], activation: 'relu', name: 'conv' }),
        tfl.layers.conv2d({ filters: 3, kernelSize: [1, 3], name: 'map' }),
      ],
    });
    seededWeights(model, 14);
    const { x, h } = inputsAndFeatures(model, 'conv', 3);
    const y = (model.predict(x) as tf.Tensor).arraySync() as number[][][][];
    const head = splitModel(model, model.layers.indexOf(model.getLayer('conv')), { positions: '2-5' });
    assert.deepEqual(head.outputs.map((o) => [o.shape, o.positions, o.units, o.summary]), [[[1, 14, 3], 14, 3, { kind: 'sum', positions: [2, 5] }]]);
    const s = head.scores(h).arraySync() as number[][];
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 3; c++) {
        const sum = [2, 3, 4, 5].reduce((a, p) => a + y[i][0][p][c], 0);
        assert.ok(close(s[i][c], sum), `${s[i][c]} vs ${sum}`);
      }
    }
    head.dispose();
  });

  test('names from the loader (LoadedModel.outputs) name the classes; --output takes them or the layer name; --layer takes the file\'s layer names', async () => {
    const model: LoadedModel = { ...loaded(linearHeadModel(2)), outputs: [{ name: 'logits:0', toNative: null }], layerAliases: { '/conv/Conv_output_0': 'conv' } };
    const r = await resolveFeatures({ loaded: model, settings: { ...base, restarts: 2, layer: '/conv/Conv_output_0', output: 'logits:0' } });
    assert.equal(r.model.layer.name, 'conv');
    assert.deepEqual(r.classes.map((c) => [c.name, c.output]), [['logits:0[0]', 'logits:0'], ['logits:0[1]', 'logits:0']]);
    const byLayer = await resolveFeatures({ loaded: model, settings: { ...base, restarts: 2, output: 'out', classes: 'logits:0[1]' } });
    assert.deepEqual(byLayer.classes.map((c) => [c.index, c.name]), [[1, 'logits:0[1]']]);
  });
});

describe('the default analysis layer means something', () => {
  before(async () => {
    await useBackend('cpu');
  });

  for (const finalConv of [false, true]) {
    const what = finalConv ? 'a one-filter convolution' : 'Dense(1)';
    test(`NeuronMotif-shaped (Conv → … → ${what} → sigmoid → Flatten): the conv output, not the sigmoid unit`, async () => {
      const m = await viaKerasH5(neuronMotifModel(finalConv), `neuronmotif-${finalConv}`);
      const index = defaultAnalysisLayer(m.model);
      assert.equal(m.model.layers[index].name, 'max_pooling2d_2');
      const r = await resolveFeatures({ loaded: m, settings: { restarts: 3, backend: 'cpu', workers: 1 } });
      assert.equal(r.model.layer.name, 'max_pooling2d_2');
      assert.equal(r.model.layer.channels, 6);
      assert.equal(r.model.strippedActivation, 'sigmoid', 'the sigmoid before the Flatten is removed');
      // The head left (a linear unit) has one optimum: every restart ends there, and the notes say so.
      assert.equal(r.notes.filter((n) => n.startsWith('every restart of class flatten_1 ends at the same point with the same score')).length, 1, r.notes.join('; '));
      const last = finalConv ? 'conv2d_out' : 'dense_1';
      await refused(resolveFeatures({ loaded: m, settings: { backend: 'cpu', layer: 'activation_1' } }), /^layer 'activation_1' is the final activation \(sigmoid\) of output 'flatten_1'; choose a layer before it$/);
      await refused(resolveFeatures({ loaded: m, settings: { backend: 'cpu', layer: 'flatten_1' } }), /^layer 'flatten_1' is the output layer; choose a layer before it$/);
      await refused(resolveFeatures({ loaded: m, settings: { backend: 'cpu', layer: last } }), new RegExp(`^layer '${last}' holds the scores of output 'flatten_1' before its final activation \\(sigmoid\\)`));
    });
  }

  test('a non-linear head: no note about a single optimum', async () => {
    const r = await resolveFeatures({ loaded: await viaKerasH5(deepstarrModel(), 'ds'), settings: { restarts: 3, seed: 2, backend: 'cpu', workers: 1 } });
    assert.ok(!r.notes.some((n) => n.startsWith('every restart')), r.notes.join('; '));
  });

  test('no layer qualifies: a UserError asks for --layer', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv1d({ inputShape: [10, 4], filters: 1, kernelSize: 3, name: 'conv' }),
        tfl.layers.activation({ activation: 'sigmoid', name: 'sig' }),
        tfl.layers.flatten({ name: 'flat' }),
      ],
    });
    seededWeights(model, 2);
    await refused(resolveFeatures({ loaded: loaded(model), settings: { backend: 'cpu' } }), /^no layer qualifies as the default analysis layer .*choose one with --layer/);
  });
});
