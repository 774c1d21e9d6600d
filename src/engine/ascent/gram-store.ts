/**
 * A place to keep Gram matrices W₁ᵀW₁ between runs (the costly first step of the hidden-space
 * ascent on a large model). The engine does no I/O of its own: front ends pass a store (the CLI
 * keeps files in a cache folder). Keys come from the weights' content, so a retrained model never
 * reuses a stale matrix.
 */
export interface GramStore {
  get(key: string): Float32Array | undefined;
  set(key: string, gram: Float32Array): void;
}

/** Shape plus two 32-bit hashes (FNV-1a and a multiplicative one) of the weights' bits. */
export function gramKey(w1: Float32Array, shape: [number, number]): string {
  const words = new Uint32Array(w1.buffer, w1.byteOffset, w1.length);
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    a = Math.imul(a ^ words[i], 0x01000193) >>> 0;
    b = (Math.imul(b, 31) + words[i]) >>> 0;
  }
  return `${shape[0]}x${shape[1]}-${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}
