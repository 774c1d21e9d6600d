/** Keras ZeroPadding1D: adds `padding[0]` zero positions at the start and `padding[1]` at the end of (batch, steps, channels). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { single, singleShape } from './conv1d-args';
import { pair } from './cropping1d';

type Shape = (number | null)[];

export class ZeroPadding1D extends tfl.layers.Layer {
  static className = 'ZeroPadding1D';
  readonly padding: [number, number];

  constructor(args: { padding?: number | number[]; name?: string; trainable?: boolean; batchInputShape?: Shape }) {
    super(args);
    this.padding = pair(args.padding, 1);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps, c] = singleShape(inputShape);
    return [b, steps === null ? null : steps + this.padding[0] + this.padding[1], c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.pad(single(inputs), [[0, 0], this.padding, [0, 0]]));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: [...this.padding] };
  }
}

tf.serialization.registerClass(ZeroPadding1D);
