/**
 * Which files are models, and which file a folder opens: shared by the loader and by the batch
 * (src/batch), which finds models in folders without loading TensorFlow.js (it runs in the
 * extension host too), so this file imports nothing of the loaders.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';

/** Names of model files that open by themselves (a folder's model.json aside). */
export const MODEL_FILE = /\.(onnx|keras|h5|hdf5)$/i;

/** A folder opens its model.json, or its only model file. */
export function pickInFolder(dir: string): string {
  const json = path.join(dir, 'model.json');
  if (fs.existsSync(json)) return json;
  const models = fs.readdirSync(dir).filter((f) => MODEL_FILE.test(f));
  if (models.length === 1) return path.join(dir, models[0]);
  throw new UserError(`${dir}: folder holds no model.json${models.length ? ` and several model files (${models.join(', ')}); open one of them` : ''}`);
}
