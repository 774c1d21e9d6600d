/** Seeded random numbers for the simulator and training, so that every run is reproducible. */

// The engine's mulberry32 generator: floats in [0, 1) from a 32-bit seed.
export { uniform as seededRandom } from '../../src/engine/rng';

/** Index drawn from unnormalised probabilities. */
export function pick(random: () => number, probabilities: readonly number[]): number {
  const total = probabilities.reduce((a, b) => a + b, 0);
  let u = random() * total;
  for (let i = 0; i < probabilities.length; i++) {
    u -= probabilities[i];
    if (u < 0) return i;
  }
  return probabilities.length - 1;
}

/** Fisher–Yates permutation of 0..n-1. */
export function permutation(random: () => number, n: number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
