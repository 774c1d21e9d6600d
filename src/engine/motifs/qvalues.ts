/** Benjamini–Hochberg q-values: q_(i) = min over j ≥ i of p_(j) · n / j, capped at 1. */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const q = new Float64Array(n);
  let running = 1;
  for (let rank = n; rank >= 1; rank--) {
    const i = order[rank - 1];
    running = Math.min(running, (p[i] * n) / rank);
    q[i] = running;
  }
  return q;
}
