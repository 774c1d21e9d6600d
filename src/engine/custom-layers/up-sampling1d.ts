/** Keras UpSampling1D: repeats every position `size` times along the steps of (batch, steps, channels). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { one, single, singleShape } from './conv1d-args';

type Shape = (number | null)[];

export class UpSampling1D extends tfl.layers.Layer {
  static className = 'UpSampling1D';
  readonly size: number;

  constructor(args: { size?: number | number[]; name?: string; trainable?: boolean; batchInputShape?: Shape }) {
    super(args);
    this.size = one(args.size, 2);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps, c] = singleShape(inputShape);
    return [b, steps === null ? null : steps * this.size, c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [n, steps, c] = x.shape;
      // (n, steps, 1, c) tiled to (n, steps, size, c): row t·size + r of the result is row t (tile has a gradient on every backend).
      return tf.reshape(tf.tile(tf.expandDims(x, 2), [1, 1, this.size, 1]), [n, steps * this.size, c]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.size };
  }
}

tf.serialization.registerClass(UpSampling1D);
