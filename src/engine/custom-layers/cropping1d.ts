/** Keras Cropping1D: drops `cropping[0]` positions at the start and `cropping[1]` at the end of (batch, steps, channels). */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { single, singleShape } from './conv1d-args';

type Shape = (number | null)[];

/** Keras writes an int (both ends) or a pair. */
export function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)];
  const n = v === undefined || v === null ? fallback : Number(v);
  return [n, n];
}

export class Cropping1D extends tfl.layers.Layer {
  static className = 'Cropping1D';
  readonly cropping: [number, number];

  constructor(args: { cropping?: number | number[]; name?: string; trainable?: boolean; batchInputShape?: Shape }) {
    super(args);
    this.cropping = pair(args.cropping, 1);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps, c] = singleShape(inputShape);
    return [b, steps === null ? null : steps - this.cropping[0] - this.cropping[1], c];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [start, end] = this.cropping;
      return tf.slice(x, [0, start, 0], [-1, (x.shape[1] as number) - start - end, -1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), cropping: [...this.cropping] };
  }
}

tf.serialization.registerClass(Cropping1D);
