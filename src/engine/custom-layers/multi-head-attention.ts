/**
 * Keras MultiHeadAttention as self-attention: query, key and value are the one input
 * (batch, steps, dim); no masks (the loaders refuse other calls). Weights with Keras's names and
 * shapes, in its order: query/kernel (dim, heads, key_dim), query/bias (heads, key_dim),
 * key/kernel, key/bias, value/kernel (dim, heads, value_dim), value/bias (heads, value_dim),
 * attention_output/kernel (heads, value_dim, out), attention_output/bias (out); no biases when
 * use_bias is false. Computed with matMul, softmax and transposes, so tf.grad works everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { single, singleShape } from './conv1d-args';

type Shape = (number | null)[];

export interface MultiHeadAttentionArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  useBias?: boolean;
  /** Width of the output; null: the input's width. (Keras calls it output_shape.) */
  outputDim?: number | null;
  outputShape?: number | number[] | null;
  name?: string;
  trainable?: boolean;
  batchInputShape?: Shape;
}

export class MultiHeadAttention extends tfl.layers.Layer {
  static className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly useBias: boolean;
  readonly outputDim: number | null;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    this.numHeads = Number(args.numHeads);
    this.keyDim = Number(args.keyDim);
    this.valueDim = args.valueDim ? Number(args.valueDim) : this.keyDim;
    this.useBias = args.useBias !== false;
    const out = args.outputDim ?? args.outputShape;
    const dims = out === undefined || out === null ? [] : Array.isArray(out) ? out : [out];
    if (dims.length > 1) throw new Error(`layer '${this.name}': MultiHeadAttention with a multi-dimensional output_shape is not supported`);
    this.outputDim = dims.length ? Number(dims[0]) : null;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    if (shape.length !== 3) throw new Error(`layer '${this.name}': MultiHeadAttention needs (batch, steps, features) input, got rank ${shape.length}`);
    const dim = shape[2] as number;
    const [h, k, v, o] = [this.numHeads, this.keyDim, this.valueDim, this.outputDim ?? dim];
    const zeros = tfl.initializers.zeros();
    const dense = (name: string, kernel: number[], bias: number[]) => {
      this.addWeight(`${name}/kernel`, kernel, 'float32', zeros);
      if (this.useBias) this.addWeight(`${name}/bias`, bias, 'float32', zeros);
    };
    dense('query', [dim, h, k], [h, k]);
    dense('key', [dim, h, k], [h, k]);
    dense('value', [dim, h, v], [h, v]);
    dense('attention_output', [h, v, o], [o]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps, dim] = singleShape(inputShape);
    return [b, steps, this.outputDim ?? dim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [n, t, dim] = x.shape;
      const w = this.weights.map((v) => v.read());
      const per = this.useBias ? 2 : 1;
      const part = (i: number) => ({ kernel: w[i * per], bias: this.useBias ? w[i * per + 1] : null });
      const flat = tf.reshape(x, [n * t, dim]) as tf.Tensor2D;
      /** (n, heads, t, size): x·W + b, heads split off and moved before the steps. */
      const project = (i: number, size: number) => {
        const { kernel, bias } = part(i);
        let y: tf.Tensor = tf.matMul(flat, tf.reshape(kernel, [dim, this.numHeads * size]) as tf.Tensor2D);
        if (bias) y = tf.add(y, tf.reshape(bias, [this.numHeads * size]));
        return tf.transpose(tf.reshape(y, [n, t, this.numHeads, size]), [0, 2, 1, 3]);
      };
      const q = tf.mul(project(0, this.keyDim), 1 / Math.sqrt(this.keyDim));
      const k = project(1, this.keyDim);
      const v = project(2, this.valueDim);
      // Scores (n, heads, query step, key step), normalised over the key steps.
      const attention = tf.softmax(tf.matMul(q, k, false, true));
      const context = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [n * t, this.numHeads * this.valueDim]) as tf.Tensor2D;
      const { kernel, bias } = part(3);
      const out = this.outputDim ?? dim;
      let y: tf.Tensor = tf.matMul(context, tf.reshape(kernel, [this.numHeads * this.valueDim, out]) as tf.Tensor2D);
      if (bias) y = tf.add(y, bias);
      return tf.reshape(y, [n, t, out]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, useBias: this.useBias, outputDim: this.outputDim };
  }
}

tf.serialization.registerClass(MultiHeadAttention);
