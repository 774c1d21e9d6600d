/**
 * What the 1-D convolution layers of this folder share: their arguments as Keras writes them
 * (an int or a one-element list), TensorFlow's output-length and padding rules, and the
 * activation (applied through a TF.js Activation layer, so every TF.js activation name works).
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

export type Padding1D = 'valid' | 'same' | 'causal';
type Shape = (number | null)[];

/** Keras writes 1-D sizes as an int or a one-element list. */
export function one(v: unknown, fallback: number): number {
  const x = Array.isArray(v) ? v[0] : v;
  return x === undefined || x === null ? fallback : Number(x);
}

export function padding1d(v: unknown, layer: string, allowed: Padding1D[]): Padding1D {
  const p = String(v ?? 'valid').toLowerCase() as Padding1D;
  if (!allowed.includes(p)) throw new Error(`layer '${layer}': padding '${p}' is not supported (${allowed.join(', ')})`);
  return p;
}

/** The input as one tensor (a layer of one input may be handed a one-element list). */
export const single = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);
export const singleShape = (s: Shape | Shape[]): Shape => (Array.isArray(s[0]) ? (s[0] as Shape) : (s as Shape));

/**
 * Padding before and after, and the output length, of a strided, dilated window of `kernel` taps
 * over `length` positions, as TensorFlow computes them ('same': ceil(L / s) outputs, the extra
 * padding after; 'causal': all padding before).
 */
export function window1d(length: number, kernel: number, stride: number, dilation: number, padding: Padding1D): { before: number; after: number; out: number } {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { before: 0, after: 0, out: Math.max(0, Math.floor((length - span) / stride) + 1) };
  if (padding === 'causal') return { before: span - 1, after: 0, out: Math.floor((length - 1) / stride) + 1 };
  const out = Math.ceil(length / stride);
  const total = Math.max(0, (out - 1) * stride + span - length);
  return { before: Math.floor(total / 2), after: total - Math.floor(total / 2), out };
}

/** An activation by its TF.js name ('linear' applies nothing). */
export function activationFn(name: string): ((x: tf.Tensor) => tf.Tensor) | null {
  if (name === 'linear') return null;
  const layer = tfl.layers.activation({ activation: name as 'relu' });
  return (x) => layer.apply(x) as tf.Tensor;
}
