/**
 * How much of a batched ascent is done and how long the rest takes, from what the run measured so
 * far: its time per step and the lengths of the pairs that stopped. Pure (the caller passes the
 * clock), so that tests feed it synthetic runs.
 *
 * Why not "mean length of the pairs finished": in a chunk that starts together, the first pairs to
 * stop are the short ones (early-stopped by the patience rule), so that mean is too short, and the
 * 919-class DeepSEA run's estimate was half the real time. Here a pair's length is estimated with
 * the Kaplan-Meier product-limit estimator, which counts the pairs still running as "longer than
 * their steps so far" (censored) rather than ignoring them:
 *   S(u) = Π over finishing lengths e ≤ u of (1 − d_e / n_e),
 * d_e pairs stopping at e of the n_e that ran at least e steps (stopped at ≥ e, or running at ≥ e).
 * Past the longest length seen to end, the pairs still running are assumed to run about as long
 * again as they have (at most maxIter): nothing measured says more.
 *
 * The time left is then the rest of the run played out under that curve: the running pairs take
 * their mean residual length, the pending ones lengths at evenly spread quantiles of it, each
 * taking the first free slot of the chunk, as the batching loop does; its steps at the measured
 * seconds per step. So the end of a run, when long pairs step in an emptying chunk, is counted too.
 */

export interface EtaEstimate {
  /** Share of the estimated work done, in [0, 1]. */
  fraction: number;
  /** Seconds left; null until a pair has stopped (no length is known before). */
  etaSeconds: number | null;
}

export class AscentEta {
  private readonly lengths: number[] = [];
  private stepsFinished = 0;
  private steps = 0;

  constructor(
    private readonly total: number,
    private readonly maxIter: number,
    private readonly chunkSize: number,
  ) {}

  /** A pair stopped after `iterations` steps. */
  finished(iterations: number): void {
    this.lengths.push(iterations);
    this.stepsFinished += iterations;
  }

  /** One step of the batch was taken (whatever its size). */
  stepped(): void {
    this.steps++;
  }

  /** The estimate at `elapsed` seconds since the ascent started, with the running pairs at `running` steps each. */
  estimate(elapsed: number, running: number[]): EtaEstimate {
    const done = this.lengths.length;
    const stepsDone = this.stepsFinished + running.reduce((a, t) => a + t, 0);
    if (done >= this.total) return { fraction: 1, etaSeconds: 0 };
    if (done === 0 || this.steps === 0 || elapsed <= 0) {
      // Nothing has stopped: only a share by steps against maxIter, and no time.
      return { fraction: Math.min(0.99, stepsDone / (this.total * this.maxIter)), etaSeconds: null };
    }
    const curve = survival(this.lengths, running, this.maxIter);
    const pending = Math.max(0, this.total - done - running.length);
    // Each running pair at a spread quantile of its own residual length (so that some run long, as some will).
    const qs = spread(running.length);
    const residual = running.map((t, i) => curve.residualQuantile(t, qs[i]));
    const { steps, pairSteps } = playOut(residual, spread(pending).map((q) => curve.quantile(q)), Math.max(this.chunkSize, running.length));
    return { fraction: stepsDone / (stepsDone + pairSteps), etaSeconds: (steps * elapsed) / this.steps };
  }
}

/** `n` quantile levels evenly spread over (0, 1), high and low ones interleaved (golden-ratio order), as pairs come. */
function spread(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (Math.floor(((i * 0.6180339887498949) % 1) * n) + 0.5) / n);
}

/**
 * Steps until the last pair stops when slots of a chunk hold pairs with `residual` steps to go and
 * `pending` pairs (their lengths) take each slot that frees, in order; and the pair-steps in all.
 */
function playOut(residual: number[], pending: number[], slots: number): { steps: number; pairSteps: number } {
  // A binary min-heap of the steps at which each slot frees.
  const heap: number[] = [];
  const push = (v: number) => {
    heap.push(v);
    for (let i = heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (heap[p] <= heap[i]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l] < heap[m]) m = l;
        if (r < heap.length && heap[r] < heap[m]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  let pairSteps = 0;
  for (const r of residual) {
    push(r);
    pairSteps += r;
  }
  for (let i = residual.length; i < slots; i++) push(0);
  let end = Math.max(0, ...residual);
  for (const length of pending) {
    const at = pop() + length;
    push(at);
    pairSteps += length;
    end = Math.max(end, at);
  }
  return { steps: end, pairSteps };
}

/**
 * The Kaplan-Meier survival curve of pair lengths, from the lengths of pairs that stopped and the
 * steps of pairs still running (censored), and mean residual lengths under it.
 */
export function survival(lengths: number[], running: number[], maxIter: number) {
  const ends = [...lengths].sort((a, b) => a - b);
  const alive = [...running].sort((a, b) => a - b);
  // Event times e_i with S just after each: S(u) = s[i] for e_i ≤ u < e_{i+1}, 1 before e_0.
  const times: number[] = [];
  const s: number[] = [];
  let level = 1;
  let j = 0; // ends[0..j) are below the current time
  let k = 0; // alive[0..k) are below it
  while (j < ends.length) {
    const e = ends[j];
    let d = 0;
    while (j + d < ends.length && ends[j + d] === e) d++;
    while (k < alive.length && alive[k] < e) k++;
    const atRisk = ends.length - j + (alive.length - k);
    level *= 1 - d / atRisk;
    times.push(e);
    s.push(level);
    j += d;
  }
  const last = times[times.length - 1];
  const longestRunning = alive.length ? alive[alive.length - 1] : 0;
  // Survivors past the last end: as long again as the longest has run, at most maxIter.
  const tailEnd = Math.max(last, Math.min(maxIter, 2 * Math.max(longestRunning, last)));
  /** Index of the first end after u (the number of ends at or below it). */
  const after = (u: number) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const at = (u: number) => {
    const i = after(u);
    return i === 0 ? 1 : s[i - 1];
  };
  // area[i] = ∫ S from times[i] to tailEnd.
  const area = new Float64Array(times.length + 1);
  for (let i = times.length - 1; i >= 0; i--) area[i] = area[i + 1] + s[i] * ((i + 1 < times.length ? times[i + 1] : tailEnd) - times[i]);
  return {
    /** S(u): the share of pairs longer than u steps. */
    at,
    /** The length below which a share q of pairs stop: the first end with S ≤ 1 − q (the tail's end past the last). */
    quantile(q: number): number {
      for (let i = 0; i < times.length; i++) if (s[i] <= 1 - q + 1e-12) return times[i];
      return tailEnd;
    },
    /** The same for a pair that has run t steps (under S(u)/S(t), u > t): the steps it still takes. */
    residualQuantile(t: number, q: number): number {
      const st = at(t);
      if (t >= tailEnd || st <= 0) return Math.max(1, Math.min(maxIter - t, t));
      for (let i = after(t); i < times.length; i++) if (s[i] / st <= 1 - q + 1e-12) return times[i] - t;
      return Math.max(1, tailEnd - t);
    },
    /** E[L − t | L > t]: steps a pair that has run t steps still takes. */
    residual(t: number): number {
      const lastResort = Math.max(0, Math.min(maxIter - t, t));
      if (t >= tailEnd) return lastResort;
      const i = after(t);
      const st = at(t);
      const integral = st * ((i < times.length ? times[i] : tailEnd) - t) + area[i];
      return st > 0 ? integral / st : lastResort;
    },
  };
}
