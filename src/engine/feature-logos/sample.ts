/**
 * The sampling step of model-derived logos (docs/motifs.md, "Logos of any layer"): random
 * sequences (uniform i.i.d. letters, seeded) go through the sub-model from the input to the
 * channel's layer; in every sequence each channel's peaks — its highest value over the positions
 * whose receptive field lies inside the sequence, then the highest whose window does not overlap
 * one taken, and so on — are candidate windows, and each channel keeps its `top` highest, as the
 * letters of their receptive-field windows. One forward pass serves every channel, so the cost
 * hardly grows with the number of channels.
 *
 * Windows are ranked by the channel's value before its activation when the sub-model gives it
 * (`forward`, see forward.ts and ranking.ts): a monotone activation keeps the order of the windows where the
 * channel fires, and below a ReLU's threshold the pre-activation still says which windows come
 * closest, where the output is a flat 0. Whether the channel fires is read from its output.
 */
import { CancelledError } from '../errors';
import type { InputLayout } from '../load/model';
import type { ReceptiveField } from '../receptive-field';
import { uniform } from '../rng';
import type { LogoForward } from './forward';
import { logoChange, STABLE_CHANGE, windowFrequencies } from './stability';

export interface SampleOptions {
  /** Random sequences drawn. */
  sequences: number;
  /** Peak windows kept per channel. */
  top: number;
  seed: number;
  /** Sequences per forward pass. */
  batch: number;
  signal?: AbortSignal;
  /** Called after each batch with the number of sequences done. */
  onBatch?: (done: number) => void;
  /**
   * Adaptive stopping (stability.ts): from this many sequences on, sampling stops at the first
   * checkpoint (CHECK_FIRST sequences, doubling) where every channel's kept windows give about
   * the logo of the previous checkpoint. Undefined: all `sequences` are drawn.
   */
  stopFrom?: number;
  /** Bits above which a column counts in the stability check (the logo's trimming threshold). */
  checkIc?: number;
  /** Wall-clock time (ms since the epoch) after which no further batch is drawn. */
  deadline?: number;
}

/** The first checkpoint of the stability check, in sequences; then twice as many each time. */
export const CHECK_FIRST = 250;

export interface SampleOutcome {
  samples: ChannelSample[];
  /** Sequences drawn, and why fewer than asked ('stable': the logos stopped changing; 'time': the deadline). */
  sequences: number;
  stopped: 'stable' | 'time' | null;
  /** At each checkpoint after the first: sequences so far and channels whose logo was stable. */
  checks: { sequences: number; stable: number }[];
}

export interface ChannelSample {
  channel: number;
  /** Kept windows, highest ranking value first: letters 0–3 (A, C, G, T), `size` per window. */
  windows: Uint8Array[];
  /** Ranking value of each kept window (same order): the pre-activation when there is one, else the output. */
  values: number[];
  /** The channel's output at each kept window. */
  outputs: number[];
  /** Lowest and highest output over all sequences and positions; lowest and highest ranking value. */
  min: number;
  max: number;
  rankMin: number;
  rankMax: number;
  /** Sequences in which the output rises above its lowest value somewhere. */
  active: number;
}

/** Fixed-capacity store of the highest ranking values seen, with their windows and outputs. */
class TopWindows {
  readonly values: Float64Array;
  readonly outputs: Float64Array;
  readonly windows: Uint8Array;
  count = 0;
  /** Slot of the smallest kept value (valid once full). */
  private low = 0;
  min = Infinity;
  max = -Infinity;
  rankMin = Infinity;
  rankMax = -Infinity;
  /** Each sequence's highest output (to count, at the end, the sequences where it rises above the lowest). */
  readonly peaks: number[] = [];

  constructor(
    readonly capacity: number,
    readonly size: number,
  ) {
    this.values = new Float64Array(capacity);
    this.outputs = new Float64Array(capacity);
    this.windows = new Uint8Array(capacity * size);
  }

  /** The kept minimum, below which a value cannot enter. */
  get floor(): number {
    return this.count < this.capacity ? -Infinity : this.values[this.low];
  }

  /** One sequence's output range and ranking range. */
  record(peak: number, low: number, rankPeak: number, rankLow: number): void {
    this.peaks.push(peak);
    if (low < this.min) this.min = low;
    if (peak > this.max) this.max = peak;
    if (rankLow < this.rankMin) this.rankMin = rankLow;
    if (rankPeak > this.rankMax) this.rankMax = rankPeak;
  }

  offer(value: number, output: number, letters: Uint8Array, from: number): void {
    if (value <= this.floor) return;
    const slot = this.count < this.capacity ? this.count++ : this.low;
    this.values[slot] = value;
    this.outputs[slot] = output;
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
 * Peak windows of `channels`. `forward` gives the channel's output and what windows are ranked by
 * (forward.ts); `field` is the receptive field of that output (its `axis` the sequence axis),
 * `positions` the output positions considered.
 */
export async function samplePeaks(forward: LogoForward, layout: InputLayout, field: ReceptiveField, positions: number[], channels: number[], o: SampleOptions): Promise<SampleOutcome> {
  const L = layout.length!;
  const { size: inputSize, along, letters: letterStride } = inputStrides(layout);
  const outShape = forward.outShape;
  const axis = field.axis!;
  // Output strides: position along `axis`; other spatial axes are reduced by their maximum.
  const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outSize = outShape.reduce((a, b) => a * b, 1);
  let otherOffsets: number[] = [0];
  outShape.slice(0, -1).forEach((d, i) => {
    if (i === axis || d === 1) return;
    otherOffsets = otherOffsets.flatMap((base) => Array.from({ length: d }, (_, j) => base + j * outStrides[i]));
  });
  const tops = channels.map(() => new TopWindows(o.top, field.size));
  /** Non-overlapping windows that fit in one sequence. */
  const maxPeaks = Math.max(1, Math.floor(L / field.size));
  const random = uniform(o.seed);
  const letters = new Uint8Array(o.batch * L);
  const rank = new Float64Array(positions.length);
  const output = new Float64Array(positions.length);
  let nextCheck = CHECK_FIRST;
  let previous: Float64Array[] | null = null;
  const checks: { sequences: number; stable: number }[] = [];
  let stopped: SampleOutcome['stopped'] = null;
  let done = 0;
  while (done < o.sequences) {
    if (o.signal?.aborted) throw new CancelledError();
    // Batches end at the checkpoints, so that where sampling stops does not depend on the batch size.
    const n = Math.min(o.batch, o.sequences - done, o.stopFrom !== undefined ? nextCheck - done : Infinity);
    const x = new Float32Array(n * inputSize);
    for (let s = 0; s < n; s++) {
      for (let p = 0; p < L; p++) {
        const b = Math.floor(random() * 4);
        letters[s * L + p] = b;
        x[s * inputSize + p * along + b * letterStride] = 1;
      }
    }
    const [post, by] = await forward.run(x, n);
    channels.forEach((c, k) => {
      const top = tops[k];
      for (let s = 0; s < n; s++) {
        let peak = -Infinity;
        let low = Infinity;
        let rankPeak = -Infinity;
        let rankLow = Infinity;
        for (let i = 0; i < positions.length; i++) {
          const base = s * outSize + positions[i] * outStrides[axis] + c;
          let bestRank = -Infinity;
          let bestOut = -Infinity;
          for (const off of otherOffsets) {
            const r = by[base + off];
            const v = post[base + off];
            if (r > bestRank) bestRank = r;
            if (v > bestOut) bestOut = v;
            if (v < low) low = v;
            if (r < rankLow) rankLow = r;
          }
          rank[i] = bestRank;
          output[i] = bestOut;
          if (bestOut > peak) peak = bestOut;
          if (bestRank > rankPeak) rankPeak = bestRank;
        }
        top.record(peak, low, rankPeak, rankLow);
        // The sequence's peaks, highest first, windows not overlapping; one below what the channel
        // keeps ends the search (the next ones are lower still).
        for (let taken = 0; taken < maxPeaks; taken++) {
          let at = -1;
          for (let i = 0; i < positions.length; i++) if (rank[i] > -Infinity && (at < 0 || rank[i] > rank[at])) at = i;
          if (at < 0 || rank[at] <= top.floor) break;
          top.offer(rank[at], output[at], letters, s * L + field.start + positions[at] * field.stride);
          for (let i = 0; i < positions.length; i++) if (Math.abs(positions[i] - positions[at]) * field.stride < field.size) rank[i] = -Infinity;
        }
      }
    });
    done += n;
    o.onBatch?.(done);
    // Let a cancel message in (the worker's message handler runs between batches).
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (o.stopFrom !== undefined && done === nextCheck) {
      nextCheck *= 2;
      const current = tops.map((top) => windowFrequencies(top.windows, top.count, field.size));
      if (previous) {
        const threshold = (o.checkIc ?? 0) + 3 / (2 * o.top * Math.LN2);
        const stable = current.filter((f, k) => {
          const change = logoChange(f, previous![k], threshold);
          return change === null || change <= STABLE_CHANGE;
        }).length;
        checks.push({ sequences: done, stable });
        if (stable === channels.length && done >= o.stopFrom && done < o.sequences) {
          stopped = 'stable';
          break;
        }
      }
      previous = current;
    }
    if (o.deadline !== undefined && Date.now() >= o.deadline && done < o.sequences) {
      stopped = 'time';
      break;
    }
  }
  const samples = tops.map((top, k) => {
    const order = Array.from({ length: top.count }, (_, i) => i).sort((a, b) => top.values[b] - top.values[a]);
    return {
      channel: channels[k],
      windows: order.map((i) => top.windows.slice(i * field.size, (i + 1) * field.size)),
      values: order.map((i) => top.values[i]),
      outputs: order.map((i) => top.outputs[i]),
      min: top.min,
      max: top.max,
      rankMin: top.rankMin,
      rankMax: top.rankMax,
      active: top.peaks.filter((v) => v > top.min).length,
    };
  });
  return { samples, sequences: done, stopped, checks };
}
