/**
 * Keras DepthwiseConv1D on (batch, steps, channels): each input channel c convolved with its own
 * `depth_multiplier` filters, output channel c·multiplier + q (TensorFlow's order). Kernel
 * (kernel_size, in_channels, multiplier) as Keras stores it, bias (in_channels·multiplier).
 *
 * Computed as a sum of shifted slices times the kernel's taps rather than with tf.depthwiseConv2d:
 * tfjs has no gradient for a dilated depthwise convolution, and its wasm backend none for any, so
 * this way tf.grad works with every stride, dilation and backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationFn, one, padding1d, single, singleShape, window1d, type Padding1D } from './conv1d-args';

type Shape = (number | null)[];

/** The depthwise convolution of x (n, steps, C) with kernel (k, C, m): (n, out, C·m). */
export function depthwise1d(x: tf.Tensor, kernel: tf.Tensor, stride: number, dilation: number, padding: Padding1D): tf.Tensor {
  const [n, steps, channels] = x.shape;
  const [k, , m] = kernel.shape;
  const w = window1d(steps, k, stride, dilation, padding);
  const xp = w.before || w.after ? tf.pad(x, [[0, 0], [w.before, w.after], [0, 0]]) : x;
  // Every position of a stride-1 pass that a strided output needs: 0, s, 2s, … (out − 1)·s.
  const full = (w.out - 1) * stride + 1;
  const taps = tf.unstack(kernel); // k × (C, m)
  let acc: tf.Tensor | null = null;
  for (let j = 0; j < k; j++) {
    const part = tf.slice(xp, [0, j * dilation, 0], [n, full, channels]);
    const term = m === 1 ? tf.mul(part, tf.reshape(taps[j], [channels])) : tf.mul(tf.expandDims(part, 3), taps[j]);
    acc = acc ? tf.add(acc, term) : term;
  }
  let y = tf.reshape(acc!, [n, full, channels * m]);
  if (stride > 1) {
    // Keep every stride-th row: pad to out·stride rows, view as (n, out, stride, C·m), take the first of each group.
    y = tf.pad(y, [[0, 0], [0, stride - 1], [0, 0]]);
    y = tf.reshape(tf.slice(tf.reshape(y, [n, w.out, stride, channels * m]), [0, 0, 0, 0], [n, w.out, 1, channels * m]), [n, w.out, channels * m]);
  }
  return y;
}

export interface DepthwiseConv1DArgs {
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: string;
  dilationRate?: number | number[];
  depthMultiplier?: number;
  activation?: string;
  useBias?: boolean;
  name?: string;
  trainable?: boolean;
  batchInputShape?: Shape;
}

export class DepthwiseConv1D extends tfl.layers.Layer {
  static className = 'DepthwiseConv1D';
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;
  readonly depthMultiplier: number;
  readonly activation: string;
  readonly useBias: boolean;
  private readonly activate: ((x: tf.Tensor) => tf.Tensor) | null;

  constructor(args: DepthwiseConv1DArgs) {
    super(args);
    this.kernelSize = one(args.kernelSize, 1);
    this.strides = one(args.strides, 1);
    this.padding = padding1d(args.padding, this.name, ['valid', 'same', 'causal']);
    this.dilationRate = one(args.dilationRate, 1);
    this.depthMultiplier = Number(args.depthMultiplier ?? 1);
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias !== false;
    this.activate = activationFn(this.activation);
  }

  override build(inputShape: Shape | Shape[]): void {
    const channels = singleShape(inputShape)[2] as number;
    this.addWeight('depthwise_kernel', [this.kernelSize, channels, this.depthMultiplier], 'float32', tfl.initializers.zeros());
    if (this.useBias) this.addWeight('bias', [channels * this.depthMultiplier], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps, channels] = singleShape(inputShape);
    const out = steps === null ? null : window1d(steps, this.kernelSize, this.strides, this.dilationRate, this.padding).out;
    return [b, out, channels === null ? null : channels * this.depthMultiplier];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [kernel, bias] = this.weights.map((w) => w.read());
      let y = depthwise1d(single(inputs), kernel, this.strides, this.dilationRate, this.padding);
      if (bias) y = tf.add(y, bias);
      return this.activate ? this.activate(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      dilationRate: this.dilationRate,
      depthMultiplier: this.depthMultiplier,
      activation: this.activation,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(DepthwiseConv1D);
