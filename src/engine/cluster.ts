/**
 * Average-linkage agglomerative clustering on a distance matrix, returning the dendrogram's leaf
 * order (used to order heatmap rows and columns so that similar items sit together).
 */

export function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // A constant vector has no defined correlation; treat it as uncorrelated.
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Pearson correlation between every pair of vectors. */
export function correlationMatrix(vectors: ArrayLike<number>[]): number[][] {
  const n = vectors.length;
  const m = Array.from({ length: n }, () => new Array<number>(n).fill(1));
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) m[i][j] = m[j][i] = correlation(vectors[i], vectors[j]);
  }
  return m;
}

interface Cluster {
  leaves: number[];
}

/** Leaf order of average-linkage clustering; ties broken by the lower index, so it is deterministic. */
export function clusterOrder(distance: number[][]): number[] {
  const n = distance.length;
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const d = distance.map((row) => Float64Array.from(row));
  const clusters: (Cluster | null)[] = Array.from({ length: n }, (_, i) => ({ leaves: [i] }));
  for (let merges = 0; merges < n - 1; merges++) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!clusters[i]) continue;
      const row = d[i];
      for (let j = i + 1; j < n; j++) {
        if (clusters[j] && row[j] < best) {
          best = row[j];
          bi = i;
          bj = j;
        }
      }
    }
    const a = clusters[bi]!;
    const b = clusters[bj]!;
    const na = a.leaves.length;
    const nb = b.leaves.length;
    // Average linkage update (Lance–Williams).
    for (let k = 0; k < n; k++) {
      if (!clusters[k] || k === bi || k === bj) continue;
      const v = (na * d[bi][k] + nb * d[bj][k]) / (na + nb);
      d[bi][k] = d[k][bi] = v;
    }
    clusters[bi] = { leaves: [...a.leaves, ...b.leaves] };
    clusters[bj] = null;
  }
  return clusters.find((c) => c)!.leaves;
}

/** Orders vectors so that correlated ones are adjacent (distance 1 − Pearson r). */
export function correlationOrder(vectors: ArrayLike<number>[], matrix = correlationMatrix(vectors)): number[] {
  return clusterOrder(matrix.map((row) => row.map((r) => 1 - r)));
}
