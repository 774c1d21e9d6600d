/**
 * Class labels given by the user: a file of class names (one per line), or a label matrix
 * (samples × classes) in CSV/TSV (optionally with a header row of class names) or NPY.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';

export interface Labels {
  names?: string[];
  /** Label matrix as columns: one array of sample values per class. */
  columns?: Float64Array[];
  samples?: number;
}

function parseNpy(bytes: Uint8Array, file: string): Labels {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const fortran = /'fortran_order':\s*True/.test(header);
  if (!descr || !shape || shape.length !== 2) throw new UserError(`${file}: NPY label matrix must be two-dimensional (samples × classes)`);
  const [rows, cols] = shape;
  const offset = start + headerLen;
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '|u1': [1, (o) => view.getUint8(o)],
    '|i1': [1, (o) => view.getInt8(o)],
    '|b1': [1, (o) => view.getUint8(o)],
    '<i4': [4, (o) => view.getInt32(o, true)],
    '<i8': [8, (o) => Number(view.getBigInt64(o, true))],
  };
  const reader = readers[descr];
  if (!reader) throw new UserError(`${file}: NPY element type ${descr} is not supported (use float, int or bool)`);
  const [width, read] = reader;
  if (offset + rows * cols * width > bytes.byteLength) throw new UserError(`${file}: NPY file is truncated`);
  const columns = Array.from({ length: cols }, () => new Float64Array(rows));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const index = fortran ? c * rows + r : r * cols + c;
      columns[c][r] = read(offset + index * width);
    }
  }
  return { columns, samples: rows };
}

function parseText(text: string, file: string): Labels {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (!lines.length) throw new UserError(`${file}: the labels file is empty`);
  const sep = lines[0].includes('\t') ? '\t' : ',';
  const rows = lines.map((l) => l.split(sep).map((c) => c.trim()));
  const numeric = (cells: string[]) => cells.every((c) => c !== '' && Number.isFinite(Number(c)));
  // One column of non-numbers: class names, one per line.
  if (rows.every((r) => r.length === 1) && !numeric(rows.map((r) => r[0]))) return { names: rows.map((r) => r[0]) };
  const header = numeric(rows[0]) ? undefined : rows[0];
  const body = header ? rows.slice(1) : rows;
  const width = (header ?? body[0]).length;
  body.forEach((r, i) => {
    if (r.length !== width) throw new UserError(`${file}: line ${i + 1 + (header ? 1 : 0)} has ${r.length} values, expected ${width}`);
    if (!numeric(r)) throw new UserError(`${file}: line ${i + 1 + (header ? 1 : 0)} has a value that is not a number`);
  });
  const columns = Array.from({ length: width }, (_, c) => Float64Array.from(body, (r) => Number(r[c])));
  return { names: header, columns: body.length ? columns : undefined, samples: body.length || undefined };
}

/** Parses a labels file from its bytes; `file` is used in messages and to recognise .npy. */
export function parseLabels(bytes: Uint8Array, file: string): Labels {
  const isNpy = bytes.length >= 6 && bytes[0] === 0x93 && new TextDecoder().decode(bytes.subarray(1, 6)) === 'NUMPY';
  return isNpy ? parseNpy(bytes, file) : parseText(new TextDecoder().decode(bytes), file);
}

/** Checks that the labels fit a model with `numClasses` outputs. */
export function checkLabels(labels: Labels, numClasses: number, file: string): void {
  const count = labels.columns?.length ?? labels.names?.length ?? 0;
  if (count !== numClasses) throw new UserError(`${file}: gives ${count} classes but the model has ${numClasses}`);
}

/** Class-name files looked for beside a model when none is given (docs/formats.md). */
export const LABEL_FILES = ['labels.txt', 'labels.tsv', 'classes.txt'];

/**
 * The labels file beside a model (its folder, or the model folder itself): the first of `names`
 * (a setting's file name first) that exists, else undefined.
 */
export function labelsBeside(model: string, names: readonly string[] = LABEL_FILES): string | undefined {
  let dir = path.dirname(model);
  try {
    if (fs.statSync(model).isDirectory()) dir = model;
  } catch {
    return undefined;
  }
  for (const name of names) {
    const file = path.join(dir, name);
    if (fs.existsSync(file) && fs.statSync(file).isFile()) return file;
  }
  return undefined;
}
