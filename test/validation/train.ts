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
}

/** Trains on `train` (every sequence, its observed labels) and returns the layers model holding the trained weights. */
export async function trainModel(
  train: SimulatedData,
  a: ArchitectureSettings,
  s: TrainSettings,
  onEpoch: (log: TrainLog) => void = () => {},
): Promise<tfl.Sequential> {
  const params = initParams(a, s.seed);
  const optimizer = tf.train.adam(s.learningRate);
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
      const loss = optimizer.minimize(() => {
        const { pooled, logits } = forward(params, x, a);
        const fit = tf.losses.sigmoidCrossEntropy(y, logits);
        const terms = [fit, tf.mul(s.weightDecay, tf.addN([params.hidden, params.out].map((w) => tf.sum(tf.square(w)))))];
        if (s.filterDecay) terms.push(tf.mul(s.filterDecay, tf.addN([params.conv, ...(params.conv2 ? [params.conv2] : [])].map((w) => tf.sum(tf.square(w))))));
        if (s.activityDecay) terms.push(tf.mul(s.activityDecay, tf.div(tf.sum(pooled), rows.length)));
        return tf.addN(terms) as tf.Scalar;
      }, true);
      total += (await loss!.data())[0] * rows.length;
      loss!.dispose();
      x.dispose();
      y.dispose();
    }
    onEpoch({ epoch, loss: total / n, seconds: (Date.now() - started) / 1000 });
  }
  const model = buildModel(a);
  // The layers model's kernel is [width, 4, filters]; our matrix rows are (position·4 + letter).
  model.getLayer(a.conv2 ? 'conv1' : 'conv').setWeights([tf.reshape(params.conv, [a.width, 4, a.filters]), params.convBias]);
  if (a.conv2) model.getLayer('conv2').setWeights([tf.reshape(params.conv2!, [a.conv2.width, a.filters, a.conv2.filters]), params.conv2Bias!]);
  model.getLayer('hidden').setWeights([params.hidden, params.hiddenBias]);
  model.getLayer('out').setWeights([params.out, params.outBias]);
  Object.values(params).forEach((v: tf.Variable | undefined) => v?.dispose());
  optimizer.dispose();
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
