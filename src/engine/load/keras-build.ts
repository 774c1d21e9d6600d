/** Shared by the Keras loaders: architecture + HDF5 weights → a TF.js model with its input layout. */
import * as tfl from '@tensorflow/tfjs-layers';
import '../custom-layers/index'; // the custom layer classes the topology may name
import { UserError } from '../errors';
import type { Hdf5 } from './hdf5';
import { checkInputShape, fmt, resolveInput } from './input-layout';
import { parseArchitecture, tfjsTopology } from './keras-arch';
import { assignWeights, parameterCount, readWeightIndex } from './keras-weights';
import type { LoadedModel, ModelFormat } from './model';
import { type LoadOptions, checkMemory, validLength } from './options';
import { checkFeatureMapSizes, checkSizesAgainstWeights } from './size-checks';
import { tfjsMessage } from './tfjs-message';

export interface KerasSource {
  /** File named in messages (the one the user opened). */
  file: string;
  /** File holding the weights, when different (named in weight errors). */
  weightsFile?: string;
  architecture: unknown;
  h5: Hdf5;
  format: ModelFormat;
  name: string;
  kerasVersion?: string;
  backend?: string;
}

export async function buildKeras(src: KerasSource, options: LoadOptions = {}): Promise<LoadedModel> {
  const length = validLength(options);
  const arch = parseArchitecture(src.architecture, src.file, { kerasVersion: src.kerasVersion, backend: src.backend });
  const weightsFile = src.weightsFile ?? src.file;
  const index = readWeightIndex(src.h5, arch, weightsFile);
  const parameters = parameterCount(index);
  checkMemory(src.file, parameters, options);

  checkInputShape(src.file, arch.input, options.maxMemoryMB);
  const resolved = resolveInput(arch.input, length);
  checkInputShape(src.file, resolved.shape, options.maxMemoryMB);
  const open = resolved.shape.findIndex((d) => d === null);
  if (open >= 0) throw new UserError(`${src.file}: input ${fmt(arch.input)} has more than one unspecified dimension; cannot choose a shape to analyse`);
  let model: tfl.LayersModel;
  try {
    const topology = tfjsTopology(arch, resolved.shape);
    checkSizesAgainstWeights(topology, parameters, src.file);
    model = await tfl.models.modelFromJSON(topology as never);
  } catch (err) {
    if (err instanceof UserError) throw err.message.startsWith(src.file) ? err : new UserError(`${src.file}: ${err.message}`);
    throw new UserError(`${src.file}: TF.js cannot build this architecture: ${tfjsMessage(err)}`);
  }
  try {
    checkFeatureMapSizes(model, src.file, options.maxMemoryMB);
    await assignWeights(src.h5, index, arch, model, weightsFile);
  } catch (err) {
    model.dispose();
    if (err instanceof UserError) throw err;
    throw new UserError(`${weightsFile}: cannot set the weights: ${tfjsMessage(err)}`);
  }
  if (model.inputs.length > 1) {
    model.dispose();
    throw new UserError(`${src.file}: the model has ${model.inputs.length} inputs; models with more than one input are not supported yet`);
  }
  const notes = [...arch.notes, ...resolved.notes];
  return { model, name: src.name, path: src.file, format: src.format, input: resolved.layout, notes };
}
