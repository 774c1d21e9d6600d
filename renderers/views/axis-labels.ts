/**
 * Label thinning of the matrix axes: one rule for the interactive views and the static SVG
 * fallbacks. Labels are one text line each (row labels horizontal, column labels vertical), so two
 * neighbours do not overlap when their cells lie at least one line apart; below that only every
 * `stride`-th label is drawn, at the multiples of the stride (so panning a zoomed view keeps the
 * same rows labelled instead of shifting them). The rule runs as a Vega expression over the axis's
 * visible domain, so zooming in draws more labels; the expression holds only numbers and param
 * names, never a label.
 */

/** Pixels between two label baselines: the font's size and a little air. */
export function labelPitch(fontSize: number): number {
  return Math.ceil(fontSize * 1.2) + 1;
}

/** Every how many cells a label is drawn when `span` cells fill `extent` pixels. */
export function labelStride(span: number, extent: number, pitch: number): number {
  if (!(span > 0) || !(extent > 0)) return 1;
  return Math.max(1, Math.ceil((pitch * span) / extent));
}

/** The cell indices labelled over the visible domain [lo, hi) of a `n`-cell axis (what the expression computes). */
export function labelledCells(n: number, lo: number, hi: number, extent: number, pitch: number): number[] {
  const a = Math.max(0, Math.min(lo, hi));
  const b = Math.min(n, Math.max(lo, hi));
  const s = labelStride(b - a, extent, pitch);
  const out: number[] = [];
  // A cell is labelled when its centre is visible.
  for (let i = Math.ceil((a - 0.5) / s) * s; i + 0.5 <= b; i += s) if (i >= 0) out.push(i);
  return out;
}

/**
 * Vega expression of the tick values (cell centres i + 0.5) of labelledCells, where `domain` is an
 * expression of the visible [lo, hi] (possibly reversed) and `extent` the axis length in pixels.
 */
export function labelTicksExpr(n: number, domain: string, extent: number, pitch: number): string {
  const lo = `max(0, min(${domain}[0], ${domain}[1]))`;
  const hi = `min(${n}, max(${domain}[0], ${domain}[1]))`;
  const stride = `max(1, ceil(${pitch} * (${hi} - ${lo}) / ${extent}))`;
  // sequence(start, stop, step) stops before `stop`: centres up to hi are included.
  return `sequence(max(0, ceil((${lo} - 0.5) / ${stride}) * ${stride}) + 0.5, ${hi} + 0.001, ${stride})`;
}
