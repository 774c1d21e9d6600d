/**
 * An Embedding of integer indices, presented as a linear map of their one-hot coding: input
 * (batch, steps, input_dim) one-hot rows, output (batch, steps, output_dim) = x · embeddings. For
 * a one-hot row e_i this is row i of the embedding matrix, exactly what Keras's Embedding gives
 * index i; unlike the index lookup it has a gradient, and it lets a DNA model whose input is an
 * integer letter code take one-hot DNA (the loaders replace an input-side Embedding by it).
 * Weight: embeddings (input_dim, output_dim), as Keras stores it.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { single, singleShape } from './conv1d-args';

type Shape = (number | null)[];

export class OneHotEmbedding extends tfl.layers.Layer {
  static className = 'OneHotEmbedding';
  readonly inputDim: number;
  readonly outputDim: number;

  constructor(args: { inputDim: number; outputDim: number; name?: string; trainable?: boolean; batchInputShape?: Shape }) {
    super(args);
    this.inputDim = Number(args.inputDim);
    this.outputDim = Number(args.outputDim);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    if (shape[shape.length - 1] !== this.inputDim) throw new Error(`layer '${this.name}': one-hot input of ${this.inputDim} indices expected, got width ${shape[shape.length - 1]}`);
    this.addWeight('embeddings', [this.inputDim, this.outputDim], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return [...singleShape(inputShape).slice(0, -1), this.outputDim];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const rows = x.size / this.inputDim;
      const y = tf.matMul(tf.reshape(x, [rows, this.inputDim]) as tf.Tensor2D, this.weights[0].read() as tf.Tensor2D);
      return tf.reshape(y, [...x.shape.slice(0, -1), this.outputDim]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), inputDim: this.inputDim, outputDim: this.outputDim };
  }
}

tf.serialization.registerClass(OneHotEmbedding);
