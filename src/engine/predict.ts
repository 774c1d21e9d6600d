/**
 * `predict`: the model's outputs (after its final activation, as the model gives them) for each
 * sequence of a FASTA file, as TSV: `id`, then one column per output unit in output order, each
 * output in the file's own layout (transposed by LoadedModel.outputs[k].toNative) and flattened
 * row-major. Sequences are one-hot encoded in the model's input layout (A, C, G, T in any case;
 * N and other letters all zeros) and predicted a batch at a time, so a large FASTA file never
 * needs more than one batch of inputs in memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UserError, CancelledError } from './errors';
import { readFasta, type FastaRecord } from './fasta';
import { fmt, resolveInput } from './load/input-layout';
import type { InputLayout, LoadedModel } from './load/model';

/** Letter → row of the one-hot alphabet (A, C, G, T); anything else encodes as zeros. */
const LETTER: Record<string, number> = { A: 0, C: 1, G: 2, T: 3, a: 0, c: 1, g: 2, t: 3 };

/** The model's input layout (from the loader, else read from the input shape). */
export function inputLayout(loaded: LoadedModel): InputLayout {
  return loaded.input ?? resolveInput((loaded.model.inputs[0].shape as (number | null)[]).slice(1)).layout;
}

/**
 * One-hot encodes sequences into the input layout: [N, ...shape] with 1 at (position along the
 * sequence axis, letter along the alphabet axis); any other axis has size 1.
 */
export function oneHot(sequences: string[], layout: InputLayout): tf.Tensor {
  if (!layout.oneHotDna || layout.sequenceAxis === null || layout.alphabetAxis === null || layout.length === null) {
    throw new UserError(`the model's input ${fmt(layout.shape)} is not one-hot DNA (no axis of 4 letters): sequences cannot be encoded for it`);
  }
  const shape = layout.shape as number[];
  const size = shape.reduce((a, b) => a * b, 1);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const [along, letters] = [strides[layout.sequenceAxis], strides[layout.alphabetAxis]];
  const data = new Float32Array(sequences.length * size);
  sequences.forEach((seq, n) => {
    for (let p = 0; p < seq.length; p++) {
      const b = LETTER[seq[p]];
      if (b !== undefined) data[n * size + p * along + b * letters] = 1;
    }
  });
  return tf.tensor(data, [sequences.length, ...shape]);
}

/** The shortest decimal that reads back as the same float32 (TSV readers get exact values, few digits). */
export function float32Text(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = String(Number(f.toPrecision(p)));
    if (Math.fround(Number(s)) === f) return s;
  }
  return String(Number(f.toPrecision(9)));
}

interface OutputColumns {
  name: string;
  /** Shape without the batch axis in the file's layout. */
  shape: number[];
  /** Axis order (batch included) from the TF.js tensor to the file's layout, or null. */
  perm: number[] | null;
}

/** The outputs as `predict` writes them, with their column names. */
export function predictColumns(loaded: LoadedModel): { outputs: OutputColumns[]; columns: string[] } {
  const outputs = loaded.model.outputs.map((t, k): OutputColumns => {
    const tfShape = t.shape.slice(1) as number[];
    const perm = loaded.outputs?.[k]?.toNative ?? null;
    const shape = perm ? perm.slice(1).map((a) => tfShape[a - 1]) : tfShape;
    return { name: loaded.outputs?.[k]?.name || t.sourceLayer.name, shape, perm };
  });
  const columns = outputs.flatMap((o) => {
    const units = o.shape.reduce((a, b) => a * b, 1);
    if (units === 1) return [o.name];
    return Array.from({ length: units }, (_, i) => {
      const index: number[] = [];
      let rest = i;
      for (let a = o.shape.length - 1; a >= 0; a--) {
        index.unshift(rest % o.shape[a]);
        rest = Math.floor(rest / o.shape[a]);
      }
      return `${o.name}[${index.join(',')}]`;
    });
  });
  return { outputs, columns };
}

export interface PredictOptions {
  /** Sequences predicted at once (default: as many as fit 256 MB of activations, at most 256). */
  batchSize?: number;
  signal?: AbortSignal;
  /** How the FASTA file is named in messages (default: its path). */
  shownAs?: string;
  /** Hears the number of sequences done after each batch. */
  onProgress?: (done: number) => void;
}

const ACTIVATION_BUDGET = 256 * 2 ** 20;

function defaultBatch(loaded: LoadedModel): number {
  // Floats per sequence in every layer's output (forward pass only).
  const perSequence = loaded.model.layers.reduce((a, l) => {
    const shapes = (Array.isArray(l.outputShape[0]) ? l.outputShape : [l.outputShape]) as (number | null)[][];
    return a + shapes.reduce((b, s) => b + s.slice(1).reduce<number>((x, y) => x * (y ?? 1), 1), 0);
  }, 0);
  return Math.max(1, Math.min(256, Math.floor(ACTIVATION_BUDGET / (4 * Math.max(1, perSequence)))));
}

/**
 * Predicts every sequence of `fasta` and hands the TSV to `write` in pieces: the header line
 * first, then the rows of each batch. Returns the columns and the number of rows.
 */
export async function predictFasta(loaded: LoadedModel, fasta: string, write: (text: string) => void, options: PredictOptions = {}): Promise<{ columns: string[]; rows: number }> {
  const shown = options.shownAs ?? fasta;
  const layout = inputLayout(loaded);
  if (!layout.oneHotDna || layout.length === null) {
    throw new UserError(`${loaded.path}: predict needs a model whose input is one-hot DNA; its input is ${fmt(layout.shape)}`);
  }
  const { outputs, columns } = predictColumns(loaded);
  const batchSize = options.batchSize ?? defaultBatch(loaded);
  let rows = 0;
  let batch: FastaRecord[] = [];
  const flush = async () => {
    if (!batch.length) return;
    if (options.signal?.aborted) throw new CancelledError('prediction cancelled');
    const values = tf.tidy(() => {
      const x = oneHot(batch.map((r) => r.sequence), layout);
      const out = loaded.model.predict(x, { batchSize: batch.length });
      const list = Array.isArray(out) ? out : [out];
      return list.map((t, k) => (outputs[k].perm ? tf.transpose(t, outputs[k].perm!) : t));
    });
    const data = await Promise.all(values.map((t) => t.data() as Promise<Float32Array>));
    tf.dispose(values);
    const lines = batch.map((r, i) => {
      const cells = [r.id];
      for (const d of data) {
        const width = d.length / batch.length;
        for (let j = 0; j < width; j++) cells.push(float32Text(d[i * width + j]));
      }
      return cells.join('\t');
    });
    write(lines.join('\n') + '\n');
    rows += batch.length;
    batch = [];
    options.onProgress?.(rows);
  };
  // A first pass checks the whole file, so that a bad record is refused before any row is written.
  for await (const record of readFasta(fasta, shown)) {
    if (record.sequence.length !== layout.length) {
      throw new UserError(`${shown}: sequence '${record.id}' (line ${record.line}) has length ${record.sequence.length}; the model's input length is ${layout.length}`);
    }
    if (options.signal?.aborted) throw new CancelledError('prediction cancelled');
  }
  write(['id', ...columns].join('\t') + '\n');
  for await (const record of readFasta(fasta, shown)) {
    batch.push(record);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return { columns, rows };
}
