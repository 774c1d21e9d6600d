/**
 * How closely the paths agree (issue 16: a faster path must find the same optima): one class ×
 * 2 restarts of a benchmark model at a fixed number of iterations, on TensorFlow.js's cpu backend
 * (plain float32 JavaScript, the reference), its wasm backend and ONNX Runtime, with the largest
 * OFIV difference (relative to the largest |OFIV|) and the objectives of each against cpu.
 * deeptail: the hidden-space ascent (its rest's steps on TF.js or ONNX Runtime), run to convergence
 * over CLASSES × 10 restarts, where pairs near a plateau can stop an iteration apart.
 * Usage: node --import tsx bench/agreement.ts deepsea|basset|bpnet [ITERATIONS]
 *        node --import tsx bench/agreement.ts deeptail [ITERATIONS] [CLASSES]
 */
import { useBackend } from '../src/engine/backend';
import { resolveFeatures } from '../src/engine/resolve';
import type { Results } from '../src/engine/results';
import { basset, bpnet, deepSea, deepSeaDeepTail } from './models';

(async () => {
  await useBackend('cpu');
  const which = process.argv[2] ?? 'basset';
  const maxIter = Number(process.argv[3] ?? 10);
  const model = which === 'deepsea' ? deepSea() : which === 'deeptail' ? deepSeaDeepTail() : which === 'bpnet' ? bpnet() : basset();
  const layer = which === 'deepsea' || which === 'deeptail' ? undefined : 'conv1';
  const loaded = { model, name: which, path: '-', format: 'tfjs-layers' as const };
  const hidden = which === 'deeptail';
  const base = { layer, classes: hidden ? (process.argv[4] ?? '0-2') : '0', restarts: hidden ? 10 : 2, maxIter, ascent: hidden ? ('hidden' as const) : ('direct' as const), featureLogos: 'filters' as const, workers: 1 };
  const runs: Record<string, Results> = {};
  const seconds: Record<string, number> = {};
  for (const [name, s] of [
    ['cpu', { backend: 'cpu', native: 'off' }],
    ['wasm', { backend: 'wasm', native: 'off' }],
    ['onnxruntime', { backend: 'wasm', native: 'auto' }],
  ] as const) {
    const t = Date.now();
    runs[name] = await resolveFeatures({ loaded, settings: { ...base, ...s } });
    seconds[name] = (Date.now() - t) / 1000;
  }
  const ofiv = (r: Results) => r.classes.flatMap((c) => c.ofiv);
  const objectives = (r: Results) => r.classes.flatMap((c) => c.objectives);
  const ref = ofiv(runs.cpu);
  const largest = Math.max(...ref.map(Math.abs));
  const iterations = (r: Results) => r.classes.flatMap((c) => c.iterations);
  const against = (name: string) => ({
    iterationsDiffering: iterations(runs[name]).filter((t, i) => t !== iterations(runs.cpu)[i]).length,
    engine: runs[name].settings.ascentEngine,
    ofivMaxDiffRelative: Math.max(...ofiv(runs[name]).map((v, i) => Math.abs(v - ref[i]))) / largest,
    objectives: objectives(runs[name]),
    seconds: seconds[name],
  });
  process.stdout.write(JSON.stringify({ model: which, maxIter, cpu: { objectives: objectives(runs.cpu), seconds: seconds.cpu }, wasm: against('wasm'), onnxruntime: against('onnxruntime') }) + '\n');
})();
