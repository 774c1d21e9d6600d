/**
 * Ops that move, select or copy elements (reshape, transpose, slice, pad, gather, concat, split,
 * expand, tile) and the shape arithmetic ops folded at load time (Shape, Range, ConstantOfShape).
 * Attributes are explicit and per axis of the tensor as held.
 */
import * as tf from '@tensorflow/tfjs-core';
import { broadcastShape } from './elementwise';
import type { OpAttrs, OpFn } from './types';

const ints = (a: OpAttrs, k: string) => (a[k] as number[] | undefined) ?? [];

/** Edge or reflect padding along one axis: gather with clamped or mirrored indices (differentiable). */
function indexPad(x: tf.Tensor, axis: number, before: number, after: number, mode: string): tf.Tensor {
  const n = x.shape[axis];
  const idx: number[] = [];
  for (let i = -before; i < n + after; i++) {
    if (mode === 'edge') idx.push(Math.min(Math.max(i, 0), n - 1));
    else {
      // reflect without repeating the edge: -1 → 1, n → n - 2 (n > 1)
      let j = i;
      const period = 2 * (n - 1) || 1;
      j = ((j % period) + period) % period;
      idx.push(j < n ? j : period - j);
    }
  }
  return tf.gather(x, tf.tensor1d(idx, 'int32'), axis);
}

function pad(x: tf.Tensor, pads: [number, number][], mode: string, value: number): tf.Tensor {
  // Negative pads crop.
  const begin = pads.map(([b]) => Math.max(-b, 0));
  const size = x.shape.map((d, i) => d - Math.max(-pads[i][0], 0) - Math.max(-pads[i][1], 0));
  let y = pads.some(([b, e]) => b < 0 || e < 0) ? tf.slice(x, begin, size) : x;
  const grow = pads.map(([b, e]) => [Math.max(b, 0), Math.max(e, 0)] as [number, number]);
  if (!grow.some(([b, e]) => b || e)) return y === x ? tf.clone(x) : y;
  if (mode === 'constant') return tf.pad(y, grow, value);
  grow.forEach(([b, e], axis) => {
    if (b || e) y = indexPad(y, axis, b, e, mode);
  });
  return y;
}

/**
 * Python-style slicing with steps, differentiable: TF.js's stridedSlice has no gradient, so unit
 * steps are one tf.slice and other steps a gather of the kept indices.
 */
export function stepSlice(x: tf.Tensor, begin: number[], end: (number | null)[], strides: number[]): tf.Tensor {
  const start = x.shape.map(() => 0);
  const size = x.shape.slice();
  const gathers: [number, number[]][] = [];
  x.shape.forEach((n, i) => {
    const step = strides[i] ?? 1;
    const b = begin[i] ?? 0;
    const e = end[i] ?? (step > 0 ? n : -1);
    if (step === 1) {
      start[i] = b;
      size[i] = Math.max(Math.min(e, n) - b, 0);
    } else {
      const idx: number[] = [];
      for (let j = b; step > 0 ? j < e : j > e; j += step) idx.push(j);
      gathers.push([i, idx]);
    }
  });
  let y = start.some((v) => v) || size.some((v, i) => v !== x.shape[i]) ? tf.slice(x, start, size) : x;
  for (const [axis, idx] of gathers) y = tf.gather(y, tf.tensor1d(idx, 'int32'), axis);
  return y === x ? tf.clone(x) : y;
}

export const SHAPE_OPS: Record<string, OpFn> = {
  /** shape: the full target shape; -1 (at most one) is inferred, e.g. the batch axis. */
  Reshape: (x, a) => tf.reshape(x[0], ints(a, 'shape')),
  Transpose: (x, a) => tf.transpose(x[0], ints(a, 'perm')),
  /** begin/end/strides per axis; end null: to the end in the stride's direction. */
  Slice: (x, a) => stepSlice(x[0], ints(a, 'begin'), a.end as (number | null)[], ints(a, 'strides')),
  Pad: (x, a) => pad(x[0], a.pads as [number, number][], (a.mode as string) ?? 'constant', (a.value as number) ?? 0),
  /** indices: the second operand (int32), already non-negative. */
  Gather: (x, a) => {
    const axis = a.axis as number;
    // A scalar index (PyTorch's x[:, -1]) is a slice: tf.gather's gradient needs UnsortedSegmentSum, which the wasm backend lacks.
    if (x[1].rank === 0) {
      const begin = x[0].shape.map((_, i) => (i === axis ? x[1].dataSync()[0] : 0));
      return tf.squeeze(tf.slice(x[0], begin, x[0].shape.map((d, i) => (i === axis ? 1 : d))), [axis]);
    }
    return tf.gather(x[0], tf.cast(x[1], 'int32'), axis);
  },
  Concat: (x, a) => (x.length === 1 ? tf.clone(x[0]) : tf.concat(x, a.axis as number)),
  Split: (x, a) => tf.split(x[0], ints(a, 'sizes'), a.axis as number),
  /** shape: the target with -1 where the input's extent is kept (the batch axis). */
  Expand: (x, a) => {
    const want = ints(a, 'shape');
    const shape = broadcastShape(x[0].shape, want.map((d, i) => (d === -1 ? x[0].shape[x[0].shape.length - want.length + i] : d)));
    return tf.broadcastTo(x[0], shape);
  },
  Tile: (x, a) => tf.tile(x[0], ints(a, 'reps')),
  // Folded at load time only (the engine never differentiates through shape arithmetic).
  Shape: (x, a) => {
    const s = x[0].shape;
    const start = (a.start as number | undefined) ?? 0;
    const end = (a.end as number | undefined) ?? s.length;
    const norm = (i: number) => Math.min(Math.max(i < 0 ? i + s.length : i, 0), s.length);
    return tf.tensor1d(s.slice(norm(start), norm(end)), 'int32');
  },
  Size: (x) => tf.scalar(x[0].size, 'int32'),
  Range: (x) => {
    const [start, limit, delta] = x.map((t) => t.dataSync()[0]);
    const n = Math.max(Math.ceil((limit - start) / delta), 0);
    return tf.tensor1d(Array.from({ length: n }, (_, i) => start + i * delta), x[0].dtype === 'int32' ? 'int32' : 'float32');
  },
  ConstantOfShape: (x, a) => {
    const shape = Array.from(x[0].dataSync());
    const value = (a.value as { value: number; dtype: 'float32' | 'int32' | 'bool' } | undefined) ?? { value: 0, dtype: 'float32' };
    return tf.fill(shape, value.value, value.dtype === 'bool' ? 'bool' : value.dtype);
  },
};
