/**
 * How closely the paths agree (issue 16: a faster path must find the same optima): one class ×
 * 2 restarts of a benchmark model at a fixed number of iterations, on TensorFlow.js's cpu backend
 * (plain float32 JavaScript, the reference), its wasm backend and ONNX Runtime, with the largest
 * OFIV difference (relative to the largest |OFIV|) and the objectives of each against cpu.
 * Usage: node --import tsx bench/agreement.ts deepsea|basset|bpnet [ITERATIONS]
 */
import { useBackend } from '../src/engine/backend';
import { resolveFeatures } from '../src/engine/resolve';
import type { Results } from '../src/engine/results';
import { basset, bpnet, deepSea } from './models';

(async () => {
  await useBackend('cpu');
  const which = process.argv[2] ?? 'basset';
  const maxIter = Number(process.argv[3] ?? 10);
  const model = which === 'deepsea' ? deepSea() : which === 'bpnet' ? bpnet() : basset();
  const layer = which === 'deepsea' ? undefined : 'conv1';
  const loaded = { model, name: which, path: '-', format: 'tfjs-layers' as const };
  const base = { layer, classes: '0', restarts: 2, maxIter, ascent: 'direct' as const };
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
  const against = (name: string) => ({
    engine: runs[name].settings.ascentEngine,
    ofivMaxDiffRelative: Math.max(...ofiv(runs[name]).map((v, i) => Math.abs(v - ref[i]))) / largest,
    objectives: objectives(runs[name]),
    seconds: seconds[name],
  });
  process.stdout.write(JSON.stringify({ model: which, maxIter, cpu: { objectives: objectives(runs.cpu), seconds: seconds.cpu }, wasm: against('wasm'), onnxruntime: against('onnxruntime') }) + '\n');
})();
