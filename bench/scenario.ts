/**
 * One benchmark scenario in its own process, so that its peak memory (max RSS) is its own.
 * Prints one JSON line. Usage: node --import tsx bench/scenario.ts NAME BACKEND
 */
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '../src/engine/backend';
import { splitModel } from '../src/engine/head';
import { defaultAnalysisLayer } from '../src/engine/layers';
import { resolveFeatures } from '../src/engine/resolve';
import type { Settings } from '../src/engine/settings';
import { DEEPSEA_HEAD_FLOPS, basset, bpnet, deepSea, deepSeaDeepTail, encode422 } from './models';

const [name, backend] = process.argv.slice(2) as [string, BackendName];

/** Forward + input-gradient passes per second through the DeepSEA head, for one batch size. */
async function throughput(batch: number) {
  const model = deepSea();
  const head = splitModel(model, defaultAnalysisLayer(model));
  const h = tf.randomNormal([batch, ...head.featureShape]);
  const classes = Array.from({ length: batch }, (_, i) => i % head.numClasses);
  const grad = tf.grad((x: tf.Tensor) => tf.sum(head.classScores(x, classes)));
  await grad(h).data(); // warm-up
  let calls = 0;
  const started = Date.now();
  while (calls < 1 || Date.now() - started < 5000) {
    await grad(h).data();
    calls++;
  }
  const seconds = (Date.now() - started) / 1000;
  const passes = (calls * batch) / seconds;
  return { passesPerSecond: passes, gflops: (passes * DEEPSEA_HEAD_FLOPS) / 1e9 };
}

const MODELS = { deepsea: deepSea, deeptail: deepSeaDeepTail, encode: encode422, basset, bpnet };

/**
 * One analysis through resolveFeatures (model load excluded, everything else included). With
 * `torch`, the row says which PyTorch job does the same work (bench/torch-ascent.py: the same
 * head, the same passes in batches of the same size), and bench/run.ts runs it right after.
 */
async function analysis(which: keyof typeof MODELS, settings: Partial<Settings>, torch = false) {
  const model = MODELS[which]();
  const started = Date.now();
  // Logos as before model-derived ones existed (first-layer filter PWMs only): these rows time the
  // ascent and what always came with it; model-derived logos have their own benchmark.
  const results = await resolveFeatures({ loaded: { model, name: which, path: '-', format: 'tfjs-layers' }, settings: { backend, featureLogos: 'filters', ...settings } });
  const objectives = results.classes.flatMap((c) => c.objectives);
  const ofiv = results.classes.flatMap((c) => c.ofiv);
  return {
    seconds: (Date.now() - started) / 1000,
    ascent: results.settings.ascentUsed,
    engine: results.settings.ascentEngine,
    pairs: results.timing.pairs,
    chunkSize: results.settings.chunkSize,
    meanIterations: results.timing.iterations / results.timing.pairs,
    meanObjective: objectives.reduce((a, b) => a + b, 0) / objectives.length,
    // OFIV of every class, for comparing two paths at the same settings (bench/results/*.json);
    // left out of the largest runs (919 × 960 values would make a 17 MB results file).
    ...(ofiv.length <= 100_000 ? { ofiv } : {}),
    // PyTorch steps as many rows at once as this run could at most (the chunk, or all pairs when fewer).
    ...(torch ? { torchJob: { model: which, passes: results.timing.iterations, batch: Math.min(results.settings.chunkSize, results.timing.pairs) } } : {}),
  };
}

/** Time to first paint of a 919 × 960 result's main view in headless Chromium (the renderer's real code). */
async function firstPaint(view: 'heatmap' | 'similarity') {
  const { startHarness, openPage } = await import('../test/renderer/harness');
  const { syntheticResults } = await import('../test/renderer/fixtures');
  const { packView } = await import('../renderers/pack');
  const { fromResults } = await import('../renderers/data');
  const h = await startHarness();
  try {
    h.payloads.set('large', JSON.stringify(packView(fromResults(syntheticResults({ classes: 919, features: 960, labels: true })), view)));
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { page, close } = await openPage(h);
      // A string, not a function: tsx would add helpers the page does not have.
      samples.push(
        Number(
          await page.evaluate(`new Promise((resolve) => {
            const t0 = performance.now();
            void window.renderPayload('large');
            (function check() { document.querySelector('[data-panel="main"][data-rendered]') ? resolve(performance.now() - t0) : requestAnimationFrame(check); })();
          })`),
        ),
      );
      await close();
    }
    return { seconds: Math.min(...samples) / 1000, samplesMs: samples.map(Math.round) };
  } finally {
    await h.close();
  }
}

/**
 * The toolbar's finders at 919 classes × 960 features (issue 14): time from an input event to the
 * list drawn (SearchIndex search + list box), in the page, for queries of each kind, on the class
 * picker and on the search box (classes and features). The median of 5 runs per query.
 */
async function finders() {
  const { startHarness, openPage, render } = await import('../test/renderer/harness');
  const { syntheticResults } = await import('../test/renderer/fixtures');
  const { packView } = await import('../renderers/pack');
  const { fromResults } = await import('../renderers/data');
  const cells = ['GM12878', 'K562', 'HepG2', 'HeLa-S3', 'A549', 'H1-hESC', 'IMR-90'];
  const factors = ['CTCF', 'FOXA1', 'REST', 'POL2', 'DNase', 'H3K4me3', 'EP300', 'YY1', 'MAX'];
  const h = await startHarness();
  try {
    const results = syntheticResults({ classes: 919, features: 960, labels: true, matches: true, seed: 5, names: (i) => `${cells[i % 7]}|${factors[Math.floor(i / 7) % 9]}|None` });
    h.payloads.set('finders', JSON.stringify(packView(fromResults(results), 'heatmap')));
    const { page, close } = await openPage(h);
    await render(page, 'finders');
    const queries: [string, string][] = [
      ['class', 'hepg2 rest'],
      ['class', '17'],
      ['class', 'k'],
      ['search classes and features', 'CTCF'],
      ['search classes and features', 'MA0139'],
      ['search classes and features', '#500'],
    ];
    const rows: { picker: string; query: string; ms: number; listed: number }[] = [];
    for (const [label, query] of queries) {
      // A string, not a function: tsx would add helpers the page does not have.
      const r = (await page.evaluate(`(() => {
        const input = document.querySelector('input[role="combobox"][aria-label=${JSON.stringify(label)}]');
        const times = [];
        for (let i = 0; i < 5; i++) {
          input.value = '';
          input.dispatchEvent(new Event('input', { bubbles: true }));
          const t0 = performance.now();
          input.value = ${JSON.stringify(query)};
          input.dispatchEvent(new Event('input', { bubbles: true }));
          times.push(performance.now() - t0);
        }
        times.sort((a, b) => a - b);
        return { ms: times[2], listed: document.querySelectorAll('[role="listbox"][aria-label=${JSON.stringify(label)}] [role="option"]').length };
      })()`)) as { ms: number; listed: number };
      rows.push({ picker: label, query, ms: Math.round(r.ms * 10) / 10, listed: r.listed });
    }
    await close();
    return { seconds: Math.max(...rows.map((r) => r.ms)) / 1000, queries: rows };
  } finally {
    await h.close();
  }
}

/** Matching 960 filter-sized PWMs against the shipped JASPAR collection (issue 8). */
async function motifMatching() {
  const { motifLibrary } = await import('../src/notebook/motif-files');
  const { benchmarkMatching } = await import('../src/engine/motifs');
  const started = Date.now();
  const library = motifLibrary('jaspar')!;
  const load = (Date.now() - started) / 1000;
  const b = benchmarkMatching(library);
  return { seconds: b.seconds, libraryLoadSeconds: load, queries: b.queries, targets: b.targets };
}

/** One class × 10 on a fresh copy of the DeepSEA model whose Gram matrix is in the CLI's file cache. */
async function cachedGram() {
  const os = await import('node:os');
  const path = await import('node:path');
  const fs = await import('node:fs');
  const { gramFileStore } = await import('../src/notebook/gram-files');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-bench-cache-'));
  const gramStore = gramFileStore(dir)!;
  const run = async () => {
    const model = deepSea();
    const started = Date.now();
    const results = await resolveFeatures({ loaded: { model, name: 'deepsea', path: '-', format: 'tfjs-layers' }, settings: { backend, classes: '0', restarts: 10, featureLogos: 'filters' } }, { gramStore });
    return { seconds: (Date.now() - started) / 1000, results };
  };
  await run(); // fills the cache
  const { seconds, results } = await run();
  fs.rmSync(dir, { recursive: true, force: true });
  const objectives = results.classes.flatMap((c) => c.objectives);
  return { seconds, ascent: results.settings.ascentUsed, pairs: results.timing.pairs, meanIterations: results.timing.iterations / results.timing.pairs, meanObjective: objectives.reduce((a, b) => a + b, 0) / objectives.length };
}

/**
 * Model-derived logos (issue 15) of DeepSEA's conv3 channels: `channels` of the 960 (960: what
 * `--feature-logos all` asks; 20: one class's top 20, the default), with the engine's defaults:
 * sequences as its flop budget picks them (src/engine/feature-logos/features.ts), its windows and
 * its time budget (settings.ts, logoSeconds). Reproduce:
 * `npm run bench -- --only logos-deepsea-960,logos-deepsea-20 --no-torch`.
 */
async function deepSeaLogos(channels: number) {
  const { modelLogos } = await import('../src/engine/feature-logos');
  const { defaultSequences } = await import('../src/engine/feature-logos/features');
  const { DEFAULT_SETTINGS } = await import('../src/engine/settings');
  const model = deepSea();
  const loaded = { model, name: 'deepsea', path: '-', format: 'tfjs-layers' as const };
  const layer = model.layers.findIndex((l) => l.name === 'conv3');
  const sequences = defaultSequences(loaded, layer);
  const started = Date.now();
  const out = await modelLogos(loaded, layer, Array.from({ length: channels }, (_, k) => k), { sequences, top: DEFAULT_SETTINGS.logoWindows, seconds: DEFAULT_SETTINGS.logoSeconds, seed: 0 });
  const widths = [...out.logos.values()].map((l) => l.probabilities.length);
  return {
    seconds: (Date.now() - started) / 1000,
    channels,
    sequences: out.sequences,
    maxSequences: sequences,
    stopped: out.stopped,
    engine: out.engine?.name,
    logos: out.logos.size,
    noLogo: out.missing.size,
    receptiveField: out.field?.size,
    meanWidth: widths.reduce((a, b) => a + b, 0) / Math.max(1, widths.length),
  };
}

/** The real CLI, cold, in new processes (bench/cli-cold.ts): median of 5 runs, with its phases. */
async function cliCold(extra: string[]) {
  const { coldCli } = await import('./cli-cold');
  const [row] = await coldCli({ runs: 5, extra: ['--backend', backend, ...extra] });
  const { cli: _cli, ...shown } = row;
  return shown;
}

const scenarios: Record<string, () => Promise<object>> = {
  // Issue 16: 1 class × 10 cold in the CLI, model load included (the CLI's defaults: model-derived logos of the top channels).
  'deepsea-1x10-cli-cold': () => cliCold([]),
  // The same without model-derived logos: the work the deepsea-1x10 row times, plus everything around it.
  'deepsea-1x10-cli-cold-filters': () => cliCold(['--feature-logos', 'filters']),
  'logos-deepsea-960': () => deepSeaLogos(960),
  'logos-deepsea-20': () => deepSeaLogos(20),
  'deepsea-1x10-cached-gram': cachedGram,
  'motifs-960-vs-jaspar': motifMatching,
  'render-heatmap-919x960': () => firstPaint('heatmap'),
  'render-similarity-919': () => firstPaint('similarity'),
  'finders-919x960': () => finders(),
  'batch-1': () => throughput(1),
  'batch-16': () => throughput(16),
  'batch-64': () => throughput(64),
  'batch-256': () => throughput(256),
  'deepsea-1x10': () => analysis('deepsea', { classes: '0', restarts: 10 }),
  // The direct path (any head that does not start with a dense layer), against PyTorch doing the same work (issue 16).
  'deepsea-1x10-direct': () => analysis('deepsea', { classes: '0', restarts: 10, ascent: 'direct', batchSize: 10, native: 'off' }, true),
  'deepsea-1x10-direct-native': () => analysis('deepsea', { classes: '0', restarts: 10, ascent: 'direct', batchSize: 10 }, true),
  'deepsea-1x10-direct-native-t1': () => analysis('deepsea', { classes: '0', restarts: 10, ascent: 'direct', batchSize: 10, workers: 1 }),
  'basset-1x10-native': () => analysis('basset', { layer: 'conv1', classes: '0', restarts: 10 }, true),
  'basset-1x10-native-t1': () => analysis('basset', { layer: 'conv1', classes: '0', restarts: 10, workers: 1 }),
  'basset-164x10-native': () => analysis('basset', { layer: 'conv1', restarts: 10 }, true),
  'bpnet-4x10-native': () => analysis('bpnet', { layer: 'conv1', restarts: 10 }, true),
  'bpnet-4x10-native-t1': () => analysis('bpnet', { layer: 'conv1', restarts: 10, workers: 1 }),
  // Today's TensorFlow.js direct path on the conv heads is too slow to converge in a benchmark:
  // both paths at 30 iterations per pair (same settings, so the same numbers too).
  'basset-1x10-30it': () => analysis('basset', { layer: 'conv1', classes: '0', restarts: 10, maxIter: 30, native: 'off' }, true),
  'basset-1x10-30it-native': () => analysis('basset', { layer: 'conv1', classes: '0', restarts: 10, maxIter: 30 }, true),
  'bpnet-4x10-30it': () => analysis('bpnet', { layer: 'conv1', restarts: 10, maxIter: 30, native: 'off' }, true),
  'bpnet-4x10-30it-native': () => analysis('bpnet', { layer: 'conv1', restarts: 10, maxIter: 30 }, true),
  // The same on one ONNX Runtime thread (two threads against one, issue 16).
  'basset-1x10-30it-native-t1': () => analysis('basset', { layer: 'conv1', classes: '0', restarts: 10, maxIter: 30, workers: 1 }),
  'bpnet-4x10-30it-native-t1': () => analysis('bpnet', { layer: 'conv1', restarts: 10, maxIter: 30, workers: 1 }),
  // Hidden space with the direct path's own starts: the same iterates, so the same mean J.
  'deepsea-1x10-explicit': () => analysis('deepsea', { classes: '0', restarts: 10, starts: 'explicit' }),
  'deepsea-100x10': () => analysis('deepsea', { classes: '0-99', restarts: 10 }),
  'deepsea-919x10': () => analysis('deepsea', { classes: 'all', restarts: 10 }),
  // A head of another shape (Dense → ReLU → Dense → ELU → batch norm → Dense): hidden-space steps on TensorFlow.js.
  'deeptail-1x10': () => analysis('deeptail', { classes: '0', restarts: 10 }),
  'deeptail-1x10-explicit': () => analysis('deeptail', { classes: '0', restarts: 10, starts: 'explicit' }),
  'deeptail-1x10-direct': () => analysis('deeptail', { classes: '0', restarts: 10, ascent: 'direct', batchSize: 10 }),
  'deeptail-100x10': () => analysis('deeptail', { classes: '0-99', restarts: 10 }),
  // The same on TensorFlow.js (this thread + a worker), as before the native engine.
  'deeptail-100x10-tfjs': () => analysis('deeptail', { classes: '0-99', restarts: 10, native: 'off' }),
  'deeptail-919x10': () => analysis('deeptail', { classes: 'all', restarts: 10 }),
  // The TensorFlow.js ascents on one thread against worker threads (src/engine/ascent/pool.ts; `pool`: its start-up timings).
  'deepsea-1x10-direct-w1': () => analysis('deepsea', { classes: '0', restarts: 10, ascent: 'direct', batchSize: 10, workers: 1, native: 'off' }),
  'deepsea-1x10-direct-w2': async () => ({ ...(await analysis('deepsea', { classes: '0', restarts: 10, ascent: 'direct', batchSize: 10, workers: 2, native: 'off' })), pool: (await import('../src/engine/ascent/pool')).ascentPoolWorkers.last }),
  'deeptail-1x10-w1': () => analysis('deeptail', { classes: '0', restarts: 10, workers: 1 }),
  'deeptail-1x10-w2': async () => ({ ...(await analysis('deeptail', { classes: '0', restarts: 10, workers: 2 })), pool: (await import('../src/engine/ascent/pool')).ascentPoolWorkers.last }),
  'deeptail-100x10-w1': () => analysis('deeptail', { classes: '0-99', restarts: 10, workers: 1 }),
  'deeptail-100x10-w2': async () => ({ ...(await analysis('deeptail', { classes: '0-99', restarts: 10, workers: 2 })), pool: (await import('../src/engine/ascent/pool')).ascentPoolWorkers.last }),
  'encode-all': () => analysis('encode', { restarts: 10 }),
  'encode-all-direct': () => analysis('encode', { restarts: 10, ascent: 'direct' }),
};

(async () => {
  if (!['chromium', 'js'].includes(backend)) await useBackend(backend);
  const result = await scenarios[name]();
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  // A row's own maxRssMB (the CLI's, for the cold CLI rows) wins over this process's.
  process.stdout.write(JSON.stringify({ name, backend, maxRssMB, ...result }) + '\n');
})().catch((err) => {
  process.stdout.write(JSON.stringify({ name, backend, error: String(err?.message ?? err) }) + '\n');
  process.exitCode = 1;
});
