/** TF.js Layers format: model.json plus binary weight shards, read from the file system. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { UserError } from '../errors';
import type { LoadedModel } from './model';

interface ModelJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

export function isTfjsLayersJson(json: unknown): json is ModelJson {
  return typeof json === 'object' && json !== null && 'modelTopology' in json;
}

function readShards(dir: string, json: ModelJson, file: string): { specs: tf.io.WeightsManifestEntry[]; data: ArrayBuffer } {
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest ?? []) {
    specs.push(...group.weights);
    for (const shard of group.paths) {
      const shardPath = path.resolve(dir, shard);
      if (!fs.existsSync(shardPath)) throw new UserError(`${file}: weight shard '${shard}' is missing`);
      buffers.push(fs.readFileSync(shardPath));
    }
  }
  const all = Buffer.concat(buffers);
  return { specs, data: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

export async function loadTfjsLayers(file: string, json: ModelJson): Promise<LoadedModel> {
  const { specs, data } = readShards(path.dirname(file), json, file);
  const expected = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'float32' || s.dtype === 'int32' ? 4 : 1), 0);
  if (!specs.some((s) => s.quantization) && data.byteLength < expected) {
    throw new UserError(`${file}: weight data is truncated (${data.byteLength} bytes, ${expected} expected)`);
  }
  try {
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: specs, weightData: data }),
    );
    return { model, name: path.basename(path.dirname(path.resolve(file))), path: file, format: 'tfjs-layers' };
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new UserError(`${file}: cannot load the TF.js model: ${message}`);
  }
}
