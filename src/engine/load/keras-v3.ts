/**
 * Keras 3 `.keras` archive: a zip holding config.json, metadata.json and model.weights.h5.
 * h5wasm's Node build reads the host file system, so the weights are written to a private
 * temporary file, opened, and removed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { UserError } from '../errors';
import { writeFileAtomic } from '../write-atomic';
import { Hdf5 } from './hdf5';
import { buildKeras } from './keras-build';
import type { LoadedModel } from './model';
import type { LoadOptions } from './options';

export function isZip(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32LE(0) === 0x04034b50;
}

export async function loadKerasV3(file: string, bytes: Buffer, options: LoadOptions): Promise<LoadedModel> {
  let entries: Record<string, Uint8Array>;
  // The unzipper allocates each entry's size as the central directory states it, and a corrupt
  // directory can claim gigabytes: deflate shrinks at most 1032-fold, so more cannot be in the archive.
  let refusal: string | undefined;
  try {
    entries = unzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
      filter: (f) => {
        if (!['config.json', 'metadata.json', 'model.weights.h5'].includes(f.name)) return false;
        if (f.originalSize > bytes.length * 1032) {
          refusal ??= `corrupt zip archive (${f.name} claims ${f.originalSize.toLocaleString('en-US')} bytes unpacked, more than a ${bytes.length.toLocaleString('en-US')}-byte archive can hold)`;
        }
        return refusal === undefined;
      },
    });
  } catch (err) {
    throw new UserError(`${file}: corrupt or truncated zip archive (${err instanceof Error ? err.message : String(err)})`);
  }
  if (refusal) throw new UserError(`${file}: ${refusal}`);
  const missing = ['config.json', 'model.weights.h5'].filter((n) => !entries[n]);
  if (missing.length) throw new UserError(`${file}: zip archive is not a Keras 3 model (no ${missing.join(' or ')})`);
  const text = (name: string) => Buffer.from(entries[name]).toString('utf8');
  let architecture: unknown;
  let metadata: { keras_version?: string } = {};
  try {
    architecture = JSON.parse(text('config.json'));
    if (entries['metadata.json']) metadata = JSON.parse(text('metadata.json'));
  } catch {
    throw new UserError(`${file}: config.json in the archive is not valid JSON (corrupt file?)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-keras-'));
  const weights = path.join(dir, 'model.weights.h5');
  try {
    writeFileAtomic(weights, entries['model.weights.h5']);
    const h5 = await Hdf5.open(weights, options);
    try {
      return await buildKeras(
        { file, architecture, h5, format: 'keras-v3', name: path.basename(file), kerasVersion: metadata.keras_version ?? '3' },
        options,
      );
    } finally {
      h5.close();
    }
  } catch (err) {
    // Messages about the temporary copy should name the archive.
    if (err instanceof UserError) throw new UserError(err.message.split(weights).join(`${file}!model.weights.h5`));
    throw err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
