/**
 * ONNX recurrent ops (LSTM, GRU, RNN), unrolled over time with tfjs-core ops (matMul, sigmoid,
 * tanh, split, stack) so that tf.grad flows through them: TF.js has no fused recurrent kernel
 * with a gradient for ONNX's gate orders, and DeepResolve differentiates through the loop.
 *
 * Operands are held batch-first, whatever the node's `layout` (the lowering moves them):
 *   x [batch, seq, input]; w [dirs, gates·H, input]; r [dirs, gates·H, H]; b [dirs, 2·gates·H];
 *   h0 (and c0 for LSTM) [batch or 1, dirs, H]; p (LSTM peepholes) [dirs, 3·H].
 * Weights keep ONNX's gate order: LSTM i, o, f, c; GRU z, r, h; RNN one gate.
 * Outputs, held batch-first: Y [batch, seq, dirs, H], Y_h and Y_c [batch, dirs, H]; attrs.outputs
 * lists which of them (0 Y, 1 Y_h, 2 Y_c) the op returns, in that order.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { OpAttrs, OpFn } from './types';

type Act = (x: tf.Tensor) => tf.Tensor;

/** The activations the ONNX recurrent ops may name that are implemented (lower case). */
export const RECURRENT_ACTIVATIONS: Record<string, Act> = {
  sigmoid: (x) => tf.sigmoid(x),
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
};

export interface RecurrentAttrs {
  /** 'forward' and/or 'reverse', one per direction, in ONNX's order (forward first). */
  directions: ('forward' | 'reverse')[];
  /** Per direction, the activation names (LSTM f, g, h; GRU f, g; RNN f), lower case. */
  activations: string[][];
  /** Bound of every activation's input (ONNX `clip`), or null. */
  clip: number | null;
  /** LSTM input_forget: the forget gate is 1 − the input gate. */
  inputForget?: boolean;
  /** GRU linear_before_reset: the reset gate multiplies R_h·H + Rb_h rather than H. */
  linearBeforeReset?: boolean;
  outputs: number[];
}

const attrsOf = (a: OpAttrs) => a as unknown as RecurrentAttrs;

/** Row `d` of a [dirs, …] tensor. */
const row = (t: tf.Tensor, d: number) => tf.squeeze(tf.slice(t, [d], [1]), [0]);

interface Cell {
  /** State after one step from the input projection xw_t (x_t·Wᵀ + Wb) and the previous state. */
  step(xw: tf.Tensor2D, state: tf.Tensor2D[]): tf.Tensor2D[];
}

function clipper(clip: number | null): (x: tf.Tensor) => tf.Tensor {
  return clip === null ? (x) => x : (x) => tf.clipByValue(x, -clip, clip);
}

/** One direction of an LSTM (ONNX equations, gate order i o f c). */
function lstmCell(r: tf.Tensor2D, rb: tf.Tensor, p: tf.Tensor, acts: Act[], clip: (x: tf.Tensor) => tf.Tensor, inputForget: boolean): Cell {
  const [f, g, h] = acts;
  const [pi, po, pf] = tf.split(p, 3, 0);
  return {
    step(xw, [hPrev, cPrev]) {
      const z = tf.add(tf.add(xw, tf.matMul(hPrev, r, false, true)), rb);
      const [zi, zo, zf, zc] = tf.split(z, 4, 1);
      const i = f(clip(tf.add(zi, tf.mul(pi, cPrev))));
      const fg = inputForget ? tf.sub(1, i) : f(clip(tf.add(zf, tf.mul(pf, cPrev))));
      const c = tf.add(tf.mul(fg, cPrev), tf.mul(i, g(clip(zc))));
      const o = f(clip(tf.add(zo, tf.mul(po, c))));
      return [tf.mul(o, h(c)) as tf.Tensor2D, c as tf.Tensor2D];
    },
  };
}

/** One direction of a GRU (ONNX equations, gate order z r h). */
function gruCell(r: tf.Tensor2D, rb: tf.Tensor, acts: Act[], clip: (x: tf.Tensor) => tf.Tensor, linearBeforeReset: boolean): Cell {
  const [f, g] = acts;
  const hidden = r.shape[1] as number;
  const [rzr, rh] = tf.split(r, [2 * hidden, hidden], 0) as tf.Tensor2D[];
  const [rbzr, rbh] = tf.split(rb, [2 * hidden, hidden], 0);
  return {
    step(xw, [hPrev]) {
      const [xzr, xh] = tf.split(xw, [2 * hidden, hidden], 1);
      const [zz, zr] = tf.split(tf.add(tf.add(xzr, tf.matMul(hPrev, rzr, false, true)), rbzr), 2, 1);
      const z = f(clip(zz));
      const rg = f(clip(zr));
      const recur = linearBeforeReset
        ? tf.mul(rg, tf.add(tf.matMul(hPrev, rh, false, true), rbh))
        : tf.add(tf.matMul(tf.mul(rg, hPrev) as tf.Tensor2D, rh, false, true), rbh);
      const cand = g(clip(tf.add(xh, recur)));
      // Ht = (1 − zt) ⊙ ht + zt ⊙ Ht−1
      return [tf.add(tf.mul(tf.sub(1, z), cand), tf.mul(z, hPrev)) as tf.Tensor2D];
    },
  };
}

/** One direction of a plain RNN. */
function rnnCell(r: tf.Tensor2D, rb: tf.Tensor, acts: Act[], clip: (x: tf.Tensor) => tf.Tensor): Cell {
  return { step: (xw, [hPrev]) => [acts[0](clip(tf.add(tf.add(xw, tf.matMul(hPrev, r, false, true)), rb))) as tf.Tensor2D] };
}

type Kind = 'LSTM' | 'GRU' | 'RNN';
const GATES: Record<Kind, number> = { LSTM: 4, GRU: 3, RNN: 1 };

function recurrent(kind: Kind): OpFn {
  return (operands, attrs) => {
    const a = attrsOf(attrs);
    const [x, w, r, b, h0, c0, p] = operands;
    const [batch, seq] = x.shape as [number, number];
    const hidden = r.shape[2] as number;
    const gh = GATES[kind] * hidden;
    const clip = clipper(a.clip);
    const ys: tf.Tensor[] = [];
    const hs: tf.Tensor[] = [];
    const cs: tf.Tensor[] = [];
    a.directions.forEach((dir, d) => {
      const acts = a.activations[d].map((n) => RECURRENT_ACTIVATIONS[n]);
      const bd = row(b, d);
      const [wb, rb] = tf.split(bd, 2, 0);
      // The input projection of every step at once: [batch·seq, input] · Wᵀ.
      const flat = tf.reshape(x, [batch * seq, x.shape[2] as number]) as tf.Tensor2D;
      const xw = tf.add(tf.reshape(tf.matMul(flat, row(w, d) as tf.Tensor2D, false, true), [batch, seq, gh]), wb);
      const steps = tf.unstack(xw, 1) as tf.Tensor2D[];
      const rd = row(r, d) as tf.Tensor2D;
      const cell =
        kind === 'LSTM' ? lstmCell(rd, rb, row(p, d), acts, clip, !!a.inputForget) : kind === 'GRU' ? gruCell(rd, rb, acts, clip, !!a.linearBeforeReset) : rnnCell(rd, rb, acts, clip);
      // Initial states [batch or 1, dirs, H] → [batch, H].
      const init = (s: tf.Tensor) => tf.broadcastTo(tf.squeeze(tf.slice(s, [0, d, 0], [s.shape[0], 1, hidden]), [1]), [batch, hidden]) as tf.Tensor2D;
      let state = kind === 'LSTM' ? [init(h0), init(c0)] : [init(h0)];
      const out = new Array<tf.Tensor>(seq);
      for (let k = 0; k < seq; k++) {
        const t = dir === 'reverse' ? seq - 1 - k : k;
        state = cell.step(steps[t], state);
        out[t] = state[0];
      }
      ys.push(tf.stack(out, 1));
      hs.push(state[0]);
      if (kind === 'LSTM') cs.push(state[1]);
    });
    const all = [() => tf.stack(ys, 2), () => tf.stack(hs, 1), () => tf.stack(cs, 1)];
    return a.outputs.map((i) => all[i]());
  };
}

export const RECURRENT_OPS: Record<string, OpFn> = {
  LSTM: recurrent('LSTM'),
  GRU: recurrent('GRU'),
  RNN: recurrent('RNN'),
};
