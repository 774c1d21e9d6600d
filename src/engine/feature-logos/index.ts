/**
 * Model-derived sequence logos of the channels of any layer (docs/motifs.md, "Logos of any
 * layer"): random sequences through the sub-model from the input to the channel's layer, each
 * channel's peak window per sequence, the `top` most activating peaks counted column by column,
 * flanks trimmed by information content as the matcher trims filter PWMs. No data set: the
 * model alone. A channel that never activates, or whose output does not depend on the sequence,
 * gets no logo and the reason.
 */
import type { LoadedModel } from '../load/model';
import { inputLayout } from '../predict';
import { DEFAULT_TRIM_IC, informativeSpan } from '../motifs/match';
import { interiorPositions, receptiveField, type ReceptiveField } from '../receptive-field';
import type { FeatureLogo } from '../results';
import { hashSeed } from '../rng';
import { alignWindows } from './align';
import { columnsIc, windowsToPpm } from './ppm';
import { logoForward } from './forward';
import { samplePeaks } from './sample';
import { logoSourceLayer } from './source';

export const LOGO_METHOD = 'sampled-peaks';

export interface LogoSettings {
  /** Random sequences drawn at most (each gives every channel its peak windows). */
  sequences: number;
  /** Adaptive stopping (sample.ts, stability.ts) allowed from this many sequences on; undefined: all are drawn. */
  stopFrom?: number;
  /** Seconds the sampling may take: no batch starts after them (the logos then come from fewer sequences, and say so). */
  seconds?: number;
  /** Most activating peak windows counted per channel. */
  top: number;
  seed: number;
  /** Flanking columns with at most this many bits are trimmed. */
  trimIc?: number;
  /** 'auto': the forward passes on ONNX Runtime when it can (forward.ts); 'off': TensorFlow.js. */
  native?: 'auto' | 'off';
  /** Threads for ONNX Runtime (default: up to 4 cores). */
  workers?: number;
}

/** Fewest windows for a logo when they are ranked by the output itself (above its lowest value): fewer is a sketch, not a motif. */
export const MIN_WINDOWS = 20;
/** Floats of input and output held per forward pass: sets the batch (16–512 sequences). */
const BATCH_FLOATS = 4 * 2 ** 20;

export interface LogoProgress {
  done: number;
  total: number;
}

export interface LogoOutcome {
  logos: Map<number, FeatureLogo>;
  /** Channels asked for that got no logo, with the reason. */
  missing: Map<number, string>;
  /** The layer the logos were computed at and its receptive field (null when none could be). */
  layer: string | null;
  field: ReceptiveField | null;
  /** Sequences drawn, why sampling stopped before `settings.sequences` (null: it did not), and the stability checkpoints. */
  sequences?: number;
  stopped?: 'stable' | 'time' | null;
  checks?: { sequences: number; stable: number }[];
  /** What ran the forward passes (forward.ts), its threads, and why not ONNX Runtime when it was not. */
  engine?: { name: 'onnxruntime' | 'tensorflow.js'; threads: number | null; fallback: string | null };
}

function none(channels: number[], reason: string): LogoOutcome {
  return { logos: new Map(), missing: new Map(channels.map((c) => [c, reason])), layer: null, field: null };
}

const fmt = (v: number) => Number(v.toPrecision(3));

/**
 * Logos of `channels` of the features of `layerIndex`. Progress is reported per batch of
 * sequences; `signal` cancels between batches (CancelledError).
 */
export async function modelLogos(
  loaded: LoadedModel,
  layerIndex: number,
  channels: number[],
  settings: LogoSettings,
  hooks: { signal?: AbortSignal; onProgress?: (p: LogoProgress) => void } = {},
): Promise<LogoOutcome> {
  const { model } = loaded;
  const layout = inputLayout(loaded);
  if (model.inputs.length !== 1) return none(channels, `the model has ${model.inputs.length} inputs: logos need a single one-hot DNA input`);
  if (!layout.oneHotDna || layout.sequenceAxis === null || layout.alphabetAxis === null || layout.length === null) {
    return none(channels, 'the input is not one-hot DNA: no sequence logos');
  }
  const source = logoSourceLayer(model, layerIndex);
  const layer = model.layers[source];
  const field = receptiveField(model, source, layout.sequenceAxis, layout.length);
  if (field.whole) return { ...none(channels, `every position of layer '${layer.name}' depends on the whole input (${field.whole}): a logo would have no position to align at`), field, layer: layer.name };
  const positions = interiorPositions(field);
  if (!positions.length) return { ...none(channels, `the receptive field of layer '${layer.name}' (${field.size} bp) does not fit inside the ${layout.length}-bp input`), field, layer: layer.name };
  // A channel of a layer on the input sees its motif at one place: its windows stay as they are.
  // A deeper one is aligned (align.ts): shifts up to its stride, and both strands.
  const onInput = layer.inboundNodes[0]?.inboundLayers.every((l) => l.getClassName() === 'InputLayer') ?? true;
  const alignment = onInput ? null : { maxShift: Math.max(1, field.stride), strands: true };
  const forward = await logoForward(model, source, layout, { native: settings.native, workers: settings.workers });
  const { ranked } = forward;
  const trimIc = settings.trimIc ?? DEFAULT_TRIM_IC;
  const outSize = forward.outShape.reduce((x, d) => x * d, 1);
  const perSequence = (layout.shape as number[]).reduce((x, d) => x * d, 1) + (ranked ? 2 : 1) * outSize;
  const batch = Math.max(16, Math.min(512, Math.floor(BATCH_FLOATS / perSequence)));
  let sampled;
  const started = Date.now();
  try {
    sampled = await samplePeaks(forward, layout, field, positions, channels, {
      sequences: settings.sequences,
      top: settings.top,
      seed: hashSeed(settings.seed, 0x1060),
      batch,
      signal: hooks.signal,
      onBatch: (done) => hooks.onProgress?.({ done, total: settings.sequences }),
      stopFrom: settings.stopFrom,
      checkIc: trimIc,
      deadline: settings.seconds !== undefined ? started + settings.seconds * 1000 : undefined,
    });
  } finally {
    await forward.dispose();
  }
  const logos = new Map<number, FeatureLogo>();
  const missing = new Map<number, string>();
  const N = sampled.sequences;
  const stop = sampled.stopped ? { stopped: sampled.stopped, maxSequences: settings.sequences } : {};
  for (const s of sampled.samples) {
    const flat = (lo: number, hi: number) => hi - lo <= 1e-6 * Math.max(1, Math.abs(hi));
    if (flat(s.rankMin, s.rankMax)) {
      missing.set(s.channel, `its output is ${fmt(s.max)} at every position of ${N} random sequences: it does not depend on the sequence`);
      continue;
    }
    // The value before the activation moves, the output never does. When even the closest window
    // stays further below the threshold than the whole range of values seen, the channel is dead
    // (no sequence will move it); otherwise it is too specific for random sequences to hit, and the
    // windows that come closest show what it waits for (below, rankedBy 'pre-activation').
    const reach = s.rankMax + (s.rankMax - s.rankMin);
    if (flat(s.min, s.max) && (!ranked || !(reach > 0))) {
      missing.set(
        s.channel,
        `never activates: its output is ${fmt(s.max)} at every position of ${N} random sequences` +
          (ranked ? ` and its input before the activation stays at most ${fmt(s.rankMax)}, further below the threshold than its whole range over them (${s.max === 0 ? 'a dead ReLU' : 'dead'})` : s.max === 0 ? ' (a dead ReLU)' : ''),
      );
      continue;
    }
    // The windows where the channel fires (its output above its lowest value) come first: the
    // ranking is monotone in the output. When they are enough they alone make the logo; a channel
    // that fires too rarely for that is shown by the windows that come closest before its
    // activation, when that value is at hand (rankedBy 'pre-activation'), else it gets none.
    const firing = s.outputs.findIndex((v) => !(v > s.min));
    const active = firing < 0 ? s.outputs.length : firing;
    const byPre = ranked && active < MIN_WINDOWS;
    const n = byPre ? s.values.length : active;
    if (n < MIN_WINDOWS) {
      missing.set(s.channel, `activates in only ${s.active} of ${N} random sequences (fewer than ${MIN_WINDOWS} windows above its lowest output): too few windows for a logo`);
      continue;
    }
    const kept = s.windows.slice(0, n);
    // A column of n letters drawn without preference shows about 3 / (2 n ln 2) bits by chance
    // (the small-sample bias of the information content): flanks are trimmed above that too.
    const threshold = trimIc + 3 / (2 * n * Math.LN2);
    const first = informativeSpan(windowsToPpm(kept, field.size), threshold);
    const aligned = alignment && first.end >= first.start ? alignWindows(kept, { ...alignment, span: first }) : { windows: kept, shifted: 0, flipped: 0 };
    const ppm = windowsToPpm(aligned.windows, field.size);
    const span = informativeSpan(ppm, threshold);
    if (span.end < span.start) {
      missing.set(s.channel, `its ${n} most activating windows show no letter preference above ${trimIc} bit at any position`);
      continue;
    }
    const probabilities = ppm.slice(span.start, span.end + 1);
    logos.set(s.channel, {
      method: LOGO_METHOD,
      layer: layer.name,
      channel: s.channel,
      probabilities,
      ic: columnsIc(probabilities),
      window: [span.start, span.end],
      receptiveField: { size: field.size, stride: field.stride, start: field.start },
      windows: n,
      activeWindows: Math.min(active, n),
      rankedBy: byPre ? 'pre-activation' : 'output',
      activation: { max: s.max, min: s.min, kept: s.values[n - 1] },
      alignment: alignment ? { maxShift: alignment.maxShift, strands: alignment.strands, shifted: aligned.shifted, flipped: aligned.flipped } : null,
      settings: { sequences: N, top: settings.top, seed: settings.seed, background: 'uniform', trimIc, engine: forward.engine, ...stop },
    });
  }
  return { logos, missing, layer: layer.name, field, sequences: N, stopped: sampled.stopped, checks: sampled.checks, engine: { name: forward.engine, threads: forward.threads, fallback: forward.fallback } };
}
