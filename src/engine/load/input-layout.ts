/**
 * Where the sequence and the alphabet lie in a model's input, and the length used when the
 * model leaves it unspecified. Works on the input shape without the batch axis.
 */
import { UserError } from '../errors';
import type { InputLayout } from './model';
import { DEFAULT_LENGTH, DEFAULT_MAX_MEMORY_MB } from './options';
import { shown } from './shown';

type Dim = number | null;

/** Recognised one-hot layouts: [rank-2 or rank-3 pattern, sequence axis, alphabet axis]. */
function dnaAxes(shape: Dim[]): { sequenceAxis: number; alphabetAxis: number } | null {
  const is = (i: number, v: number) => shape[i] === v;
  if (shape.length === 2) {
    if (is(1, 4)) return { sequenceAxis: 0, alphabetAxis: 1 }; // (L, 4)
    if (is(0, 4)) return { sequenceAxis: 1, alphabetAxis: 0 }; // (4, L)
  }
  if (shape.length === 3) {
    if (is(0, 1) && is(2, 4)) return { sequenceAxis: 1, alphabetAxis: 2 }; // (1, L, 4)
    if (is(0, 4) && is(1, 1)) return { sequenceAxis: 2, alphabetAxis: 0 }; // (4, 1, L)
    if (is(1, 4) && is(2, 1)) return { sequenceAxis: 0, alphabetAxis: 1 }; // (L, 4, 1)
    if (is(1, 1) && is(2, 4)) return { sequenceAxis: 0, alphabetAxis: 2 }; // (L, 1, 4)
  }
  return null;
}

export interface ResolvedInput {
  layout: InputLayout;
  /** The input shape with the unspecified length filled in (what the model should be built with). */
  shape: Dim[];
  notes: string[];
}

/**
 * Detects the layout and fills an unspecified sequence length with `length` (or the default).
 * Any other unspecified axis cannot be analysed and is left for the caller to refuse.
 */
export function resolveInput(shape: Dim[], length?: number): ResolvedInput {
  const notes: string[] = [];
  const axes = dnaAxes(shape);
  const filled = [...shape];
  let sequenceAxis = axes?.sequenceAxis ?? null;
  if (!axes) {
    const open = shape.indexOf(null);
    if (open >= 0) sequenceAxis = open;
  }
  if (sequenceAxis !== null && filled[sequenceAxis] === null) {
    filled[sequenceAxis] = length ?? DEFAULT_LENGTH;
    notes.push(
      length !== undefined
        ? `the model accepts any sequence length; using the requested length ${length}`
        : `the model accepts any sequence length; using the default length ${DEFAULT_LENGTH} (set another with --length)`,
    );
  }
  if (!axes) {
    const alphabet = shape.length >= 2 ? shape[shape.length - 1] : null;
    notes.push(`the input ${fmt(shape)} is not one-hot DNA (no axis of 4 letters)${alphabet ? `; alphabet size ${alphabet}` : ''}: sequence-logo views are skipped`);
  }
  return {
    layout: {
      shape: filled,
      sequenceAxis: axes ? axes.sequenceAxis : null,
      alphabetAxis: axes ? axes.alphabetAxis : null,
      length: sequenceAxis !== null ? (filled[sequenceAxis] as number) : null,
      oneHotDna: axes !== null,
    },
    shape: filled,
    notes,
  };
}

export function fmt(shape: Dim[]): string {
  return `(${shape.map((d) => (d === null ? 'None' : d)).join(', ')})`;
}

/**
 * A declared input shape (without batch) must hold whole positive sizes or None — a corrupt
 * file can hold anything there — and one sequence of it must fit in the memory limit.
 */
export function checkInputShape(file: string, shape: readonly unknown[], maxMemoryMB = DEFAULT_MAX_MEMORY_MB): void {
  if (!shape.every((d) => d === null || (Number.isSafeInteger(d) && (d as number) > 0))) {
    throw new UserError(`${file}: the input shape (${shape.map((d) => (d === null ? 'None' : shown(d))).join(', ')}) is not a possible shape (corrupt architecture?)`);
  }
  const mb = ((shape as (number | null)[]).reduce<number>((a, d) => a * (d ?? 1), 1) * 4) / (1024 * 1024);
  if (mb > maxMemoryMB) throw new UserError(`${file}: one input of shape ${fmt(shape as Dim[])} needs ${mb.toFixed(0)} MB, more than the limit of ${maxMemoryMB} MB (maxMemoryMB)`);
}
