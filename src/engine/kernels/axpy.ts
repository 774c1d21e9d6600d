/**
 * The axpy kernel (axpy.wat): y += a·x over float32 rows held in the kernel's own memory. WebAssembly
 * SIMD does four lanes at once, several times what the JavaScript loop managed on the flip updates
 * of the hidden-space ascent.
 */
import { WASM_BASE64 } from './axpy-wasm';

let module: WebAssembly.Module | undefined;

export interface AxpyKernel {
  /** Float32 view of the kernel's memory; offsets below are in floats. */
  f32: Float32Array;
  /** f32[y..y+n) += a · f32[x..x+n); n a multiple of 4. */
  axpy(y: number, x: number, a: number, n: number): void;
}

/** A kernel instance with room for `floats` float32 values (16-byte aligned offsets are the caller's). */
export function axpyKernel(floats: number): AxpyKernel {
  module ??= new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  const instance = new WebAssembly.Instance(module, {});
  const memory = instance.exports.memory as WebAssembly.Memory;
  const needed = Math.ceil((floats * 4) / 65536);
  if (needed > memory.buffer.byteLength / 65536) memory.grow(needed - memory.buffer.byteLength / 65536);
  const axpy = instance.exports.axpy as (y: number, x: number, a: number, n: number) => void;
  return {
    f32: new Float32Array(memory.buffer),
    axpy: (y, x, a, n) => axpy(y * 4, x * 4, a, n),
  };
}
