/**
 * Lowering of ONNX nodes that move or select elements, and of the shape arithmetic PyTorch emits
 * (Shape → Gather → Unsqueeze → Concat → Reshape for `x.view(x.size(0), -1)`), which is folded
 * to constants here: only the data path becomes layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { WORLD_A, WORLD_B, intConst, isConst, isData, type ConstVal, type Context, type DataVal, type Val } from './context';
import { afterTranspose, dropAxes, full, heldAxis, type Perm } from './layout';
import type { Lowering } from './lowering';
import type { AttrValue, Node, TensorData } from './proto';

const norm = (a: number, rank: number) => (a < 0 ? a + rank : a);

/** Attribute (older opsets) or constant input (newer ones) holding a list of integers. */
function listArg(ctx: Context, node: Node, attrs: Record<string, AttrValue>, name: string, input: Val | undefined): number[] | undefined {
  if (input) return ctx.ints(input, node, name);
  const a = attrs[name];
  return Array.isArray(a) ? (a as number[]) : undefined;
}

function constFromTensor(t: TensorData): ConstVal {
  return { kind: 'const', t: tf.tensor(t.dtype === 'bool' ? Array.from(t.values, Boolean) : t.values, t.shape, t.dtype) };
}

/** Resolves 0 (copy) and -1 (infer) in a reshape target against the input's native shape. */
function resolveTarget(target: number[], input: number[], allowZero: boolean, ctx: Context, node: Node): number[] {
  const out = target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = input.reduce((a, b) => a * b, 1);
  const infer = out.indexOf(-1);
  if (infer >= 0) out[infer] = known ? total / known : 0;
  if (out.reduce((a, b) => a * b, 1) !== total || !out.every(Number.isInteger)) {
    throw ctx.refuse(node, `cannot reshape [${input}] to [${target}]`);
  }
  return out;
}

const reshape: Lowering = (ctx, node, ins, attrs) => {
  const [x, s] = ins;
  if (!isConst(s)) throw ctx.refuse(node, 'its target shape is computed from the data; only shapes fixed at export are supported');
  const allowZero = attrs.allowzero === 1;
  const sa = Array.from(s.t.dataSync(), Number);
  const sb = s.t3 ? Array.from(s.t3.dataSync(), Number) : sa;
  if (isConst(x)) return ctx.fold(node, 'Reshape', [x], { shape: resolveTarget(sa, x.t.shape, allowZero, ctx, node) });
  const d = x as DataVal;
  const batchDependent = sa.some((v, i) => v !== sb[i]);
  // A target fixed at export (batch 1, or the exported batch) keeps the batch in its first entry.
  const fix = (t: number[], batch: number) => (batchDependent ? t : [t[0] === -1 || t[0] === 0 ? t[0] : batch, ...t.slice(1)]);
  const ta = resolveTarget(fix(sa, WORLD_A), ctx.nativeShape(d, WORLD_A), allowZero, ctx, node);
  const tb = resolveTarget(fix(sb, WORLD_B), ctx.nativeShape(d, WORLD_B), allowZero, ctx, node);
  const batchAxes = ta.map((v, i) => (v !== tb[i] ? i : -1)).filter((i) => i >= 0);
  const k = batchAxes[0];
  if (batchAxes.length === 1 && k > 0 && ta[k] === WORLD_A && tb[k] === WORLD_B) {
    // The batch stays its own axis but not the first (PyTorch's bidirectional RNN output:
    // [seq, batch, dirs, H] → [seq, batch, dirs·H]): with as many elements before it in the
    // target as in the input, the axes before and after it reshape separately, so the held
    // tensor (batch, then the other native axes in order) is reshaped batch-first.
    const rank = ctx.rank(d);
    const bIn = full(d.perm, rank)[0];
    const natA = ctx.nativeShape(d, WORLD_A);
    const count = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
    if (count(natA.slice(0, bIn)) === count(ta.slice(0, k))) {
      const moved = ctx.toPerm(node, d, [bIn, ...full(null, rank).filter((a) => a !== bIn)]);
      const targetShape = [...ta.slice(0, k), ...ta.slice(k + 1)];
      const perm = [k, ...full(null, ta.length).filter((a) => a !== k)];
      return [ctx.layer(node, tfl.layers.reshape({ targetShape, name: ctx.layerName(node) }), moved, null, perm)];
    }
  }
  if (batchAxes.length !== 1 || batchAxes[0] !== 0 || ta[0] !== WORLD_A || tb[0] !== WORLD_B) {
    throw ctx.refuse(node, `its target shape [${sa}] merges or moves the batch axis; not supported`);
  }
  const rest = ta.slice(1);
  if (rest.length === 1) return [ctx.flatten(node, d)];
  const nat = ctx.native(node, d);
  return [ctx.layer(node, tfl.layers.reshape({ targetShape: rest, name: ctx.layerName(node) }), nat, null, null)];
};

const flatten: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const axis = norm((attrs.axis as number) ?? 1, ctx.rank(x));
  if (isConst(x)) {
    const sh = x.t.shape;
    return ctx.fold(node, 'Reshape', [x], { shape: [sh.slice(0, axis).reduce((a, b) => a * b, 1), -1] });
  }
  const d = x as DataVal;
  const nat = ctx.nativeShape(d, 1);
  if (axis === 1) return [ctx.flatten(node, d)];
  if (axis > 1 && nat.slice(1, axis).every((v) => v === 1)) return [ctx.flatten(node, d)];
  throw ctx.refuse(node, `Flatten(axis=${axis}) merges the batch axis with others; not supported`);
};

const transpose: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const t = (attrs.perm as number[] | undefined) ?? full(null, rank).reverse();
  if (isConst(x)) return ctx.fold(node, 'Transpose', [x], { perm: t });
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  return [{ ...d, perm: afterTranspose(d.perm, rank, t) }];
};

const squeeze: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const shape = ctx.nativeShape(x, WORLD_A);
  const given = listArg(ctx, node, attrs, 'axes', ins[1]);
  const axes = (given ?? shape.map((v, i) => (v === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => norm(a, rank));
  if (isConst(x)) return ctx.fold(node, 'Reshape', [x], { shape: shape.filter((_, i) => !axes.includes(i)) });
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  if (axes.some((a) => a === full(d.perm, rank)[0])) throw ctx.refuse(node, 'it squeezes the batch axis; not supported');
  const held = ctx.heldShape(d, 1);
  const keep = held.filter((_, i) => i > 0 && !axes.includes(full(d.perm, rank)[i]));
  const perm = dropAxes(d.perm, rank, axes);
  if (!keep.length) return ctx.op(node, 'Reshape', 'Reshape', [d], { shape: [-1] }, [null]);
  return [ctx.layer(node, tfl.layers.reshape({ targetShape: keep, name: ctx.layerName(node) }), d, null, perm)];
};

const unsqueeze: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const given = listArg(ctx, node, attrs, 'axes', ins[1]) ?? [];
  const outRank = ctx.rank(x) + given.length;
  const axes = given.map((a) => norm(a, outRank)).sort((a, b) => a - b);
  const old = full(null, outRank).filter((i) => !axes.includes(i));
  if (isConst(x)) {
    const shape = new Array<number>(outRank).fill(1);
    old.forEach((o, i) => (shape[o] = x.t.shape[i]));
    return ctx.fold(node, 'Reshape', [x], { shape });
  }
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  // The new axes are held last: held = reshape(held, [..., 1, 1]); old native axis j is now old[j].
  const perm = [...full(d.perm, ctx.rank(d)).map((j) => old[j]), ...axes];
  const held = ctx.heldShape(d, 1).slice(1);
  return [ctx.layer(node, tfl.layers.reshape({ targetShape: [...held, ...axes.map(() => 1)], name: ctx.layerName(node) }), d, null, perm)];
};

/** Data operands of Concat/Split-like ops held in the first data operand's layout. */
function sameLayout(ctx: Context, node: Node, ins: Val[]): { operands: DataVal[]; perm: Perm } {
  const first = ins.find(isData)!;
  const perm = first.flat ? null : first.perm;
  return { operands: ins.map((v) => ctx.toPerm(node, v as DataVal, perm)), perm };
}

const concat: Lowering = (ctx, node, ins, attrs) => {
  const present = ins.filter((v): v is Val => v !== undefined && ctx.rank(v) > 0 && !(isConst(v) && v.t.size === 0));
  const rank = ctx.rank(present[0]);
  const axis = norm(attrs.axis as number, rank);
  if (present.every(isConst)) {
    return ctx.fold(node, 'Concat', present as ConstVal[], { axis });
  }
  if (present.some(isConst)) throw ctx.refuse(node, 'it joins constants to data along an axis; not supported');
  const { operands, perm } = sameLayout(ctx, node, present);
  if (heldAxis(perm, axis) === 0) throw ctx.refuse(node, 'it concatenates along the batch axis; not supported');
  return ctx.op(node, 'Concat', 'Concatenate', operands, { axis: heldAxis(perm, axis) }, [perm]);
};

const split: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const axis = norm((attrs.axis as number) ?? 0, rank);
  const n = ctx.nativeShape(x, WORLD_A)[axis];
  const outputs = node.output!.length;
  const given = listArg(ctx, node, attrs, 'split', ins[1]);
  const parts = (attrs.num_outputs as number | undefined) ?? outputs;
  const sizes = given ?? Array.from({ length: parts }, (_, i) => Math.min(Math.ceil(n / parts), n - i * Math.ceil(n / parts)));
  if (isConst(x)) return ctx.fold(node, 'Split', [x], { axis, sizes });
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  if (heldAxis(d.perm, axis) === 0) throw ctx.refuse(node, 'it splits the batch axis; not supported');
  return ctx.op(node, 'Split', 'Split', [d], { axis: heldAxis(d.perm, axis), sizes }, [d.perm]);
};

const slice: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const old = ctx.opset < 10;
  const starts = old ? (attrs.starts as number[]) : ctx.ints(ins[1], node, 'starts');
  const ends = old ? (attrs.ends as number[]) : ctx.ints(ins[2], node, 'ends');
  const axes = (old ? (attrs.axes as number[] | undefined) : ins[3] ? ctx.ints(ins[3], node, 'axes') : undefined) ?? starts.map((_, i) => i);
  const steps = (!old && ins[4] ? ctx.ints(ins[4], node, 'steps') : undefined) ?? starts.map(() => 1);
  const d = isData(x) ? (x.flat ? ctx.restoreFlat(node, x) : x) : null;
  const perm = d ? d.perm : null;
  const native = ctx.nativeShape(d ?? x, WORLD_A);
  const held = d ? ctx.heldShape(d, WORLD_A) : native;
  const begin = held.map(() => 0);
  const end: (number | null)[] = held.slice();
  const strides = held.map(() => 1);
  axes.forEach((a0, i) => {
    const a = norm(a0, rank);
    const n = native[a];
    const step = steps[i];
    let s = starts[i] < 0 ? starts[i] + n : starts[i];
    let e = ends[i] < 0 ? ends[i] + n : ends[i];
    if (step > 0) {
      s = Math.min(Math.max(s, 0), n);
      e = Math.min(Math.max(e, 0), n);
    } else {
      s = Math.min(Math.max(s, -1), n - 1);
      e = Math.min(Math.max(e, -1), n - 1);
    }
    const h = heldAxis(perm, a);
    if (d && h === 0) {
      if (!(step === 1 && s === 0 && e >= n)) throw ctx.refuse(node, 'it slices the batch axis; not supported');
      return;
    }
    begin[h] = s;
    end[h] = step < 0 && e < 0 ? null : e;
    strides[h] = step;
  });
  if (d) end[0] = null;
  return ctx.op(node, 'Slice', 'Slice', [d ?? x], { begin, end, strides }, [perm]);
};

const pad: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const rank = ctx.rank(x);
  const pads = ctx.opset < 11 ? (attrs.pads as number[]) : ctx.ints(ins[1], node, 'pads');
  const value = ctx.opset < 11 ? ((attrs.value as number) ?? 0) : ins[2] ? Number(ctx.ints(ins[2], node, 'pad value')[0] ?? 0) : 0;
  const axes = (ins[3] ? ctx.ints(ins[3], node, 'axes') : undefined)?.map((a) => norm(a, rank)) ?? full(null, rank);
  const mode = (attrs.mode as string) ?? 'constant';
  if (!['constant', 'reflect', 'edge'].includes(mode)) throw ctx.refuse(node, `padding mode '${mode}' is not supported (constant, reflect, edge are)`);
  const d = isData(x) ? (x.flat ? ctx.restoreFlat(node, x) : x) : null;
  const perm = d ? d.perm : null;
  const held: [number, number][] = full(null, rank).map(() => [0, 0]);
  axes.forEach((a, i) => {
    const h = heldAxis(perm, a);
    held[h] = [pads[i], pads[i + axes.length]];
  });
  if (d && (held[0][0] || held[0][1])) throw ctx.refuse(node, 'it pads the batch axis; not supported');
  const kind = rank === 3 || rank === 4 ? `ZeroPadding${rank - 2}D` : 'Pad';
  return ctx.op(node, 'Pad', kind, [d ?? x], { pads: held, mode, value }, [perm]);
};

const gather: Lowering = (ctx, node, ins, attrs) => {
  const [x, idx] = ins as Val[];
  const rank = ctx.rank(x);
  const axis = norm((attrs.axis as number) ?? 0, rank);
  if (!isConst(idx)) throw ctx.refuse(node, 'its indices are computed from the data (e.g. an embedding of an index input); not supported');
  const n = ctx.nativeShape(x, WORLD_A)[axis];
  const values = ctx.ints(idx, node, 'indices').map((i) => (i < 0 ? i + n : i));
  const indices = intConst(values, idx.t.shape);
  if (isConst(x)) return ctx.fold(node, 'Gather', [x, indices], { axis });
  let d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  if (idx.t.rank > 1) d = ctx.native(node, d);
  const h = heldAxis(d.perm, axis);
  if (h === 0) throw ctx.refuse(node, 'it gathers along the batch axis; not supported');
  const perm = idx.t.rank === 0 ? dropAxes(d.perm, rank, [axis]) : d.perm;
  return ctx.op(node, 'Gather', 'Gather', [d, indices], { axis: h }, [perm]);
};

const expand: Lowering = (ctx, node, ins) => {
  const [x, s] = ins as Val[];
  if (!isConst(s)) throw ctx.refuse(node, 'its shape is computed from the data; not supported');
  const sa = Array.from(s.t.dataSync(), Number);
  const sb = s.t3 ? Array.from(s.t3.dataSync(), Number) : sa;
  if (isConst(x) && !s.t3) return ctx.fold(node, 'Expand', [x], { shape: sa });
  if (isConst(x)) throw ctx.refuse(node, 'it expands a constant to the batch size; not supported');
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  const rank = Math.max(sa.length, ctx.rank(d));
  if (rank !== ctx.rank(d)) throw ctx.refuse(node, 'it adds leading axes to data; not supported');
  const target = sa.map((v, i) => (v !== sb[i] ? -1 : v));
  const held = full(d.perm, rank).map((a) => target[a]);
  held[0] = -1;
  return ctx.op(node, 'Expand', 'Expand', [d], { shape: held }, [d.perm]);
};

const tile: Lowering = (ctx, node, ins) => {
  const [x, r] = ins as Val[];
  const reps = ctx.ints(r, node, 'repeats');
  if (isConst(x)) return ctx.fold(node, 'Tile', [x], { reps });
  const d = (x as DataVal).flat ? ctx.restoreFlat(node, x as DataVal) : (x as DataVal);
  const held = full(d.perm, reps.length).map((a) => reps[a]);
  if (held[0] !== 1) throw ctx.refuse(node, 'it repeats the batch; not supported');
  return ctx.op(node, 'Tile', 'Tile', [d], { reps: held }, [d.perm]);
};

/** Shape of a data value: a constant in both batch worlds. */
const shape: Lowering = (ctx, node, ins, attrs) => {
  const x = ins[0]!;
  const a = { start: attrs.start, end: attrs.end };
  if (isConst(x)) return ctx.fold(node, 'Shape', [x], a);
  const cut = (s: number[]) => {
    const start = norm((attrs.start as number | undefined) ?? 0, s.length);
    const end = norm((attrs.end as number | undefined) ?? s.length, s.length);
    return s.slice(Math.max(start, 0), Math.min(end, s.length));
  };
  const va = cut(ctx.nativeShape(x, WORLD_A));
  const vb = cut(ctx.nativeShape(x, WORLD_B));
  return [{ kind: 'const', t: tf.tensor1d(va, 'int32'), t3: tf.tensor1d(vb, 'int32') }];
};

const size: Lowering = (ctx, _node, ins) => {
  const x = ins[0]!;
  const n = (b: number) => ctx.nativeShape(x, b).reduce((p, q) => p * q, 1);
  return [{ kind: 'const', t: tf.scalar(n(WORLD_A), 'int32'), t3: isData(x) ? tf.scalar(n(WORLD_B), 'int32') : undefined }];
};

const constant: Lowering = (ctx, node, _ins, attrs) => {
  const v = attrs.value;
  if (v && typeof v === 'object' && 'values' in v) return [constFromTensor(v as TensorData)];
  if (typeof attrs.value_float === 'number') return [{ kind: 'const', t: tf.scalar(attrs.value_float) }];
  if (Array.isArray(attrs.value_floats)) return [{ kind: 'const', t: tf.tensor1d(attrs.value_floats as number[]) }];
  if (typeof attrs.value_int === 'number') return [{ kind: 'const', t: tf.scalar(attrs.value_int, 'int32') }];
  if (Array.isArray(attrs.value_ints)) return [{ kind: 'const', t: tf.tensor1d(attrs.value_ints as number[], 'int32') }];
  throw ctx.refuse(node, 'constant of a kind that cannot be read (sparse or string)');
};

const constantOfShape: Lowering = (ctx, node, ins, attrs) => {
  const v = attrs.value as TensorData | undefined;
  const value = v ? { value: Number(v.values[0] ?? 0), dtype: v.dtype } : undefined;
  const s = ins[0];
  if (!isConst(s)) throw ctx.refuse(node, 'its shape is computed from the data; not supported');
  return ctx.fold(node, 'ConstantOfShape', [s], { value });
};

const range: Lowering = (ctx, node, ins) => {
  if (!ins.every(isConst)) throw ctx.refuse(node, 'its bounds are computed from the data; not supported');
  return ctx.fold(node, 'Range', ins as ConstVal[], {});
};

export const SHAPE_LOWERINGS: Record<string, Lowering> = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
  Gather: gather,
  Expand: expand,
  Tile: tile,
  Shape: shape,
  Size: size,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
};
