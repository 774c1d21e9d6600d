/**
 * loadModel(path): detects the format from the content (not only the extension) and calls its
 * loader. Formats: TF.js Layers model.json + shards; Keras HDF5 full model (Keras 1.x–3.x);
 * Keras weights-only .h5 + architecture .json/.yaml side by side; Keras 3 .keras archive.
 */
import * as fs from 'node:fs';
import { UserError } from '../errors';
// Registers the custom layer classes the loaders build (Keras layers TF.js lacks, ONNX ops).
import '../custom-layers/index';
import { isKerasArchitecture, isYamlName, parseArchitectureText } from './architecture-file';
import { Hdf5, isHdf5 } from './hdf5';
import { hasModelConfig, loadKerasH5 } from './keras-h5';
import { findArchitecture, findWeights, loadKerasPair } from './keras-pair';
import { isZip, loadKerasV3 } from './keras-v3';
import { hasKerasWeights } from './keras-weights';
import type { LoadedModel } from './model';
import type { LoadOptions } from './options';
import { isOnnxName, loadOnnx } from './onnx';
import { pickInFolder } from './model-files';
import { isTfjsLayersJson, loadTfjsLayers } from './tfjs-layers';

export type { InputLayout, LoadedModel, ModelFormat } from './model';
export type { LoadOptions } from './options';
export { DEFAULT_LENGTH, DEFAULT_MAX_MEMORY_MB } from './options';
export { MODEL_FILE, pickInFolder } from './model-files';

const EXPECTED = 'expected an ONNX .onnx file, a TF.js model.json, a Keras .h5/.hdf5 or .keras file, or a Keras architecture .json/.yaml next to its weights';

export async function loadModel(target: string, options: LoadOptions = {}): Promise<LoadedModel> {
  if (!fs.existsSync(target)) throw new UserError(`${target}: no such file`);
  const file = fs.statSync(target).isDirectory() ? pickInFolder(target) : target;
  const bytes = fs.readFileSync(file);
  if (bytes.length === 0) throw new UserError(`${file}: empty file`);

  if (isHdf5(bytes.subarray(0, 4096))) return loadHdf5(file, options);
  if (isOnnxName(file)) return loadOnnx(file, bytes, options);
  if (isZip(bytes)) return loadKerasV3(file, bytes, options);
  if (/\.(h5|hdf5|keras)$/i.test(file)) throw new UserError(`${file}: not an HDF5 or zip file despite its extension (corrupt or truncated?)`);

  const text = bytes.toString('utf8');
  const looksText = !text.slice(0, 1024).includes('\u0000');
  if (!looksText) throw new UserError(`${file}: not a model file (${EXPECTED})`);
  if (!isYamlName(file) && !/^\s*[{[]/.test(text)) throw new UserError(`${file}: not a model file (${EXPECTED})`);
  const json = parseArchitectureText(file, text);
  if (isTfjsLayersJson(json)) return loadTfjsLayers(file, json, options);
  if (isKerasArchitecture(json)) return loadKerasPair(file, json, findWeights(file), file, options);
  throw new UserError(`${file}: ${isYamlName(file) ? 'YAML' : 'JSON'} file is neither a TF.js model (no modelTopology) nor a Keras architecture (no class_name)`);
}

async function loadHdf5(file: string, options: LoadOptions): Promise<LoadedModel> {
  const h5 = await Hdf5.open(file, options);
  let weightsOnly = false;
  try {
    if (hasModelConfig(h5)) return await loadKerasH5(file, h5, options);
    weightsOnly = hasKerasWeights(h5);
  } finally {
    h5.close();
  }
  if (!weightsOnly) throw new UserError(`${file}: HDF5 file holds no Keras model (no model_config attribute and no layer weights)`);
  const { file: archFile, architecture } = findArchitecture(file);
  return loadKerasPair(archFile, architecture, file, file, options);
}
