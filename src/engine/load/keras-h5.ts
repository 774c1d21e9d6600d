/** Keras HDF5 full model (model.save('x.h5'), Keras 1.x, 2.x, or 3.x legacy): model_config attribute + model_weights. */
import * as path from 'node:path';
import { UserError } from '../errors';
import type { Hdf5 } from './hdf5';
import { buildKeras } from './keras-build';
import type { LoadedModel } from './model';
import type { LoadOptions } from './options';

export function hasModelConfig(h5: Hdf5): boolean {
  return h5.stringAttr(h5.root, 'model_config') !== undefined;
}

export async function loadKerasH5(file: string, h5: Hdf5, options: LoadOptions): Promise<LoadedModel> {
  const text = h5.stringAttr(h5.root, 'model_config') as string;
  let architecture: unknown;
  try {
    architecture = JSON.parse(text);
  } catch {
    throw new UserError(`${file}: the model_config attribute is not valid JSON (corrupt file?)`);
  }
  return buildKeras(
    {
      file,
      architecture,
      h5,
      format: 'keras-h5',
      name: path.basename(file),
      kerasVersion: h5.stringAttr(h5.root, 'keras_version'),
      backend: h5.stringAttr(h5.root, 'backend'),
    },
    options,
  );
}
