/**
 * The state of one ONNX → TF.js conversion: the values of the graph (data tensors as symbolic
 * TF.js tensors with their held layout, constants as tensors), layer naming, and the two ways a
 * node becomes TF.js: a TF.js layer (Conv1D, Dense, …, so the engine's rules and fast paths see
 * what they know) or an OnnxOp layer. A node whose inputs are all constant is folded now.
 *
 * Constants that derive from the batch size (Shape of a data tensor) are evaluated in two worlds,
 * batch 2 and batch 3: an entry that differs between them is the batch, which is how a reshape
 * target like [x.size(0), -1] is understood without running the model at a fixed batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { SymbolicTensor } from '@tensorflow/tfjs-layers';
import { UserError, oneLine } from '../../errors';
import { OnnxOp } from '../../custom-layers/onnx-op';
import { constTensor, runOp, type ConstSpec, type OpAttrs } from '../../ops';
import { flatOrder, full, heldShape, invert, nativeShape, tidy, transposeBetween, type Perm } from './layout';
import type { Node } from './proto';

export const WORLD_A = 2;
export const WORLD_B = 3;

export interface DataVal {
  kind: 'data';
  t: SymbolicTensor;
  /** Held layout (see layout.ts). */
  perm: Perm;
  /** Set on a flattened map whose held order is not the native order: held position → native index. */
  flat: Int32Array | null;
}

export interface ConstVal {
  kind: 'const';
  /** The value (in the batch-2 world when it depends on the batch size). */
  t: tf.Tensor;
  /** The value in the batch-3 world, when it differs (derived from the batch size). */
  t3?: tf.Tensor;
}

export type Val = DataVal | ConstVal;

export const isData = (v: Val | undefined): v is DataVal => v?.kind === 'data';
export const isConst = (v: Val | undefined): v is ConstVal => v?.kind === 'const';

export class Context {
  readonly values = new Map<string, Val>();
  readonly aliases: Record<string, string> = {};
  readonly notes: string[] = [];
  private readonly names = new Set<string>();
  /** How many nodes read each value (for fusions that are only right for a single reader). */
  readonly readers = new Map<string, number>();
  /** Dense layers made from MatMul without a bias yet, by output value name (MatMul + Add fusion). */
  readonly openDense = new Map<string, { layer: tfl.layers.Layer; kernel: tf.Tensor }>();

  constructor(
    readonly file: string,
    readonly opset: number,
  ) {}

  /** A held shape with the batch axis filled (for probes). */
  heldShape(v: DataVal, batch = WORLD_A): number[] {
    return v.t.shape.map((d, i) => (i === 0 ? batch : (d as number)));
  }

  nativeShape(v: Val, batch = WORLD_A): number[] {
    return v.kind === 'const' ? v.t.shape.slice() : nativeShape(this.heldShape(v, batch), v.perm);
  }

  rank(v: Val): number {
    return v.kind === 'const' ? v.t.rank : v.t.shape.length;
  }

  /** A unique TF.js layer name from a node's name (TF.js names start with a letter or digit and use [A-Za-z0-9._/-]). */
  layerName(node: Node, suffix = ''): string {
    const base = ((node.name || node.output?.[0] || node.opType || 'node') + suffix).replace(/[^A-Za-z0-9._/-]/g, '_').replace(/^[^A-Za-z0-9]+/, '') || 'node';
    let name = base;
    for (let i = 2; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Records what the user may call a layer: the node's name and its output names. */
  nameLayer(node: Node, layer: string) {
    for (const n of [node.name, ...(node.output ?? [])]) if (n && n !== layer && !(n in this.aliases)) this.aliases[n] = layer;
  }

  /** A constant's values as plain numbers (batch-2 world); refuses a batch-dependent one where it must be fixed. */
  ints(v: Val | undefined, node: Node, what: string): number[] {
    if (!v) return [];
    if (v.kind !== 'const') throw this.refuse(node, `its ${what} is computed from the data; only constant ${what} are supported`);
    if (v.t3 && !tf.util.arraysEqual(v.t.dataSync(), v.t3.dataSync())) throw this.refuse(node, `its ${what} depend on the batch size`);
    return Array.from(v.t.dataSync(), Number);
  }

  refuse(node: Node, cause: string): UserError {
    return new UserError(`${this.file}: node '${node.name || node.output?.[0]}' (${node.opType}): ${cause}`);
  }

  /** A native constant broadcast to `rank` and held in order `perm` (for an op with a data operand held so). */
  constIn(c: ConstVal, rank: number, perm: Perm): ConstVal {
    const shape = [...new Array(Math.max(rank - c.t.rank, 0)).fill(1), ...c.t.shape];
    const move = (t: tf.Tensor) => {
      const r = tf.reshape(t, shape);
      return perm ? tf.transpose(r, perm) : r;
    };
    return { kind: 'const', t: move(c.t), t3: c.t3 ? move(c.t3) : undefined };
  }

  /** Data value held in order `to` (a Permute layer), after restoring a flattened value's native order. */
  toPerm(node: Node, v: DataVal, to: Perm): DataVal {
    let d = v.flat ? this.restoreFlat(node, v) : v;
    const rank = d.t.shape.length;
    if (full(d.perm, rank).join() === full(to, rank).join()) return d;
    const t = transposeBetween(d.perm, to, rank);
    if (t[0] !== 0) throw this.refuse(node, 'it would move the batch axis; not supported');
    const layer = tfl.layers.permute({ dims: t.slice(1), name: this.layerName(node, '_layout') });
    d = { kind: 'data', t: layer.apply(d.t) as SymbolicTensor, perm: tidy(to), flat: null };
    return d;
  }

  /** The value in its native layout (the batch axis must be native axis 0). */
  native(node: Node, v: DataVal): DataVal {
    if (v.perm && v.perm[0] !== 0) throw this.refuse(node, 'its input has the batch axis elsewhere than first; not supported');
    return this.toPerm(node, v, null);
  }

  /** A flattened map back in native order (a gather of its columns). */
  restoreFlat(node: Node, v: DataVal): DataVal {
    if (!v.flat) return v;
    const inv = invert(Array.from(v.flat));
    const [out] = this.op(node, 'Gather', 'Gather', [{ ...v, flat: null }, intConst(inv)], { axis: 1 }, [null], '_order');
    return out as DataVal;
  }

  /**
   * One op on its operands: folded when every operand is constant, else an OnnxOp layer (float
   * constants become its weights, integer/boolean ones go in its attributes). Output shapes are
   * found by running the op once on zeros at batch 2.
   */
  op(node: Node, op: string, kind: string, operands: Val[], attrs: OpAttrs, outPerms: Perm[], suffix = ''): Val[] {
    if (operands.every(isConst)) return this.fold(node, op, operands as ConstVal[], attrs);
    // A flattened map in held order goes back to native order first: the op's attributes are native.
    operands = operands.map((v) => (isData(v) && v.flat ? this.restoreFlat(node, v) : v));
    const data: DataVal[] = [];
    const slots: string[] = [];
    const weights: tf.Tensor[] = [];
    const consts: ConstSpec[] = [];
    for (const v of operands) {
      if (v.kind === 'data') {
        let i = data.findIndex((d) => d.t === v.t);
        if (i < 0) i = data.push(v) - 1;
        slots.push(`d${i}`);
      } else {
        if (v.t3 && !tf.util.arraysEqual(v.t.dataSync(), v.t3.dataSync())) throw this.refuse(node, 'an operand depends on the batch size; not supported');
        if (v.t.dtype === 'float32') {
          slots.push('w');
          weights.push(v.t);
        } else {
          slots.push('c');
          consts.push({ shape: v.t.shape, dtype: v.t.dtype as 'int32' | 'bool', values: Array.from(v.t.dataSync(), Number) });
        }
      }
    }
    const fullAttrs = consts.length ? { ...attrs, consts } : attrs;
    // Probe: the op on zeros (batch 2) gives the output shapes; the batch must stay on axis 0.
    const outputShapes = this.probe(node, op, slots, data, weights, consts, fullAttrs);
    const layer = new OnnxOp({ name: this.layerName(node, suffix), op, kind, attrs: fullAttrs, slots, weightShapes: weights.map((w) => w.shape), outputShapes });
    const applied = layer.apply(data.length === 1 ? data[0].t : data.map((d) => d.t)) as SymbolicTensor | SymbolicTensor[];
    if (weights.length) layer.setWeights(weights);
    if (!suffix) this.nameLayer(node, layer.name);
    const outs = Array.isArray(applied) ? applied : [applied];
    return outs.map((t, i) => ({ kind: 'data', t, perm: tidy(outPerms[i] ?? outPerms[0]), flat: null }));
  }

  /** Output shapes of an op (null batch), from one run on zeros at batch 2; the batch must stay on axis 0. */
  private probe(node: Node, op: string, slots: string[], data: DataVal[], weights: tf.Tensor[], consts: ConstSpec[], attrs: OpAttrs): (number | null)[][] {
    const made: tf.Tensor[] = [];
    try {
      let w = 0;
      let c = 0;
      const zeros = data.map((d) => tf.zeros(this.heldShape(d)));
      made.push(...zeros);
      const operands = slots.map((s) => {
        if (s === 'w') return weights[w++];
        if (s !== 'c') return zeros[Number(s.slice(1))];
        const t = constTensor(consts[c++]);
        made.push(t);
        return t;
      });
      let out: tf.Tensor | tf.Tensor[];
      try {
        out = tf.tidy(() => runOp(op, operands, attrs));
      } catch (err) {
        throw this.refuse(node, `cannot be computed on its inputs (${oneLine(err)})`);
      }
      const outs = Array.isArray(out) ? out : [out];
      made.push(...outs);
      return outs.map((o) => {
        if (o.shape[0] !== WORLD_A) throw this.refuse(node, 'it moves or merges the batch axis; not supported');
        return [null, ...o.shape.slice(1)];
      });
    } finally {
      made.forEach((t) => t.dispose());
    }
  }

  /** A TF.js layer on data value(s), its weights set after it is built. */
  layer(node: Node, layer: tfl.layers.Layer, input: DataVal | DataVal[], weights: tf.Tensor[] | null, perm: Perm, flat: Int32Array | null = null, main = true): DataVal {
    const ins = Array.isArray(input) ? input : [input];
    const t = layer.apply(ins.length === 1 ? ins[0].t : ins.map((d) => d.t)) as SymbolicTensor;
    if (weights) layer.setWeights(weights);
    if (main) this.nameLayer(node, layer.name);
    return { kind: 'data', t, perm: tidy(perm), flat };
  }

  fold(node: Node, op: string, operands: ConstVal[], attrs: OpAttrs): ConstVal[] {
    const run = (world: 'a' | 'b') => {
      try {
        const out = runOp(op, operands.map((c) => (world === 'b' ? (c.t3 ?? c.t) : c.t)), attrs);
        return Array.isArray(out) ? out : [out];
      } catch (err) {
        throw this.refuse(node, `cannot be computed on its constant inputs (${oneLine(err)})`);
      }
    };
    const a = run('a');
    const b = operands.some((c) => c.t3) ? run('b') : null;
    return a.map((t, i) => ({ kind: 'const', t, t3: b ? b[i] : undefined }));
  }

  /** Flatten of a data value into (N, features): a TF.js Flatten; a held order other than native is remembered for the Dense that reads it. */
  flatten(node: Node, v: DataVal): DataVal {
    if (v.flat) return v;
    if (v.perm && v.perm[0] !== 0) throw this.refuse(node, 'it flattens a tensor whose batch axis is not first; not supported');
    const flat = v.perm ? flatOrder(this.heldShape(v, 1), v.perm) : null;
    return this.layer(node, tfl.layers.flatten({ name: this.layerName(node) }), v, null, null, flat);
  }

  /** The shape a native constant would have held in `perm`. */
  held(native: number[], perm: Perm) {
    return heldShape(native, perm);
  }
}

export function intConst(values: number[], shape = [values.length]): ConstVal {
  return { kind: 'const', t: tf.tensor(values, shape, 'int32') };
}
