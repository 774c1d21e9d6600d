/**
 * Seeded pseudo-random numbers. Starts of the ascent are drawn here, not by the tfjs backend,
 * so that each (class, restart) pair gets the same start whatever the backend, batch size or order.
 */

/** 32-bit hash of a list of integers (for deriving per-pair seeds). */
export function hashSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let x = Math.floor(p) >>> 0;
    for (let i = 0; i < 4; i++) {
      h ^= x & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      x >>>= 8;
    }
  }
  return h >>> 0;
}

/** mulberry32: small, fast, good enough for optimisation starts. Returns floats in [0, 1). */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `out` with standard normal draws (Box–Muller). */
export function fillNormal(out: Float32Array, seed: number): Float32Array {
  const u = uniform(seed);
  for (let i = 0; i < out.length; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    const theta = 2 * Math.PI * u();
    out[i] = r * Math.cos(theta);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** One standard normal draw from a uniform stream (Box–Muller, one of the pair). */
export function normal(u: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** A chi-square draw with `df` degrees of freedom: 2·Gamma(df/2) by Marsaglia–Tsang (exact). */
export function chiSquare(df: number, u: () => number): number {
  if (df <= 0) return 0;
  let shape = df / 2;
  // Gamma(a) = Gamma(a + 1) · U^(1/a) for a < 1.
  const boost = shape < 1 ? Math.pow(u(), 1 / shape) : 1;
  if (shape < 1) shape += 1;
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normal(u);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    if (Math.log(u()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return 2 * d * v * boost;
  }
}
