/**
 * The hidden-space ascent's inner loops in WebAssembly SIMD (hidden-step.wat): evaluating a step
 * (pre-activations, score, the terms of ‖H‖², which units flipped), the G·v updates of flipped
 * units, and the update of y and G·y. Several times faster than the same loops in JavaScript.
 */
import { WASM_BASE64 } from './hidden-step-wasm';

let module: WebAssembly.Module | undefined;

/** Offsets (in 4-byte words) of the arrays in the kernel's memory; rows are `stride` long. */
export interface HiddenStepLayout {
  stride: number;
  gram: number;
  gv: number;
  p0: number;
  b1: number;
  w2c: number;
  y: number;
  gy: number;
  v: number;
  flips: number;
  out: number;
}

export interface HiddenStepKernel {
  layout: HiddenStepLayout;
  f32: Float32Array;
  i32: Int32Array;
  f64: Float64Array;
  /** Returns the number of flipped units (their indices are at layout.flips); sums go to out. */
  evaluate(a: number): number;
  /** gv += delta · G[j, :] */
  flip(j: number, delta: number): void;
  update(c: number, eta: number): void;
}

export function hiddenStepKernel(hidden: number): HiddenStepKernel {
  const stride = Math.ceil(hidden / 4) * 4;
  const gram = 0;
  const at = (k: number) => hidden * stride + k * stride;
  const layout: HiddenStepLayout = { stride, gram, gv: at(0), p0: at(1), b1: at(2), w2c: at(3), y: at(4), gy: at(5), v: at(6), flips: at(7), out: at(8) };
  const words = layout.out + 8;
  module ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const pages = Math.ceil((words * 4) / 65536);
  if (pages > memory.buffer.byteLength / 65536) memory.grow(pages - memory.buffer.byteLength / 65536);
  const e = instance.exports as Record<string, (...args: number[]) => number>;
  const b = (words: number) => words * 4;
  const L = layout;
  return {
    layout,
    f32: new Float32Array(memory.buffer),
    i32: new Int32Array(memory.buffer),
    f64: new Float64Array(memory.buffer),
    evaluate: (a) => e.evaluate(b(L.p0), b(L.b1), b(L.w2c), b(L.y), b(L.gy), b(L.v), b(L.flips), b(L.out), stride, a),
    flip: (j, delta) => void e.axpy(b(L.gv), b(L.gram + j * stride), delta, stride),
    update: (c, eta) => void e.update(b(L.y), b(L.gy), b(L.v), b(L.gv), stride, c, eta),
  };
}
