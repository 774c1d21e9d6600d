/**
 * Lowering of the ONNX recurrent ops LSTM, GRU and RNN to one OnnxOp each (src/engine/ops/
 * recurrent.ts unrolls the time loop). The op runs on tensors held batch-first: in layout 0 X is
 * [seq, batch, input] natively, which the held layout already keeps as [batch, seq, input]
 * (perm [1, 0, 2]), and the outputs' perms say where the native axes went (Y held
 * [batch, seq, dirs, H] with perm [2, 0, 1, 3]; Y_h, Y_c held [batch, dirs, H] with perm [1, 0, 2]).
 * Weights must be constants. Refused: sequence_lens shorter than the sequence, activations other
 * than Sigmoid/Tanh/Relu, an initial state constant that differs across the batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { RECURRENT_ACTIVATIONS, type RecurrentAttrs } from '../../ops/recurrent';
import { isConst, isData, type ConstVal, type Context, type Val } from './context';
import type { Perm } from './layout';
import type { Lowering } from './lowering';
import type { AttrValue, Node } from './proto';

type Kind = 'LSTM' | 'GRU' | 'RNN';

const SPEC: Record<Kind, { gates: number; activations: string[]; keras: string; states: number }> = {
  LSTM: { gates: 4, activations: ['sigmoid', 'tanh', 'tanh'], keras: 'LSTM', states: 2 },
  GRU: { gates: 3, activations: ['sigmoid', 'tanh'], keras: 'GRU', states: 1 },
  RNN: { gates: 1, activations: ['tanh'], keras: 'SimpleRNN', states: 1 },
};

/** Held order of X and of the initial states: batch first in both layouts. */
const SEQ_PERM = (layout: number): Perm => (layout ? null : [1, 0, 2]);

function weight(ctx: Context, node: Node, v: Val | undefined, name: string, shape: number[]): ConstVal {
  if (!v) return { kind: 'const', t: tf.zeros(shape) };
  if (!isConst(v) || v.t3) throw ctx.refuse(node, `its ${name} is computed from the data; only constant weights are supported`);
  if (!tf.util.arraysEqual(v.t.shape, shape)) throw ctx.refuse(node, `its ${name} has shape [${v.t.shape}]; [${shape}] expected`);
  return { kind: 'const', t: tf.cast(v.t, 'float32') };
}

/** An initial state held [batch or 1, dirs, H]; a constant one must be the same for every sequence of the batch. */
function initialState(ctx: Context, node: Node, v: Val | undefined, name: string, layout: number, dirs: number, hidden: number): Val {
  if (!v) return { kind: 'const', t: tf.zeros([1, dirs, hidden]) };
  if (isData(v)) {
    const held = ctx.toPerm(node, v, SEQ_PERM(layout));
    const s = ctx.heldShape(held);
    if (s.length !== 3 || s[1] !== dirs || s[2] !== hidden) throw ctx.refuse(node, `its ${name} has shape [${ctx.nativeShape(v)}]; [${dirs}, batch, ${hidden}] expected`);
    return held;
  }
  const worlds = [v.t, v.t3].filter((t): t is tf.Tensor => !!t).map((t) => (layout ? t : t.rank === 3 ? tf.transpose(t, [1, 0, 2]) : t));
  const ok = worlds.every((t) => t.rank === 3 && t.shape[1] === dirs && t.shape[2] === hidden);
  const expected = layout ? `[batch, ${dirs}, ${hidden}]` : `[${dirs}, batch, ${hidden}]`;
  if (!ok) throw ctx.refuse(node, `its ${name} has shape [${v.t.shape}]; ${expected} expected`);
  const first = tf.cast(tf.slice(worlds[0], [0, 0, 0], [1, dirs, hidden]), 'float32');
  const shared = worlds.every((t) => tf.max(tf.abs(tf.sub(tf.cast(t, 'float32'), first))).dataSync()[0] === 0);
  if (!shared) throw ctx.refuse(node, `its ${name} is a constant that differs between the sequences of the batch; not supported`);
  return { kind: 'const', t: first };
}

function activations(ctx: Context, node: Node, kind: Kind, attrs: Record<string, AttrValue>, dirs: number): string[][] {
  const per = SPEC[kind].activations.length;
  const given = attrs.activations as string[] | undefined;
  const names = given ? given.map((n) => n.toLowerCase()) : Array.from({ length: dirs }, () => SPEC[kind].activations).flat();
  if (names.length !== per * dirs) throw ctx.refuse(node, `it lists ${names.length} activations; ${per * dirs} expected (${per} per direction)`);
  const bad = names.filter((n) => !Object.prototype.hasOwnProperty.call(RECURRENT_ACTIVATIONS, n));
  if (bad.length) throw ctx.refuse(node, `activation ${given![names.indexOf(bad[0])]} is not supported (Sigmoid, Tanh and Relu are)`);
  return Array.from({ length: dirs }, (_, d) => names.slice(d * per, (d + 1) * per));
}

const recurrent =
  (kind: Kind): Lowering =>
  (ctx, node, ins, attrs) => {
    const [x, w, r, b, seqLens, h0, c0, p] = ins;
    const spec = SPEC[kind];
    const layout = (attrs.layout as number | undefined) ?? 0;
    if (layout !== 0 && layout !== 1) throw ctx.refuse(node, `layout ${layout} is not an ONNX layout (0 or 1)`);
    const direction = (attrs.direction as string | undefined) ?? 'forward';
    const directions = ({ forward: ['forward'], reverse: ['reverse'], bidirectional: ['forward', 'reverse'] } as const)[direction];
    if (!directions) throw ctx.refuse(node, `direction '${direction}' is not an ONNX direction (forward, reverse, bidirectional)`);
    const dirs = directions.length;
    if (!isData(x)) throw ctx.refuse(node, 'its input X does not depend on the sequence; not supported');
    if (ctx.rank(x) !== 3) throw ctx.refuse(node, `its input X has rank ${ctx.rank(x)}; 3 expected`);
    const xHeld = ctx.toPerm(node, x, SEQ_PERM(layout));
    const [, seq, inputSize] = ctx.heldShape(xHeld);

    if (!isConst(r) || r.t.rank !== 3) throw ctx.refuse(node, 'its R is computed from the data or not of rank 3; only constant weights are supported');
    const hidden = (attrs.hidden_size as number | undefined) ?? (r.t.shape[2] as number);
    const gh = spec.gates * hidden;
    const W = weight(ctx, node, w, 'W', [dirs, gh, inputSize]);
    const R = weight(ctx, node, r, 'R', [dirs, gh, hidden]);
    const B = weight(ctx, node, b, 'B', [dirs, 2 * gh]);

    if (seqLens) {
      // Only lengths equal to the whole sequence (what exporters write for unpadded batches) are the plain recurrence.
      if (!isConst(seqLens)) throw ctx.refuse(node, 'its sequence_lens are computed from the data; only sequences of the full length are supported');
      const full = [seqLens.t, seqLens.t3].every((t) => !t || Array.from(t.dataSync()).every((v) => v === seq));
      if (!full) throw ctx.refuse(node, `its sequence_lens are not all ${seq} (the sequence length); padded batches are not supported`);
    }

    const clip = (attrs.clip as number | undefined) ?? null;
    if (clip !== null && !(clip > 0)) throw ctx.refuse(node, `clip ${clip} is not a positive threshold`);
    const opAttrs: RecurrentAttrs = { directions: [...directions], activations: activations(ctx, node, kind, attrs, dirs), clip, outputs: [] };
    if (kind === 'LSTM') opAttrs.inputForget = ((attrs.input_forget as number | undefined) ?? 0) !== 0;
    if (kind === 'GRU') opAttrs.linearBeforeReset = ((attrs.linear_before_reset as number | undefined) ?? 0) !== 0;

    const operands: Val[] = [xHeld, W, R, B, initialState(ctx, node, h0, 'initial_h', layout, dirs, hidden)];
    if (kind === 'LSTM') operands.push(initialState(ctx, node, c0, 'initial_c', layout, dirs, hidden), weight(ctx, node, p, 'P', [dirs, 3 * hidden]));

    // Only the outputs something reads are computed (Y, Y_h, Y_c).
    const names = node.output ?? [];
    opAttrs.outputs = names.map((n, i) => (n && ctx.readers.get(n) ? i : -1)).filter((i) => i >= 0 && i <= spec.states);
    if (!opAttrs.outputs.length) return [];
    const perms: Perm[] = opAttrs.outputs.map((i) => (layout ? null : i === 0 ? [2, 0, 1, 3] : [1, 0, 2]));
    const outs = ctx.op(node, kind, spec.keras, operands, opAttrs as unknown as Record<string, unknown>, perms);
    const byIndex: Val[] = [];
    opAttrs.outputs.forEach((i, k) => (byIndex[i] = outs[k]));
    return byIndex;
  };

export const RECURRENT_LOWERINGS: Record<string, Lowering> = { LSTM: recurrent('LSTM'), GRU: recurrent('GRU'), RNN: recurrent('RNN') };
