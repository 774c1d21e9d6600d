/** loadModel(path): detects the format from the content and calls its loader. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import type { LoadedModel } from './model';
import { isTfjsLayersJson, loadTfjsLayers } from './tfjs-layers';

export type { LoadedModel } from './model';

export async function loadModel(target: string): Promise<LoadedModel> {
  if (!fs.existsSync(target)) throw new UserError(`${target}: no such file`);
  let file = target;
  if (fs.statSync(target).isDirectory()) {
    file = path.join(target, 'model.json');
    if (!fs.existsSync(file)) throw new UserError(`${target}: folder holds no model.json`);
  }
  const bytes = fs.readFileSync(file);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UserError(`${file}: not a model file this version can read (expected a TF.js model.json)`);
  }
  if (isTfjsLayersJson(json)) return loadTfjsLayers(file, json);
  throw new UserError(`${file}: JSON file is not a TF.js Layers model (no modelTopology)`);
}
