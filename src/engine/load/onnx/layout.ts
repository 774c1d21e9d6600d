/**
 * Layout bookkeeping of the ONNX loader. PyTorch maps are channels-first (N, C, L); the engine
 * and TF.js layers want channels-last (N, L, C). Every tensor is held as
 * `held = transpose(native, perm)`: held axis i is native axis perm[i] (null: the native layout).
 * Held axis 0 is always the batch axis, so perm[0] is the native batch axis. Ops read their axes
 * through the perm, so the network runs channels-last without transposing back and forth.
 */
export type Perm = number[] | null;

export const identity = (rank: number) => Array.from({ length: rank }, (_, i) => i);
export const full = (p: Perm, rank: number) => p ?? identity(rank);
export const isIdentity = (p: Perm) => !p || p.every((v, i) => v === i);
export const tidy = (p: Perm): Perm => (p && !isIdentity(p) ? p : null);
export function invert(p: number[]): number[] {
  const out = new Array<number>(p.length);
  p.forEach((v, i) => (out[v] = i));
  return out;
}
/** Channels-last held order of a rank-r channels-first map: (N, spatial…, C). */
export const channelsLast = (rank: number): number[] => [0, ...identity(rank).slice(2), 1];
/** The held axis of native axis a. */
export const heldAxis = (p: Perm, a: number) => (p ? p.indexOf(a) : a);
/** Held order after native axes `removed` disappear (reductions without keepdims, Squeeze, scalar Gather). */
export function dropAxes(p: Perm, rank: number, removed: number[]): Perm {
  const kept = full(p, rank).filter((a) => !removed.includes(a));
  const renumber = (a: number) => a - removed.filter((r) => r < a).length;
  return tidy(kept.map(renumber));
}
/** Held order after a native Transpose(t): the held tensor is unchanged. */
export function afterTranspose(p: Perm, rank: number, t: number[]): Perm {
  const tinv = invert(t);
  return tidy(full(p, rank).map((a) => tinv[a]));
}
/** tf.transpose permutation that takes a tensor held in order `from` to order `to`. */
export function transposeBetween(from: Perm, to: Perm, rank: number): number[] {
  const f = full(from, rank);
  return full(to, rank).map((a) => f.indexOf(a));
}
/** Native shape from a held shape. */
export function nativeShape(held: number[], p: Perm): number[] {
  if (!p) return held.slice();
  const out = new Array<number>(held.length);
  p.forEach((a, i) => (out[a] = held[i]));
  return out;
}
/** Held shape from a native shape. */
export const heldShape = (native: number[], p: Perm): number[] => (p ? p.map((a) => native[a]) : native.slice());

/**
 * After flattening a held map (batch first): for each held flat position, the native flat index
 * it holds. A Dense layer that reads the flattened map permutes its kernel rows by it.
 */
export function flatOrder(held: number[], p: number[]): Int32Array {
  const nat = nativeShape(held, p).slice(1);
  const hs = held.slice(1);
  const natStrides = nat.map((_, i) => nat.slice(i + 1).reduce((a, b) => a * b, 1));
  const size = hs.reduce((a, b) => a * b, 1);
  const out = new Int32Array(size);
  const idx = new Array<number>(hs.length).fill(0);
  for (let s = 0; s < size; s++) {
    let n = 0;
    for (let i = 0; i < hs.length; i++) n += idx[i] * natStrides[p[i + 1] - 1];
    out[s] = n;
    for (let i = hs.length - 1; i >= 0; i--) {
      if (++idx[i] < hs[i]) break;
      idx[i] = 0;
    }
  }
  return out;
}
