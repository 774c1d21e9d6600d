/**
 * Keras SeparableConv1D on (batch, steps, channels): a depthwise convolution (depthwise-conv1d.ts)
 * followed by a pointwise (1 × 1) one. Weights as Keras stores them: depthwise kernel
 * (kernel_size, in_channels, multiplier), pointwise kernel (1, in_channels·multiplier, filters),
 * bias (filters).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { activationFn, one, padding1d, single, singleShape, window1d, type Padding1D } from './conv1d-args';
import { depthwise1d } from './depthwise-conv1d';

type Shape = (number | null)[];

export interface SeparableConv1DArgs {
  filters: number;
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

export class SeparableConv1D extends tfl.layers.Layer {
  static className = 'SeparableConv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;
  readonly depthMultiplier: number;
  readonly activation: string;
  readonly useBias: boolean;
  private readonly activate: ((x: tf.Tensor) => tf.Tensor) | null;

  constructor(args: SeparableConv1DArgs) {
    super(args);
    this.filters = Number(args.filters);
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
    const m = this.depthMultiplier;
    this.addWeight('depthwise_kernel', [this.kernelSize, channels, m], 'float32', tfl.initializers.zeros());
    this.addWeight('pointwise_kernel', [1, channels * m, this.filters], 'float32', tfl.initializers.zeros());
    if (this.useBias) this.addWeight('bias', [this.filters], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [b, steps] = singleShape(inputShape);
    const out = steps === null ? null : window1d(steps, this.kernelSize, this.strides, this.dilationRate, this.padding).out;
    return [b, out, this.filters];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [depthwise, pointwise, bias] = this.weights.map((w) => w.read());
      const d = depthwise1d(single(inputs), depthwise, this.strides, this.dilationRate, this.padding);
      const [n, out, inner] = d.shape;
      let y: tf.Tensor = tf.reshape(tf.matMul(tf.reshape(d, [n * out, inner]) as tf.Tensor2D, tf.reshape(pointwise, [inner, this.filters]) as tf.Tensor2D), [n, out, this.filters]);
      if (bias) y = tf.add(y, bias);
      return this.activate ? this.activate(y) : y;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
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

tf.serialization.registerClass(SeparableConv1D);
