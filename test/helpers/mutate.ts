/**
 * Seeded corruptions of model files for the loaders' fuzz test: bit flips, truncations, swapped
 * and zeroed blocks, damaged HDF5 superblocks and zip directories, oversized shards, and garbage
 * values in JSON/YAML architectures. Each takes the file's bytes and a seeded random source and
 * returns the mutant with a short description.
 */
import { dump, load } from 'js-yaml';

export type Random = () => number;

/** mulberry32: a small seeded generator with good spread from consecutive seeds. */
export function random(seed: number): Random {
  let a = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Random, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const choose = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)];

export interface Mutant {
  bytes: Buffer;
  how: string;
}

type Mutation = (b: Buffer, r: Random) => Mutant;

function flip(b: Buffer, r: Random, within = b.length): Mutant {
  const out = Buffer.from(b);
  const n = int(r, 1, 8);
  const at: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = int(r, 0, Math.min(within, out.length) - 1);
    out[i] ^= 1 << int(r, 0, 7);
    at.push(i);
  }
  return { bytes: out, how: `${n} bit flips at ${at.join(',')}` };
}

function truncate(b: Buffer, r: Random): Mutant {
  const at = int(r, 1, b.length - 1);
  return { bytes: Buffer.from(b.subarray(0, at)), how: `truncated to ${at} of ${b.length} bytes` };
}

function swap(b: Buffer, r: Random): Mutant {
  const out = Buffer.from(b);
  const n = Math.min(int(r, 8, 512), Math.floor(b.length / 2));
  const i = int(r, 0, b.length - 2 * n);
  const j = int(r, i + n, b.length - n);
  const a = Buffer.from(out.subarray(i, i + n));
  out.copy(out, i, j, j + n);
  a.copy(out, j);
  return { bytes: out, how: `swapped ${n}-byte blocks at ${i} and ${j}` };
}

function zeroBlock(b: Buffer, r: Random): Mutant {
  const out = Buffer.from(b);
  const n = int(r, 16, 1024);
  const i = int(r, 0, b.length - 1);
  out.fill(0, i, Math.min(b.length, i + n));
  return { bytes: out, how: `zeroed ${n} bytes at ${i}` };
}

/** HDF5: the superblock follows the 8-byte signature; zero it (keeping the signature) or all of the first 512 bytes. */
function zeroSuperblock(b: Buffer, r: Random): Mutant {
  const out = Buffer.from(b);
  const keep = r() < 0.7;
  const from = keep ? 8 : 0;
  const to = keep ? int(r, 12, 96) : 512;
  out.fill(0, from, to);
  return { bytes: out, how: `zeroed superblock bytes ${from}-${to}` };
}

/** Bit flips in the first 4 kB, where HDF5 keeps the superblock, root group and first object headers. */
function flipHead(b: Buffer, r: Random): Mutant {
  const m = flip(b, r, 4096);
  return { bytes: m.bytes, how: `${m.how} (head)` };
}

/** Zip: offset of the end-of-central-directory record, or -1. */
function eocd(b: Buffer): number {
  for (let i = b.length - 22; i >= Math.max(0, b.length - 65557); i--) if (b.readUInt32LE(i) === 0x06054b50) return i;
  return -1;
}

/** Zip: flips or zeroes bytes of the central directory, or scrambles the end record's counts and offsets. */
function centralDirectory(b: Buffer, r: Random): Mutant {
  const out = Buffer.from(b);
  const end = eocd(b);
  if (end < 0) return flip(b, r);
  const start = out.readUInt32LE(end + 16);
  const kind = int(r, 0, 2);
  if (kind === 0) {
    const n = int(r, 1, 6);
    for (let k = 0; k < n; k++) out[int(r, start, end - 1)] ^= 1 << int(r, 0, 7);
    return { bytes: out, how: `${n} bit flips in the central directory` };
  }
  if (kind === 1) {
    const i = int(r, start, end - 1);
    out.fill(0, i, Math.min(end, i + int(r, 4, 46)));
    return { bytes: out, how: `zeroed central directory bytes from ${i}` };
  }
  const field = choose(r, [8, 10, 12, 16] as const);
  const value = choose(r, [0, 1, 0xffff, 0x7fffffff, int(r, 0, b.length * 2)]);
  if (field < 12) out.writeUInt16LE(value & 0xffff, end + field);
  else out.writeUInt32LE(value >>> 0, end + field);
  return { bytes: out, how: `end-of-central-directory field +${field} set to ${value}` };
}

/** Zip: the first local file header (signature, sizes, name length). */
function zipHeader(b: Buffer, r: Random): Mutant {
  const out = Buffer.from(b);
  const n = int(r, 4, 30);
  out.fill(0, 4, 4 + n);
  return { bytes: out, how: `zeroed ${n} bytes of the first local header` };
}

/** A weight shard longer than the manifest says. */
function oversize(b: Buffer, r: Random): Mutant {
  const extra = Buffer.alloc(int(r, 1, 4096));
  for (let i = 0; i < extra.length; i++) extra[i] = int(r, 0, 255);
  return { bytes: Buffer.concat([b, extra]), how: `${extra.length} bytes appended` };
}

const GARBAGE_TOKENS = ['NaN', 'Infinity', '1e12', '-1', '0', '1.5', '"x"', 'null', '[]', '{}', 'true', '99999999999'];
const GARBAGE_VALUES: unknown[] = [null, 0, -1, 1e12, 1.5, 'x', '', [], {}, true, [1e9, 1e9], { class_name: 'Dense' }, -1e308];

/** A number in the text replaced by a garbage token (NaN makes the JSON invalid; 1e12 a huge layer). */
function garbageNumber(b: Buffer, r: Random): Mutant {
  const text = b.toString('utf8');
  const numbers = [...text.matchAll(/-?\d+(\.\d+)?([eE][-+]?\d+)?/g)];
  if (!numbers.length) return flip(b, r);
  const m = choose(r, numbers);
  const token = choose(r, GARBAGE_TOKENS);
  const out = text.slice(0, m.index) + token + text.slice(m.index! + m[0].length);
  return { bytes: Buffer.from(out), how: `number '${m[0]}' at ${m.index} replaced by ${token}` };
}

/** Every [container, key] of a parsed document, for picking a node to replace. */
function slots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([v as Record<string, unknown>, k]), slots(x, out);
  return out;
}

/** A node of the parsed JSON/YAML replaced by a value of the wrong kind, or deleted; written back valid. */
function garbageNode(yaml: boolean): Mutation {
  return (b, r) => {
    const doc = yaml ? load(b.toString('utf8')) : JSON.parse(b.toString('utf8'));
    const all = slots(doc);
    const [container, key] = choose(r, all);
    let how: string;
    if (r() < 0.2 && !Array.isArray(container)) {
      delete (container as Record<string, unknown>)[key as string];
      how = `key '${key}' deleted`;
    } else {
      const value = choose(r, GARBAGE_VALUES);
      (container as Record<string | number, unknown>)[key] = value;
      how = `'${key}' set to ${JSON.stringify(value)}`;
    }
    return { bytes: Buffer.from(yaml ? dump(doc) : JSON.stringify(doc)), how };
  };
}

function textFlip(b: Buffer, r: Random): Mutant {
  const out = Buffer.from(b);
  const n = int(r, 1, 4);
  for (let k = 0; k < n; k++) out[int(r, 0, out.length - 1)] ^= 1 << int(r, 0, 6);
  return { bytes: out, how: `${n} bit flips (text)` };
}

/** The mutations for each kind of file, with their weights. */
const MUTATIONS: Record<FileKind, [Mutation, number][]> = {
  hdf5: [
    [flip, 3],
    [flipHead, 3],
    [truncate, 2],
    [swap, 2],
    [zeroBlock, 2],
    [zeroSuperblock, 1],
  ],
  zip: [
    [flip, 3],
    [truncate, 2],
    [swap, 1],
    [zeroBlock, 1],
    [centralDirectory, 3],
    [zipHeader, 1],
  ],
  shard: [
    [flip, 3],
    [truncate, 2],
    [oversize, 2],
    [swap, 1],
  ],
  json: [
    [textFlip, 2],
    [truncate, 1],
    [garbageNumber, 3],
    [garbageNode(false), 4],
  ],
  yaml: [
    [textFlip, 2],
    [truncate, 1],
    [garbageNumber, 3],
    [garbageNode(true), 4],
  ],
  // ONNX (protobuf): bit flips, truncations and swapped blocks reach the protobuf decoder.
  onnx: [
    [flip, 3],
    [flipHead, 2],
    [truncate, 2],
    [swap, 2],
    [zeroBlock, 1],
  ],
};

export type FileKind = 'hdf5' | 'zip' | 'shard' | 'json' | 'yaml' | 'onnx';

/** One seeded mutant of `bytes`, a file of `kind`. */
export function mutate(bytes: Buffer, kind: FileKind, r: Random): Mutant {
  const options = MUTATIONS[kind];
  const total = options.reduce((a, [, w]) => a + w, 0);
  let pick = r() * total;
  for (const [m, w] of options) {
    pick -= w;
    if (pick < 0) return m(bytes, r);
  }
  return options[0][0](bytes, r);
}
