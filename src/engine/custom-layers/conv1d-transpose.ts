/**
 * Keras Conv1DTranspose on (batch, steps, channels): the gradient of a strided 1-D convolution,
 * run as tf.conv2dTranspose on a height-1 map (whose input gradient is a convolution, so tf.grad
 * works on every backend). Kernel (kernel_size, filters, in_channels) as Keras stores it, bias
 * (filters). The output length follows Keras (output_padding included) and TensorFlow's padding.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationFn, one, padding1d, single, singleShape, type Padding1D } from './conv1d-args';

type Shape = (number | null)[];

export interface Conv1DTransposeArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  outputPadding?: number | number[] | null;
  dilationRate?: number | number[];
  activation?: string;
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
  batchInputShape?: Shape;
}

export class Conv1DTranspose extends tfl.layers.Layer {
  static className = 'Conv1DTranspose';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly outputPadding: number | null;
  readonly activation: string;
  readonly useBias: boolean;
  private readonly activate: ((x: tf.Tensor) => tf.Tensor) | null;

  constructor(args: Conv1DTransposeArgs) {
    super(args);
    this.filters = Number(args.filters);
    this.kernelSize = one(args.kernelSize, 1);
    this.strides = one(args.strides, 1);
    this.padding = padding1d(args.padding, this.name, ['valid', 'same']);
    this.outputPadding = args.outputPadding === undefined || args.outputPadding === null ? null : one(args.outputPadding, 0);
    if (one(args.dilationRate, 1) !== 1) throw new Error(`layer '${this.name}': Conv1DTranspose with a dilation rate is not supported`);
    if (this.outputPadding !== null && (this.outputPadding >= this.strides || (this.padding === 'same' && (this.kernelSize % 2) + this.outputPadding < 1))) {
      throw new Error(`layer '${this.name}': output_padding ${this.outputPadding} does not fit stride ${this.strides} and kernel ${this.kernelSize}`);
    }
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias !== false;
    this.activate = activationFn(this.activation);
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = singleShape(inputShape)[2] as number;
    this.addWeight('kernel', [this.kernelSize, this.filters, channels], 'float32', tfl.initializers.zeros());
    if (this.useBias) this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  /** Keras's output length of a transposed convolution (dilation 1). */
  outputLength(steps: number): number {
    const k = this.kernelSize;
    const s = this.strides;
    if (this.padding === 'valid') return (steps - 1) * s + k + (this.outputPadding ?? Math.max(k, s) - k);
    return this.outputPadding === null ? steps * s : (steps - 1) * s + (k % 2) + this.outputPadding;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps] = singleShape(inputShape);
    return [b, steps === null ? null : this.outputLength(steps), this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const [n, steps, channels] = x.shape;
      const [kernel, bias] = this.weights.map((w) => w.read());
      const out = this.outputLength(steps);
      const y = tf.conv2dTranspose(
        tf.reshape(x, [n, 1, steps, channels]) as tf.Tensor4D,
        tf.reshape(kernel, [1, this.kernelSize, this.filters, channels]) as tf.Tensor4D,
        [n, 1, out, this.filters],
        [1, this.strides],
        this.padding as 'valid' | 'same',
      );
      let z: tf.Tensor = tf.reshape(y, [n, out, this.filters]);
      if (bias) z = tf.add(z, bias);
      return this.activate ? this.activate(z) : z;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      outputPadding: this.outputPadding,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(Conv1DTranspose);
