import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CancelledError, UserError } from '../../src/engine/errors';
import type { Results } from '../../src/engine/results';
import { parseMagicLine } from '../../src/notebook/magics';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { findClass, parseFeatureSpec, Session } from '../../src/notebook/session';
import type { Task } from '../../src/worker/protocol';

/** A small results document: 2 classes × 3 features, first-layer PWMs. */
function fakeResults(): Results {
  const cls = (index: number, name: string, ofiv: number[], scores: number[]) => ({
    index, name, scores, objectives: scores, iterations: [5, 5], weights: [0.5, 0.5], fiv: [ofiv, ofiv], ofiv, sd: [0, 0, 0],
    variance: [0, 0, 0], gmmComponents: 1, gmm: { means: [0], variances: [1e-6], weights: [1], bic: [0, 1, 2] }, nonAdditive: [], oniv: ofiv, negative: ofiv.flatMap((v, k) => (v < 0 ? [k] : [])),
  });
  const pwm = [[1, 0, 0, 0], [0, 0.5, 0.5, 0]];
  return {
    schemaVersion: '1.0', tool: { name: 'deepresolve', version: '0.1.0', tfjs: {} }, createdAt: '2025-01-01T00:00:00Z', backend: 'cpu',
    settings: { classes: 'all', restarts: 2, l2: 2.8, lr: 0.01, maxIter: 100, patience: 10, seed: 0, batchSize: 256, maxMemoryMB: 1024, backend: 'auto', keepFeatureMaps: false, keepTraces: false, regCovar: 1e-6, negativeThreshold: 0.05, chunkSize: 4 },
    model: { name: 'tiny', inputShape: [10, 4], numClasses: 3, strippedActivation: 'sigmoid', layer: { name: 'conv', index: 0, className: 'Conv1D', shape: [5, 3], positions: 5, channels: 3 } },
    features: [0, 1, 2].map((k) => ({ index: k, name: `filter ${k}`, pwm, ic: [2, 1] })),
    featureOrder: [0, 1, 2],
    classes: [cls(0, 'CTCF', [0.3, -0.1, 0.05], [1, 2]), cls(2, 'GATA1', [0.1, 0.2, 0], [3, 4])],
    similarity: { method: 'pearson', classes: [0, 2], order: [0, 1], matrix: [[1, 0.2], [0.2, 1]] },
    timing: { seconds: 0.5, pairs: 4, iterations: 20 },
    notes: [],
  } as unknown as Results;
}

const LAYERS = [{ index: 0, name: 'conv', className: 'Conv1D', outputShape: [5, 3] }];

/** A worker client that answers from memory and records the tasks it got. */
function fakeClient(opts: { hang?: boolean } = {}) {
  const tasks: Task[] = [];
  let cancelled = 0;
  const client = {
    run(task: Task) {
      tasks.push(task);
      let reject!: (e: Error) => void;
      const promise = new Promise<unknown>((res, rej) => {
        reject = rej;
        if (opts.hang && task.kind === 'resolve') return;
        const model = { name: 'tiny', path: (task as { model?: { path: string } }).model?.path ?? '', format: 'tfjs-layers', layers: LAYERS, defaultLayer: 0, numClasses: 3, inputShape: [10, 4], notes: [] };
        if (task.kind === 'load') res({ model, backend: 'cpu' });
        else if (task.kind === 'resolve') res({ results: fakeResults(), model });
        else if (task.kind === 'bundle') res({ bundle: { 'application/vnd.deepresolve.result+json': { view: task.view }, 'text/plain': 'theirs', 'image/svg+xml': '<svg/>' } });
        else if (task.kind === 'backend') res({ backend: task.backend === 'auto' ? 'wasm' : task.backend });
        else rej(new Error(`the fake worker does not do ${task.kind}`));
      });
      return { id: tasks.length, promise, cancel: () => { cancelled++; reject(new CancelledError()); } };
    },
  };
  return { client: client as unknown as RunContext['client'], tasks, cancelled: () => cancelled };
}

function workspace() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'magics-'));
  fs.mkdirSync(path.join(dir, 'models', 'tiny'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'models', 'tiny', 'model.json'), '{}');
  return dir;
}

async function run(line: string, ctx: RunContext) {
  return runMagic(parseMagicLine(line), ctx);
}

describe('magic runner', () => {
  test('%resolve resolves paths against the notebook folder, applies defaults, names the result', async () => {
    const dir = workspace();
    const { client, tasks } = fakeClient();
    const session = new Session(dir);
    const ctx: RunContext = { session, client, defaults: { restarts: 7, l2: 2.8, backend: 'auto' } };
    const out = await run('%resolve models/tiny/model.json --classes 0,2 --lr 0.05', ctx);
    const resolve = tasks.find((t) => t.kind === 'resolve')!;
    assert.equal(resolve.kind, 'resolve');
    if (resolve.kind !== 'resolve') return;
    assert.equal(resolve.model.path, path.join(dir, 'models', 'tiny', 'model.json'));
    assert.deepEqual([resolve.settings.restarts, resolve.settings.l2, resolve.settings.lr, resolve.settings.classes], [7, 2.8, 0.05, '0,2']);
    assert.equal(resolve.backend, 'auto');
    assert.equal(session.lastResult, 'r1');
    assert.equal(session.lastModel, 'tiny');
    // One output: the renderer bundle (custom MIME first) with the magic's own text.
    assert.deepEqual(out[0].items.map((i) => i.mime), ['application/vnd.deepresolve.result+json', 'image/svg+xml', 'text/plain']);
    assert.match(String(out[0].items[2].value), /^r1: tiny, 2 classes × 2 restarts on layer 'conv' \(3 features\), cpu backend, 0\.5 s/);
    const bundle = tasks.find((t) => t.kind === 'bundle')!;
    assert.equal(bundle.kind === 'bundle' && bundle.view, 'heatmap');
  });

  test('later magics default to the last result and model; --as names them', async () => {
    const dir = workspace();
    const { client, tasks } = fakeClient();
    const session = new Session(dir);
    const ctx: RunContext = { session, client, defaults: {} };
    await run('%load_model models/tiny --as m', ctx);
    assert.equal(session.models.get('m')!.path, path.join(dir, 'models', 'tiny'));
    await run('%resolve --as first', ctx);
    await run('%resolve m', ctx);
    assert.deepEqual([...session.results.keys()], ['first', 'r2']);
    const sim = await run('%similarity first', ctx);
    assert.match(String(sim[0].items.at(-1)!.value), /^Class similarity \(pearson correlation of OFIV vectors\)/);
    const feats = await run('%features CTCF --top 1', ctx);
    assert.match(String(feats[0].items[1].value), /filter 0\s+0\.300\s+0\.300\s+0\.000\s*\n.*filter 1\s+-0\.100\s+-0\.100\s+0\.000\s+negative/s);
    const bundles = tasks.filter((t) => t.kind === 'bundle');
    assert.deepEqual(bundles.map((b) => b.kind === 'bundle' && [b.view, b.classPos]), [['heatmap', undefined], ['heatmap', undefined], ['similarity', undefined], ['importance', 0]]);
  });

  test('user errors: missing file, unknown result, class out of range, no model', async () => {
    const dir = workspace();
    const { client } = fakeClient();
    const ctx: RunContext = { session: new Session(dir), client, defaults: {} };
    await assert.rejects(run('%resolve', ctx), { message: 'no model loaded in this notebook: give a model path or run %load_model PATH first' });
    await assert.rejects(run('%resolve nope.json', ctx), (e: Error) => e instanceof UserError && e.message.startsWith("nope.json: no such file (paths are relative to the notebook's folder"));
    await assert.rejects(run('%similarity', ctx), { message: 'no result in this notebook yet: run %resolve first' });
    await run('%resolve models/tiny/model.json', ctx);
    await assert.rejects(run('%similarity r9', ctx), { message: "no result named 'r9' (results: r1)" });
    await assert.rejects(run('%interactions 5', ctx), { message: 'class 5 is out of range: the model has 3 classes (0-2)' });
    await assert.rejects(run('%interactions 1', ctx), { message: 'class 1 was not analysed in this result (analysed: 0,2)' });
    await assert.rejects(run('%backend gpu', ctx), { message: "unknown backend 'gpu' (choose one of auto, tensorflow, wasm, cpu)" });
    await assert.rejects(run('%export out.txt', ctx), { message: "%export writes .json (full results) or .csv (OFIV matrix), not '.txt'" });
    await assert.rejects(run('%logos 0-9', ctx), { message: 'feature 9 is out of range: the layer has 3 features (0-2)' });
  });

  test('%export writes JSON and the OFIV CSV relative to the notebook', async () => {
    const dir = workspace();
    const { client } = fakeClient();
    const ctx: RunContext = { session: new Session(dir), client, defaults: {} };
    await run('%resolve models/tiny/model.json', ctx);
    await run('%export out/ofiv.csv', ctx);
    assert.equal(fs.readFileSync(path.join(dir, 'out', 'ofiv.csv'), 'utf8'), 'feature,CTCF,GATA1\nfilter 0,0.3,0.1\nfilter 1,-0.1,0.2\nfilter 2,0.05,0\n');
    await run('%export r.json r1', ctx);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8')).model.name, 'tiny');
  });

  test('%backend switches the session backend; later runs use it', async () => {
    const { client, tasks } = fakeClient();
    const session = new Session(workspace());
    const ctx: RunContext = { session, client, defaults: { backend: 'auto' } };
    const out = await run('%backend', ctx);
    assert.equal(out[0].items.at(-1)!.value, 'Backend: wasm (auto: tensorflow, then wasm, then cpu)');
    await run('%backend cpu', ctx);
    assert.equal(session.backend, 'cpu');
    await run('%resolve models/tiny/model.json', ctx);
    const r = tasks.find((t) => t.kind === 'resolve');
    assert.equal(r?.kind === 'resolve' && r.backend, 'cpu');
  });

  test('aborting the signal cancels the worker run', async () => {
    const { client, cancelled } = fakeClient({ hang: true });
    const abort = new AbortController();
    const ctx: RunContext = { session: new Session(workspace()), client, defaults: {}, signal: abort.signal, onStart: () => setImmediate(() => abort.abort()) };
    await assert.rejects(run('%resolve models/tiny/model.json', ctx), CancelledError);
    assert.equal(cancelled(), 1);
  });

  test('%help and MAGIC? answer without the worker', async () => {
    const { client, tasks } = fakeClient();
    const ctx: RunContext = { session: new Session(workspace()), client, defaults: {} };
    assert.match(String((await run('%help', ctx))[0].items.at(-1)!.value), /^DeepResolve magics/);
    assert.match(String((await run('%help features', ctx))[0].items.at(-1)!.value), /^%features CLASS \[RESULT\] \[options\]/);
    assert.match(String((await run('%logos?', ctx))[0].items.at(-1)!.value), /^%logos \[FEATURES\] \[RESULT\]/);
    await assert.rejects(run('%help nothing', ctx), { message: 'no magic %nothing; run %help for the list' });
    assert.equal(tasks.length, 0);
  });
});

describe('session helpers', () => {
  test('model names: file stem, or the folder for model.json; clashes get -2', () => {
    assert.equal(Session.modelName('/a/ctcf.h5'), 'ctcf');
    assert.equal(Session.modelName('/a/tiny/model.json'), 'tiny');
  });

  test('findClass by name, index and top', () => {
    const r = fakeResults();
    assert.equal(findClass(r, 'GATA1').index, 2);
    assert.equal(findClass(r, '0').name, 'CTCF');
    assert.equal(findClass(r, 'top').name, 'GATA1', 'highest best score');
    assert.throws(() => findClass(r, 'SPI1'), { message: "unknown class 'SPI1' (give an index 0-2, a class name or top)" });
  });

  test('feature lists', () => {
    assert.deepEqual(parseFeatureSpec('0-2,1,5', 8), [0, 1, 2, 5]);
    assert.deepEqual(parseFeatureSpec(undefined, 3), [0, 1, 2]);
    assert.throws(() => parseFeatureSpec('3-1', 8), { message: "bad feature range '3-1' (the end is before the start)" });
  });

  test('results are numbered r1, r2 … skipping taken names', () => {
    const s = new Session('/nb');
    const r = fakeResults();
    assert.equal(s.addResult(r, 'r2'), 'r2');
    assert.equal(s.addResult(r), 'r3');
    assert.equal(s.result(undefined).name, 'r3');
    assert.equal(s.resolvePath('m/x.json'), '/nb/m/x.json');
    assert.equal(s.resolvePath('/abs/x.json'), '/abs/x.json');
  });
});
