/** Weights that are NaN or infinite: a corrupt file (or a training that diverged); every analysis of them would be NaN. */
import { UserError } from '../errors';

export function checkFinite(values: Float32Array, file: string, layer: string, weight: string): void {
  // x − x is 0 for a finite x and NaN for NaN or ±Infinity: four such sums (independent chains the
  // CPU overlaps) say whether all are finite faster than a test per value; the loop below finds which.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const n = values.length - (values.length % 4);
  for (let i = 0; i < n; i += 4) {
    a += values[i] - values[i];
    b += values[i + 1] - values[i + 1];
    c += values[i + 2] - values[i + 2];
    d += values[i + 3] - values[i + 3];
  }
  for (let i = n; i < values.length; i++) a += values[i] - values[i];
  if (a + b + c + d === 0) return;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new UserError(`${file}: layer '${layer}' weight '${weight}' holds ${Number.isNaN(values[i]) ? 'NaN' : 'infinite'} values (corrupt file, or a training that diverged)`);
    }
  }
}
