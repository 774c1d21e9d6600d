/**
 * The measurement behind the choice of the logo method (issue 15; docs/motifs.md, "Logos of any
 * layer: how the method was chosen"): the shipped method (the most activating peak windows of
 * random sequences, src/engine/feature-logos) against the other one the issue names — optimising
 * a relaxed one-hot input (a softmax over the four letters at each position of the channel's
 * receptive field) by gradient ascent on the channel's value before its activation, from many
 * random starts, the position probability matrix being the mean of the optimised inputs, flanks
 * trimmed alike. Recovery: the ENCODE models' top filters (similarity of the logo to the filter's
 * weight PWM; JASPAR's best match), the planted two-half REST channel and CTCF filter of
 * test/unit/feature-logos.test.ts; speed: seconds per model, and per channel for DeepSEA conv3.
 *
 *   node --import tsx bench/logo-methods.ts [--backend wasm]   → bench/results/logo-methods.json
 *
 * The wasm backend has no kernel for the filter gradient that TF.js's fused convolution computes
 * on the way back (and the ascent never uses): this script registers one that returns zeros.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../src/engine/backend';
// The gradients TF.js lacks on wasm (e.g. the filter gradient its fused convolution asks for).
import '../src/engine/custom-layers/index';
import { modelLogos } from '../src/engine/feature-logos';
import { columnsIc } from '../src/engine/feature-logos/ppm';
import { rankingModel } from '../src/engine/feature-logos/ranking';
import { logoSourceLayer } from '../src/engine/feature-logos/source';
import { loadModel } from '../src/engine/load';
import type { LoadedModel } from '../src/engine/load/model';
import { DEFAULT_TRIM_IC, informativeSpan } from '../src/engine/motifs/match';
import { firstLayerPwms } from '../src/engine/pwm';
import { inputLayout } from '../src/engine/predict';
import { interiorPositions, receptiveField } from '../src/engine/receptive-field';
import { fillNormal } from '../src/engine/rng';
import { comparePwms } from '../test/validation/compare';
import { jasparRank } from '../test/validation/jaspar';
import { deepSea } from './models';

const backend = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] : 'wasm';

export interface OptimiseSettings {
  starts: number;
  iterations: number;
  lr: number;
  seed: number;
}

/**
 * The relaxed-input ascent: for each channel, `starts` logit matrices over its receptive field
 * placed at one interior position (the rest of the input a uniform 0.25), Adam on the channel's
 * pre-activation there; the PPM is the mean of the final softmax inputs.
 */
export async function optimisedLogos(loaded: LoadedModel, layerIndex: number, channels: number[], o: OptimiseSettings): Promise<Map<number, number[][]>> {
  const layout = inputLayout(loaded);
  const source = logoSourceLayer(loaded.model, layerIndex);
  const layer = loaded.model.layers[source];
  const field = receptiveField(loaded.model, source, layout.sequenceAxis!, layout.length!);
  const positions = interiorPositions(field);
  const p0 = positions[Math.floor(positions.length / 2)];
  const ranking = rankingModel(loaded.model.inputs, layer);
  const L = layout.length!;
  const shape = layout.shape as number[];
  const B = channels.length * o.starts;
  const before = field.start + p0 * field.stride;
  const after = L - before - field.size;
  const theta = tf.variable(tf.tensor3d(fillNormal(new Float32Array(B * field.size * 4), o.seed), [B, field.size, 4]));
  const target = tf.tidy(() => tf.oneHot(tf.tensor1d(channels.flatMap((c) => Array.from({ length: o.starts }, () => c)), 'int32'), (ranking.model.outputs[0].shape as number[])[ranking.model.outputs[0].shape.length - 1]));
  const optimizer = tf.train.adam(o.lr);
  const objective = () =>
    tf.tidy(() => {
      const x = tf.softmax(theta);
      const full = tf.concat([tf.fill([B, before, 4], 0.25), x, tf.fill([B, after, 4], 0.25)], 1);
      // Sequence along the layout's axis, letters along its alphabet axis (others have size 1).
      const input = layout.sequenceAxis! < layout.alphabetAxis! ? tf.reshape(full, [B, ...shape]) : tf.reshape(tf.transpose(full, [0, 2, 1]), [B, ...shape]);
      const [, pre] = ranking.outputs(ranking.model.apply(input) as tf.Tensor);
      const at = tf.reshape(tf.gather(tf.reshape(pre, [B, -1, target.shape[1] as number]), [p0], 1), [B, -1]);
      return tf.neg(tf.sum(tf.mul(at, target))) as tf.Scalar;
    });
  for (let i = 0; i < o.iterations; i++) {
    const { grads } = tf.variableGrads(objective, [theta]);
    optimizer.applyGradients(grads as tf.NamedTensorMap as never);
    tf.dispose(grads);
  }
  const probs = tf.tidy(() => tf.softmax(theta)).arraySync() as number[][][];
  theta.dispose();
  target.dispose();
  optimizer.dispose();
  ranking.dispose();
  const out = new Map<number, number[][]>();
  channels.forEach((c, k) => {
    const own = probs.slice(k * o.starts, (k + 1) * o.starts);
    const ppm = Array.from({ length: field.size }, (_, i) => [0, 1, 2, 3].map((b) => own.reduce((a, s) => a + s[i][b], 0) / o.starts));
    const span = informativeSpan(ppm, DEFAULT_TRIM_IC);
    out.set(c, span.end >= span.start ? ppm.slice(span.start, span.end + 1) : []);
  });
  return out;
}

const OPTIMISE: OptimiseSettings = { starts: 32, iterations: 200, lr: 0.1, seed: 1 };
const SAMPLE = { sequences: 10000, top: 200, seed: 1 };

async function encode(folder: string, k: number, jaspar: string) {
  const loaded = await loadModel(path.join(__dirname, '..', 'test', 'fixtures', 'keras1', folder, '16_G_best_archit.json'));
  const pwm = firstLayerPwms(loaded.model, 1)![k].matrix;
  const channels = Array.from({ length: 16 }, (_, c) => c);
  let t = Date.now();
  const sampled = (await modelLogos(loaded, 1, channels, SAMPLE)).logos.get(k)!.probabilities;
  const sampledSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const optimised = (await optimisedLogos(loaded, 1, channels, OPTIMISE)).get(k)!;
  const optimisedSeconds = (Date.now() - t) / 1000;
  const row = (m: number[][], seconds: number) => {
    const j = m.length ? jasparRank(m, jaspar) : { rank: null, best: 'none' };
    return { seconds, columns: m.length, bits: columnsIc(m).reduce((a, b) => a + b, 0), similarityToWeights: m.length ? comparePwms(m, pwm).similarity : 0, jasparRank: j.rank, jasparBest: j.best };
  };
  return { model: folder, filter: k, sampled: row(sampled, sampledSeconds), optimised: row(optimised, optimisedSeconds) };
}

/** Seconds per channel of the optimisation on DeepSEA conv3 (4 channels), to extrapolate to 960. */
async function deepSeaOptimiseCost() {
  const model = deepSea();
  const loaded: LoadedModel = { model, name: 'deepsea', path: '-', format: 'tfjs-layers' };
  const layer = model.layers.findIndex((l) => l.name === 'conv3');
  const t = Date.now();
  await optimisedLogos(loaded, layer, [0, 1, 2, 3], { ...OPTIMISE, iterations: 10 });
  const perChannel10 = (Date.now() - t) / 1000 / 4;
  return { secondsPerChannelPer10Iterations: perChannel10, extrapolated960Channels: (perChannel10 * 960 * OPTIMISE.iterations) / 10 };
}

/** The filter gradient on wasm, as zeros: TF.js's fused convolution asks for it, the ascent on the input never uses it. */
function zeroFilterGradient() {
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ attrs, backend: b }) => {
      const shape = (attrs as unknown as { filterShape: number[] }).filterShape;
      return (b as unknown as { makeOutput(s: number[], d: string, o?: number, v?: Float32Array): tf.TensorInfo }).makeOutput(shape, 'float32', undefined, new Float32Array(shape.reduce((x, y) => x * y, 1)));
    },
  });
}

(async () => {
  await useBackend(backend as 'wasm');
  if (backend === 'wasm' && !tf.getKernel('Conv2DBackpropFilter', 'wasm')) zeroFilterGradient();
  const rows = [await encode('ctcf-gm12878', 7, 'MA0139.2'), await encode('rest-gm12878', 7, 'MA0138.3'), await encode('foxa1-a549', 4, 'MA0148.5')];
  const deepsea = await deepSeaOptimiseCost();
  const out = { backend, optimise: OPTIMISE, sample: SAMPLE, rows, deepsea, date: new Date().toISOString() };
  fs.mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  fs.writeFileSync(path.join(__dirname, 'results', 'logo-methods.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(JSON.stringify(out, null, 1));
})();
