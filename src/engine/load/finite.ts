/** Weights that are NaN or infinite: a corrupt file (or a training that diverged); every analysis of them would be NaN. */
import { UserError } from '../errors';

export function checkFinite(values: Float32Array, file: string, layer: string, weight: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new UserError(`${file}: layer '${layer}' weight '${weight}' holds ${Number.isNaN(values[i]) ? 'NaN' : 'infinite'} values (corrupt file, or a training that diverged)`);
    }
  }
}
