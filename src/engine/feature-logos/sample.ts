/**
 * The sampling step of model-derived logos (docs/motifs.md, "Logos of any layer"): random
 * sequences (uniform i.i.d. letters, seeded) go through the sub-model from the input to the
 * channel's layer; in every sequence each channel's peak — its highest activation over the
 * positions whose receptive field lies inside the sequence — is one candidate window, and each
 * channel keeps its `top` highest peaks, as the letters of their receptive-field windows. One
 * forward pass serves every channel, so the cost does not grow with the number of channels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { CancelledError } from '../errors';
import type { InputLayout } from '../load/model';
import type { ReceptiveField } from '../receptive-field';
import { uniform } from '../rng';

export interface SampleOptions {
  /** Random sequences drawn (each gives every channel one peak window). */
  sequences: number;
  /** Peak windows kept per channel. */
  top: number;
  seed: number;
  /** Sequences per forward pass. */
  batch: number;
  signal?: AbortSignal;
  /** Called after each batch with the number of sequences done. */
  onBatch?: (done: number) => void;
}

export interface ChannelSample {
  channel: number;
  /** Kept windows, highest activation first: letters 0–3 (A, C, G, T), `size` per window. */
  windows: Uint8Array[];
  /** Activation of each kept window (same order). */
  values: number[];
  /** Lowest and highest output over all sequences and positions, and in how many sequences the peak lies above that lowest. */
  min: number;
  max: number;
  above: number;
}

/** Fixed-capacity store of the highest values seen, with their windows. */
class TopWindows {
  readonly values: Float64Array;
  readonly windows: Uint8Array;
  count = 0;
  /** Slot of the smallest kept value (valid once full). */
  private low = 0;
  /** Lowest and highest output over every position of every sequence. */
  min = Infinity;
  max = -Infinity;
  /** Each sequence's highest output (to count, at the end, the sequences where the channel rises above its lowest). */
  readonly peaks: number[] = [];

  constructor(
    readonly capacity: number,
    readonly size: number,
  ) {
    this.values = new Float64Array(capacity);
    this.windows = new Uint8Array(capacity * size);
  }

  /** The kept minimum, below which a value cannot enter. */
  get floor(): number {
    return this.count < this.capacity ? -Infinity : this.values[this.low];
  }

  /** One sequence's highest and lowest output. */
  record(peak: number, low: number): void {
    this.peaks.push(peak);
    if (low < this.min) this.min = low;
    if (peak > this.max) this.max = peak;
  }

  offer(value: number, letters: Uint8Array, from: number): void {
    if (value <= this.floor) return;
    const slot = this.count < this.capacity ? this.count++ : this.low;
    this.values[slot] = value;
    this.windows.set(letters.subarray(from, from + this.size), slot * this.size);
    if (this.count === this.capacity) {
      let low = 0;
      for (let i = 1; i < this.capacity; i++) if (this.values[i] < this.values[low]) low = i;
      this.low = low;
    }
  }
}

/** Strides of the input tensor (without the batch axis) along the sequence and the alphabet. */
function inputStrides(layout: InputLayout): { size: number; along: number; letters: number } {
  const shape = layout.shape as number[];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { size: shape.reduce((a, b) => a * b, 1), along: strides[layout.sequenceAxis!], letters: strides[layout.alphabetAxis!] };
}

/**
 * Peak windows of `channels` of the sub-model's output. `field` is the receptive field of that
 * output (its `axis` the sequence axis), `positions` the output positions to consider.
 */
export async function samplePeaks(sub: LayersModel, layout: InputLayout, field: ReceptiveField, positions: number[], channels: number[], o: SampleOptions): Promise<ChannelSample[]> {
  const L = layout.length!;
  const { size: inputSize, along, letters: letterStride } = inputStrides(layout);
  const outShape = (sub.outputs[0].shape as number[]).slice(1);
  const axis = field.axis!;
  // Output strides: position along `axis`; other spatial axes are reduced by their maximum.
  const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const otherOffsets: number[] = [0];
  outShape.slice(0, -1).forEach((d, i) => {
    if (i === axis || d === 1) return;
    const next: number[] = [];
    for (const base of otherOffsets) for (let j = 0; j < d; j++) next.push(base + j * outStrides[i]);
    otherOffsets.splice(0, otherOffsets.length, ...next);
  });
  const tops = channels.map(() => new TopWindows(o.top, field.size));
  /** Non-overlapping windows that fit in one sequence. */
  const maxPeaks = Math.max(1, Math.floor(L / field.size));
  const random = uniform(o.seed);
  const letters = new Uint8Array(o.batch * L);
  for (let done = 0; done < o.sequences; ) {
    if (o.signal?.aborted) throw new CancelledError();
    const n = Math.min(o.batch, o.sequences - done);
    const x = new Float32Array(n * inputSize);
    for (let s = 0; s < n; s++) {
      for (let p = 0; p < L; p++) {
        const b = Math.floor(random() * 4);
        letters[s * L + p] = b;
        x[s * inputSize + p * along + b * letterStride] = 1;
      }
    }
    const out = tf.tidy(() => {
      const y = sub.predict(tf.tensor(x, [n, ...(layout.shape as number[])])) as tf.Tensor;
      return y.dataSync() as Float32Array;
    });
    const values = new Float64Array(positions.length);
    channels.forEach((c, k) => {
      const top = tops[k];
      for (let s = 0; s < n; s++) {
        let peak = -Infinity;
        let low = Infinity;
        for (let i = 0; i < positions.length; i++) {
          const base = s * outSize + positions[i] * outStrides[axis] + c;
          let best = -Infinity;
          for (const off of otherOffsets) {
            const v = out[base + off];
            if (v > best) best = v;
            if (v < low) low = v;
          }
          values[i] = best;
          if (best > peak) peak = best;
        }
        top.record(peak, low);
        // The sequence's peaks: the highest position, then the highest whose window does not
        // overlap a window taken, and so on; a peak below what the channel keeps ends the search.
        for (let taken = 0; taken < maxPeaks; taken++) {
          let at = -1;
          for (let i = 0; i < positions.length; i++) if (values[i] > -Infinity && (at < 0 || values[i] > values[at])) at = i;
          if (at < 0) break;
          const v = values[at];
          top.offer(v, letters, s * L + field.start + positions[at] * field.stride);
          if (v <= top.floor && taken > 0) break;
          for (let i = 0; i < positions.length; i++) if (Math.abs(positions[i] - positions[at]) * field.stride < field.size) values[i] = -Infinity;
        }
      }
    });
    done += n;
    o.onBatch?.(done);
    // Let a cancel message in (the worker's message handler runs between batches).
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return tops.map((top, k) => {
    const order = Array.from({ length: top.count }, (_, i) => i).sort((a, b) => top.values[b] - top.values[a]);
    return {
      channel: channels[k],
      windows: order.map((i) => top.windows.slice(i * field.size, (i + 1) * field.size)),
      values: order.map((i) => top.values[i]),
      min: top.min,
      max: top.max,
      above: top.peaks.filter((v) => v > top.min).length,
    };
  });
}
