/**
 * Sizes a corrupt architecture can claim, checked before they cost memory. Building a model
 * allocates every weight the architecture describes (as zeros, before the file's are set), so a
 * Dense layer whose `units` turned into 20,000,000 would take gigabytes only to fail the weight
 * check afterwards: a size larger than all the weights the file holds cannot match them. And a
 * layer without weights can still make a huge feature map (UpSampling by a million): every
 * layer's output for one sequence must fit in the memory limit.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from '../errors';
import { DEFAULT_MAX_MEMORY_MB } from './options';

/** Configuration keys whose value bounds a weight's size from below (each weight ≥ the value). */
const WEIGHT_SIZES = ['units', 'filters', 'kernel_size', 'key_dim', 'value_dim', 'num_heads', 'depth_multiplier', 'output_dim', 'input_dim'];

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Refuses a topology with a layer size larger than the file's whole parameter count, before building it. */
export function checkSizesAgainstWeights(topology: unknown, parameters: number, file: string): void {
  if (parameters === 0) return; // nothing to compare with
  const visit = (v: unknown, layer: string) => {
    if (Array.isArray(v)) v.forEach((x) => visit(x, layer));
    else if (isObj(v)) {
      const name = isObj(v.config) && typeof v.config.name === 'string' ? v.config.name : layer;
      for (const [k, x] of Object.entries(v)) {
        if (WEIGHT_SIZES.includes(k)) {
          const values = Array.isArray(x) ? x : [x];
          const big = values.find((n) => typeof n === 'number' && n > parameters);
          if (big !== undefined) {
            throw new UserError(
              `${file}: weights do not match the architecture: layer '${name}' has ${k} ${big.toLocaleString('en-US')}, more than all ${parameters.toLocaleString('en-US')} weights the file holds (corrupt file?)`,
            );
          }
        }
        visit(x, name);
      }
    }
  };
  visit(topology, 'model');
}

/** Refuses a built model one of whose layers outputs more than the memory limit for a single sequence. */
export function checkFeatureMapSizes(model: LayersModel, file: string, maxMemoryMB = DEFAULT_MAX_MEMORY_MB): void {
  for (const layer of model.layers) {
    const shapes = (Array.isArray(layer.outputShape[0]) || layer.outputShape.length === 0 ? layer.outputShape : [layer.outputShape]) as (number | null)[][];
    for (const shape of shapes) {
      const mb = (shape.slice(1).reduce<number>((a, d) => a * (d ?? 1), 1) * 4) / (1024 * 1024);
      if (mb > maxMemoryMB) {
        throw new UserError(`${file}: layer '${layer.name}' outputs (${shape.slice(1).join(', ')}) values for one sequence, ${mb.toFixed(0)} MB, more than the limit of ${maxMemoryMB} MB (maxMemoryMB)`);
      }
    }
  }
}
