/**
 * Training of the synthetic model. The wasm backend has no gradient kernel for convolution
 * filters (Conv2DBackpropFilter) and the cpu backend's one takes ~90 s per 1000 sequences per
 * epoch on this class of machine, so the model is trained with the convolution written as a
 * matrix product over sequence windows (a window of W positions × 4 letters is a contiguous run
 * of the one-hot array), which is the same function with the same weights. The trained weights
 * are then set into the tfjs-layers model of architecture.ts, and the held-out AUROC is measured
 * with that layers model, so the numbers describe exactly the saved model.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { auroc } from './auroc';
import { buildModel, stagePositions, type ArchitectureSettings } from './architecture';
import { permutation, seededRandom } from './random';
import type { SimulatedData } from './simulate';

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  learningRate: number;
  /**
   * L2 penalty on the dense kernels (not on biases, not on the filters, which must stay free to
   * find the motifs), added to the mean cross-entropy. Without it the
   * network uses filters whose pooled activation is nearly constant on the data as stand-in
   * biases with arbitrary weights; DeepResolve, which moves every feature freely, then reads
   * those weights as importance (docs/validation.md, "Training with weight decay").
   */
  weightDecay: number;
  /**
   * L2 penalty on the convolution kernel (0 or absent: none). With decay on the dense kernels
   * only, the penalty can always be lowered by scaling the filters up and the dense weights down
   * (the same function), so training drifts towards large pooled activations and small dense
   * weights; the feature-space optima at the engine's default λ then sit far below the scale of
   * real feature maps (docs/validation.md). Decay on the filters too removes that drift.
   */
  filterDecay?: number;
  /**
   * L1 penalty on the pooled filter activations (mean over the batch of their sum; 0 or absent:
   * none), the Keras activity regulariser: pushes filters that fire on background alone to zero.
   */
  activityDecay?: number;
  /**
   * Start the first convolution from a trained fixture's filters (a directory holding model.json
   * + weights.bin whose first layer has the same width and count), e.g. the one-convolution model
   * test/fixtures/synthetic, trained on the same sequences. Absent: Glorot-uniform as usual.
   */
  conv1From?: string;
  /**
   * Learning rate of the first convolution as a fraction of `learningRate` when it starts from
   * `conv1From`: 0 keeps it fixed (only the second convolution and the dense layers learn).
   */
  conv1Rate?: number;
  /**
   * Early stopping on a validation set simulated apart from the training and test sets (its own
   * seed, labels by the rules): after every epoch the mean AUROC over classes is measured on it, and the weights of the
   * best epoch are the ones kept; training stops after `patience` epochs without improvement.
   */
  validation?: { count: number; seed: number; patience: number };
  seed: number;
}

interface Params {
  conv: tf.Variable;
  convBias: tf.Variable;
  /** The second convolution's kernel as a (width₂·filters₁) × filters₂ matrix, rows (position·filters₁ + channel). */
  conv2?: tf.Variable;
  conv2Bias?: tf.Variable;
  hidden: tf.Variable;
  hiddenBias: tf.Variable;
  out: tf.Variable;
  outBias: tf.Variable;
}

/** Glorot-uniform matrix from our own seeded RNG (fan-in, fan-out as Keras computes them). */
function glorot(random: () => number, rows: number, cols: number, fanIn: number, fanOut: number): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return tf.variable(tf.tensor2d(Float32Array.from({ length: rows * cols }, () => (random() * 2 - 1) * limit), [rows, cols]));
}

function initParams(a: ArchitectureSettings, seed: number): Params {
  const random = seededRandom(seed);
  const fan = a.width * 4;
  const conv = glorot(random, fan, a.filters, fan, a.width * a.filters);
  const convBias = tf.variable(tf.zeros([a.filters]));
  // Drawn after the first kernel, so that the one-convolution model keeps its initial weights.
  const c2 = a.conv2;
  const second = c2 ? { conv2: glorot(random, c2.width * a.filters, c2.filters, c2.width * a.filters, c2.width * c2.filters), conv2Bias: tf.variable(tf.zeros([c2.filters])) } : {};
  const pooled = c2 ? c2.filters : a.filters;
  return {
    conv,
    convBias,
    hidden: glorot(random, pooled, a.hidden, pooled, a.hidden),
    hiddenBias: tf.variable(tf.zeros([a.hidden])),
    out: glorot(random, a.hidden, a.classes, a.hidden, a.classes),
    outBias: tf.variable(tf.zeros([a.classes])),
    ...second,
  };
}

/** Windows of the given sequences: [n, positions, width·4]. */
function windows(data: SimulatedData, rows: number[], width: number): tf.Tensor3D {
  const L = data.settings.length;
  const P = L - width + 1;
  const w4 = width * 4;
  const out = new Float32Array(rows.length * P * w4);
  rows.forEach((n, i) => {
    for (let p = 0; p < P; p++) out.set(data.onehot.subarray((n * L + p) * 4, (n * L + p + width) * 4), (i * P + p) * w4);
  });
  return tf.tensor3d(out, [rows.length, P, w4]);
}

/**
 * The second convolution as windows × kernel too: max-pool the first convolution's output by
 * `pool`, lay `width` consecutive pooled positions side by side (slices concatenated along the
 * channels, so row j·filters₁ + f of the kernel meets channel f at offset j), multiply.
 */
function secondConvolution(p: Params, conv: tf.Tensor3D, a: ArchitectureSettings): tf.Tensor2D {
  const c2 = a.conv2!;
  const [n, , filters] = conv.shape;
  const { pool1, conv2: out } = stagePositions(a);
  const cut = tf.slice(conv, [0, 0, 0], [n, pool1 * c2.pool, filters]);
  const pooled = tf.max(tf.reshape(cut, [n, pool1, c2.pool, filters]), 2) as tf.Tensor3D;
  const slices = Array.from({ length: c2.width }, (_, j) => tf.slice(pooled, [0, j, 0], [n, out, filters]));
  const windows = tf.reshape(tf.concat(slices, 2), [n * out, c2.width * filters]);
  const conv2 = tf.relu(tf.add(tf.matMul(windows, p.conv2!), p.conv2Bias!));
  return tf.max(tf.reshape(conv2, [n, out, c2.filters]), 1) as tf.Tensor2D;
}

function forward(p: Params, x: tf.Tensor3D, a: ArchitectureSettings): { pooled: tf.Tensor2D; logits: tf.Tensor2D } {
  const [n, positions, w4] = x.shape;
  const conv = tf.relu(tf.add(tf.matMul(tf.reshape(x, [n * positions, w4]), p.conv), p.convBias));
  const pooled = a.conv2 ? secondConvolution(p, tf.reshape(conv, [n, positions, -1]) as tf.Tensor3D, a) : (tf.max(tf.reshape(conv, [n, positions, -1]), 1) as tf.Tensor2D);
  const hidden = tf.relu(tf.add(tf.matMul(pooled, p.hidden), p.hiddenBias));
  return { pooled, logits: tf.add(tf.matMul(hidden, p.out), p.outBias) as tf.Tensor2D };
}

export interface TrainLog {
  epoch: number;
  loss: number;
  seconds: number;
  /** Mean AUROC over classes on the validation set (with `validation` only). */
  validationAuroc?: number;
}

/** Reads the first convolution's kernel and bias from a saved layers model (weights in manifest order). */
function readConv1(dir: string, a: ArchitectureSettings): { kernel: tf.Tensor2D; bias: tf.Tensor1D } {
  const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
  const specs = json.weightsManifest[0].weights;
  const data = fs.readFileSync(path.join(dir, 'weights.bin'));
  const floats = new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  let at = 0;
  const values = specs.map((w) => {
    const size = w.shape.reduce((x, y) => x * y, 1);
    const v = floats.subarray(at, at + size);
    at += size;
    return { ...w, v };
  });
  const [kernel, bias] = values;
  if (kernel.shape.join() !== [a.width, 4, a.filters].join()) throw new Error(`${dir}: first kernel is ${kernel.shape.join('x')}, the architecture needs ${a.width}x4x${a.filters}`);
  return { kernel: tf.tensor2d(kernel.v, [a.width * 4, a.filters]), bias: tf.tensor1d(bias.v) };
}

/** Mean held-out AUROC over classes of the current parameters on `data`. */
function meanAuroc(p: Params, data: SimulatedData, a: ArchitectureSettings): number {
  const n = data.settings.count;
  const k = a.classes;
  const scores = new Float32Array(n * k);
  for (let start = 0; start < n; start += 256) {
    const rows = Array.from({ length: Math.min(256, n - start) }, (_, i) => start + i);
    const logits = tf.tidy(() => {
      const x = windows(data, rows, a.width);
      return forward(p, x, a).logits;
    });
    scores.set(logits.dataSync() as Float32Array, start * k);
    logits.dispose();
  }
  let total = 0;
  for (let c = 0; c < k; c++) {
    const col = (v: Float32Array) => Array.from({ length: n }, (_, i) => v[i * k + c]);
    total += auroc(col(scores), col(data.labels));
  }
  return total / k;
}

/** Trains on `train` (every sequence, its observed labels) and returns the layers model holding the trained weights. */
export async function trainModel(
  train: SimulatedData,
  a: ArchitectureSettings,
  s: TrainSettings,
  onEpoch: (log: TrainLog) => void = () => {},
  /** The validation set of `s.validation` (simulated by the caller with the same motifs). */
  validation?: SimulatedData,
): Promise<tfl.Sequential> {
  if (s.validation && !validation) throw new Error('training settings ask for early stopping but no validation set was given');
  const params = initParams(a, s.seed);
  if (s.conv1From) {
    const { kernel, bias } = readConv1(s.conv1From, a);
    params.conv.assign(kernel);
    params.convBias.assign(bias);
    kernel.dispose();
    bias.dispose();
  }
  const optimizer = tf.train.adam(s.learningRate);
  const conv1Rate = s.conv1From ? (s.conv1Rate ?? 1) : 1;
  const conv1Optimizer = conv1Rate > 0 && conv1Rate !== 1 ? tf.train.adam(s.learningRate * conv1Rate) : undefined;
  const first = [params.conv, params.convBias];
  const rest = Object.values(params).filter((v): v is tf.Variable => v !== undefined && !first.includes(v));
  let best: { epoch: number; score: number; values: tf.Tensor[] } | undefined;
  const random = seededRandom(s.seed + 1);
  const n = train.settings.count;
  const classes = a.classes;
  const started = Date.now();
  for (let epoch = 1; epoch <= s.epochs; epoch++) {
    const order = permutation(random, n);
    let total = 0;
    for (let start = 0; start < n; start += s.batchSize) {
      const rows = order.slice(start, start + s.batchSize);
      const x = windows(train, rows, a.width);
      const y = tf.tensor2d(Float32Array.from(rows.flatMap((r) => Array.from(train.observed.subarray(r * classes, (r + 1) * classes)))), [rows.length, classes]);
      const objective = () => {
        const { pooled, logits } = forward(params, x, a);
        const fit = tf.losses.sigmoidCrossEntropy(y, logits);
        const terms = [fit, tf.mul(s.weightDecay, tf.addN([params.hidden, params.out].map((w) => tf.sum(tf.square(w)))))];
        if (s.filterDecay) terms.push(tf.mul(s.filterDecay, tf.addN([params.conv, ...(params.conv2 ? [params.conv2] : [])].map((w) => tf.sum(tf.square(w))))));
        if (s.activityDecay) terms.push(tf.mul(s.activityDecay, tf.div(tf.sum(pooled), rows.length)));
        return tf.addN(terms) as tf.Scalar;
      };
      // Gradients only for the variables that learn: a fixed first convolution costs no backward pass.
      const learning = conv1Rate > 0 ? [...first, ...rest] : rest;
      const { value, grads } = tf.variableGrads(objective, learning);
      if (conv1Optimizer) {
        const slow = Object.fromEntries(first.map((v) => [v.name, grads[v.name]]));
        const fast = Object.fromEntries(rest.map((v) => [v.name, grads[v.name]]));
        conv1Optimizer.applyGradients(slow as Parameters<typeof optimizer.applyGradients>[0]);
        optimizer.applyGradients(fast as Parameters<typeof optimizer.applyGradients>[0]);
      } else {
        optimizer.applyGradients(grads as Parameters<typeof optimizer.applyGradients>[0]);
      }
      tf.dispose(Object.values(grads));
      total += (await value.data())[0] * rows.length;
      value.dispose();
      x.dispose();
      y.dispose();
    }
    const log: TrainLog = { epoch, loss: total / n, seconds: (Date.now() - started) / 1000 };
    if (validation) {
      log.validationAuroc = meanAuroc(params, validation, a);
      if (!best || log.validationAuroc > best.score) {
        best?.values.forEach((v) => v.dispose());
        best = { epoch, score: log.validationAuroc, values: Object.values(params).map((v: tf.Variable | undefined) => (v ? tf.clone(v) : tf.scalar(0))) };
      }
    }
    onEpoch(log);
    if (validation && best && epoch - best.epoch >= s.validation!.patience) break;
  }
  if (best) {
    Object.values(params).forEach((v: tf.Variable | undefined, i) => v?.assign(best!.values[i]));
    best.values.forEach((v) => v.dispose());
  }
  const model = buildModel(a);
  // The layers model's kernel is [width, 4, filters]; our matrix rows are (position·4 + letter).
  model.getLayer(a.conv2 ? 'conv1' : 'conv').setWeights([tf.reshape(params.conv, [a.width, 4, a.filters]), params.convBias]);
  if (a.conv2) model.getLayer('conv2').setWeights([tf.reshape(params.conv2!, [a.conv2.width, a.filters, a.conv2.filters]), params.conv2Bias!]);
  model.getLayer('hidden').setWeights([params.hidden, params.hiddenBias]);
  model.getLayer('out').setWeights([params.out, params.outBias]);
  Object.values(params).forEach((v: tf.Variable | undefined) => v?.dispose());
  optimizer.dispose();
  conv1Optimizer?.dispose();
  return model;
}

/** Class probabilities of the layers model on every sequence: [count, classes], in batches. */
export function predict(model: tfl.LayersModel, data: SimulatedData, batch = 256): Float32Array {
  const L = data.settings.length;
  const n = data.settings.count;
  const parts: Float32Array[] = [];
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const out = tf.tidy(() => model.predict(tf.tensor3d(data.onehot.subarray(start * L * 4, end * L * 4), [end - start, L, 4])) as tf.Tensor);
    parts.push(out.dataSync() as Float32Array);
    out.dispose();
  }
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
