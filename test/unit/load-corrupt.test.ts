/**
 * Corrupt model files, case by case (the fuzz test, load-fuzz.test.ts, covers them at random):
 * sizes a header claims are checked before anything is allocated, a file rewritten after a
 * failed read is read afresh, and TF.js manifests, shards and architectures full of garbage are
 * refused with one line naming the file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { loadModel } from '../../src/engine/load/index';
import { seededWeights } from '../helpers/models';
import { kerasJson, layerWeights, tempDir, writeKeras3, writeKerasH5, writeTfjs } from '../helpers/write-models';

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'ctcf-gm12878', '16_G_bestmodel_weights.h5');

async function refusal(file: string, options?: Parameters<typeof loadModel>[1]): Promise<string> {
  try {
    await loadModel(file, options);
  } catch (err) {
    assert.ok(err instanceof UserError, `a UserError, not ${String(err)}`);
    assert.ok(err.message.startsWith(`${file}: `) && !err.message.includes('\n'), err.message);
    return err.message.slice(file.length + 2);
  }
  assert.fail(`${file} loaded`);
}

/** Flatten(10 × 4) → Dense(37): its kernel is [40, 37], a shape easy to find in the file. */
function dense37() {
  const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [10, 4], name: 'flatten_1' }), tfl.layers.dense({ units: 37, name: 'dense_1' })] });
  seededWeights(model, 5);
  return model;
}

/**
 * A Keras 2 full-model .h5 with chunked weights and version-1 object headers (no checksums, as
 * h5py writes by default), so that a test can rewrite a shape in place.
 */
async function writeChunkedKeras(file: string, model: tfl.LayersModel): Promise<void> {
  const h5 = (await import('h5wasm/node')).default;
  await h5.ready;
  const f = new h5.File(file, 'w', { libver: ['earliest', 'v108'] });
  try {
    f.create_attribute('keras_version', '2.4.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('model_config', JSON.stringify(kerasJson(model)));
    const root = f.create_group('model_weights');
    const weights = layerWeights(model);
    const names = (list: string[]): [string[], number[], string] => [list, [list.length], `S${Math.max(1, ...list.map((n) => n.length))}`];
    root.create_attribute('layer_names', ...names(weights.map((w) => w.layer)));
    for (const { layer, arrays } of weights) {
      const g = root.create_group(layer);
      if (arrays.length) g.create_attribute('weight_names', ...names(arrays.map((a) => a.name)));
      for (const a of arrays) {
        const [sub, name] = a.name.split('/');
        const at = (g.get(sub) as typeof g | null) ?? g.create_group(sub);
        at.create_dataset({ name, data: a.values, shape: a.shape, dtype: '<f', chunks: a.shape.map((d) => Math.max(1, Math.min(d, 8))) });
      }
    }
  } finally {
    f.close();
  }
}

/** Offset of a dataspace's dimensions (HDF5 stores them as 8-byte little-endian numbers). */
function dims(bytes: Buffer, ...shape: number[]): number {
  const pattern = Buffer.alloc(8 * shape.length);
  shape.forEach((d, i) => pattern.writeBigUInt64LE(BigInt(d), 8 * i));
  const at = bytes.indexOf(pattern);
  assert.ok(at > 0, `dimensions ${shape} found in the file`);
  return at;
}

describe('corrupt model files', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('a chunked dataset whose header claims 2^31 × 37 floats is refused before the library allocates them', async () => {
    // HDF5 itself compares a contiguous dataset's size with its storage; a chunked one it cannot.
    const model = dense37();
    const file = path.join(tempDir(), 'claims.h5');
    await writeChunkedKeras(file, model);
    const bytes = fs.readFileSync(file);
    const at = dims(bytes, 40, 37);
    // The dimensions and, right after them, the maximum dimensions (HDF5 checks one against the other).
    assert.equal(bytes.readBigUInt64LE(at + 16), 40n);
    bytes.writeBigUInt64LE(2n ** 31n, at);
    bytes.writeBigUInt64LE(2n ** 31n, at + 16);
    fs.writeFileSync(file, bytes);
    const claimed = (2 ** 31 * 37 * 4).toLocaleString('en-US');
    assert.equal(
      await refusal(file),
      `corrupt HDF5 file (dataset '/model_weights/dense_1/dense_1/kernel:0': shape [2147483648, 37] of 4-byte values needs ${claimed} bytes, more than the file's ${bytes.length.toLocaleString('en-US')} can hold)`,
    );
    // The same file unpatched loads.
    await writeChunkedKeras(file, model);
    (await loadModel(file)).model.dispose();
  });

  it('a weight larger than maxMemoryMB is refused before it is read', async () => {
    const model = dense37();
    const file = await writeKerasH5(path.join(tempDir(), 'm.h5'), layerWeights(model), { full: true, architecture: kerasJson(model) });
    // 40·37 + 37 = 1517 weights = 6068 bytes; the limit is 4 kB.
    assert.match(await refusal(file, { maxMemoryMB: 4 / 1024 }), /^model too large: its 1,517 weights need 0\.0058 MB, more than the limit of 0\.00390625 MB/);
  });

  it('a file whose reading failed is read afresh once rewritten in place', async () => {
    const good = fs.readFileSync(EXAMPLE);
    const bad = Buffer.from(good);
    // Swapping these two 492-byte blocks breaks an object header the library has to walk through.
    const a = Buffer.from(bad.subarray(11843, 11843 + 492));
    bad.copy(bad, 11843, 24589, 24589 + 492);
    a.copy(bad, 24589);
    const file = path.join(tempDir(), 'ctcf.h5');
    fs.writeFileSync(file, bad);
    assert.match(await refusal(file), /^corrupt HDF5 file \(object '\/model_weights\/dense_54\/dense_54_b': bad object header version number\)$/);
    const inode = fs.statSync(file).ino;
    fs.writeFileSync(file, good); // truncates and rewrites: the same inode, as a retrained model saved over the old one
    assert.equal(fs.statSync(file).ino, inode);
    const [reread, original] = [await loadModel(file), await loadModel(EXAMPLE)];
    const x = tf.randomUniform([3, 1, 101, 4], 0, 1, 'float32', 1);
    assert.deepEqual((reread.model.predict(x) as tf.Tensor).arraySync(), (original.model.predict(x) as tf.Tensor).arraySync());
    reread.model.dispose();
    original.model.dispose();
  });

  it('a NaN weight in an HDF5 file is refused, naming the layer and the weight', async () => {
    const model = dense37();
    const file = path.join(tempDir(), 'nan.h5');
    const weights = layerWeights(model);
    weights[1].arrays[1].values[3] = NaN;
    await writeKerasH5(file, weights, { full: true, architecture: kerasJson(model) });
    assert.equal(await refusal(file), "layer 'dense_1' weight '/model_weights/dense_1/dense_1/bias:0' holds NaN values (corrupt file, or a training that diverged)");
  });

  it('TF.js shards: longer than the manifest says, or with an infinite weight', async () => {
    const dir = tempDir();
    const file = await writeTfjs(dense37(), dir);
    const shard = path.join(dir, 'weights.bin');
    const bytes = fs.readFileSync(shard);
    fs.writeFileSync(shard, Buffer.concat([bytes, Buffer.alloc(10)]));
    assert.equal(await refusal(file), `weight data is longer than the manifest says (${bytes.length + 10} bytes, ${bytes.length} expected: a wrong or corrupt shard?)`);
    const inf = Buffer.from(bytes);
    inf.writeFloatLE(Infinity, 4 * 40 * 37 + 4 * 2); // the third bias
    fs.writeFileSync(shard, inf);
    assert.equal(await refusal(file), "layer 'dense_1' weight 'dense_1/bias' holds infinite values (corrupt file, or a training that diverged)");
  });

  it('a malformed TF.js weights manifest is refused, saying what is wrong', async () => {
    const dir = tempDir();
    const file = await writeTfjs(dense37(), dir);
    const json = JSON.parse(fs.readFileSync(file, 'utf8'));
    const edit = async (change: (j: typeof json) => void) => {
      const copy = structuredClone(json);
      change(copy);
      fs.writeFileSync(file, JSON.stringify(copy));
      return refusal(file);
    };
    assert.equal(await edit((j) => (j.weightsManifest = 7)), 'the weights manifest is malformed (weightsManifest is 7, not a list; corrupt model.json?)');
    assert.equal(await edit((j) => (j.weightsManifest[0].paths = [{}])), 'the weights manifest is malformed (group 1 names a shard {}; corrupt model.json?)');
    assert.equal(await edit((j) => (j.weightsManifest[0].weights[0].shape = [40, -37])), "the weights manifest is malformed (weight 'dense_1/kernel' has shape [40,-37]; corrupt model.json?)");
    assert.equal(await edit((j) => delete j.weightsManifest[0].weights[1].dtype), "the weights manifest is malformed (weight 'dense_1/bias' has type nothing; corrupt model.json?)");
  });

  it('architecture garbage: a layer without a class name, an impossible input shape, an object for a padding', async () => {
    const model = dense37();
    const dir = tempDir();
    await writeKerasH5(path.join(dir, 'net_weights.h5'), layerWeights(model), { full: false });
    const file = path.join(dir, 'net.json');
    const arch = kerasJson(model) as { config: { layers: { class_name?: unknown; config: Record<string, unknown> }[] } };
    const edit = async (change: (a: typeof arch) => void) => {
      const copy = structuredClone(arch);
      change(copy);
      fs.writeFileSync(file, JSON.stringify(copy));
      return refusal(file);
    };
    assert.equal(await edit((a) => (a.config.layers[1].class_name = { x: 1 })), 'layer 2 of the architecture has no class name (found {"x":1}; corrupt file?)');
    assert.equal(await edit((a) => (a.config.layers[0].config.batch_input_shape = [null, true, 4])), 'the input shape (true, 4) is not a possible shape (corrupt architecture?)');
    assert.equal(await edit((a) => (a.config.layers[0].config.batch_input_shape = [null, 1e9, 4])), 'one input of shape (1000000000, 4) needs 15259 MB, more than the limit of 1024 MB (maxMemoryMB)');
    assert.equal(await edit((a) => (a.config.layers[1].config.name = [])), 'layer 2 (Dense) has a name that is not text ([]; corrupt file?)');
  });

  it('architecture sizes that would cost gigabytes: a Dense of 20,000,000 units, an UpSampling by 30,000,000', async () => {
    const dir = tempDir();
    const dense = dense37();
    await writeKerasH5(path.join(dir, 'net_weights.h5'), layerWeights(dense), { full: false });
    const arch = kerasJson(dense) as { config: { layers: { config: Record<string, unknown> }[] } };
    arch.config.layers[1].config.units = 2e7;
    const file = path.join(dir, 'net.json');
    fs.writeFileSync(file, JSON.stringify(arch));
    assert.equal(
      await refusal(file),
      "weights do not match the architecture: layer 'dense_1' has units 20,000,000, more than all 1,517 weights the file holds (corrupt file?)",
    );
    // No weights bound a feature map: UpSampling2D (10, 1, 4) by (3e7, 1) makes 1.2e9 values per sequence.
    const up = tfl.sequential({
      layers: [
        tfl.layers.upSampling2d({ inputShape: [10, 1, 4], size: [2, 1], name: 'up' }),
        tfl.layers.globalMaxPooling2d({ name: 'pool' }),
        tfl.layers.dense({ units: 3, name: 'out' }),
      ],
    });
    const tfjs = await writeTfjs(up, path.join(dir, 'tfjs'));
    const json = JSON.parse(fs.readFileSync(tfjs, 'utf8'));
    json.modelTopology.config.layers[0].config.size = [3e7, 1];
    fs.writeFileSync(tfjs, JSON.stringify(json));
    assert.equal(await refusal(tfjs), "layer 'up' outputs (300000000, 1, 4) values for one sequence, 4578 MB, more than the limit of 1024 MB (maxMemoryMB)");
  });

  it('a .keras whose central directory claims 2 GB for model.weights.h5 is refused before unpacking', async () => {
    const file = await writeKeras3(dense37(), path.join(tempDir(), 'm.keras'));
    const bytes = fs.readFileSync(file);
    // Central directory entries (signature 0x02014b50): unpacked size at +24, name length at +28, name at +46.
    let at = bytes.readUInt32LE(bytes.length - 22 + 16);
    for (;;) {
      assert.equal(bytes.readUInt32LE(at), 0x02014b50, 'a central directory entry');
      const nameLength = bytes.readUInt16LE(at + 28);
      if (bytes.toString('utf8', at + 46, at + 46 + nameLength) === 'model.weights.h5') break;
      at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    bytes.writeUInt32LE(0x7fffffff, at + 24);
    fs.writeFileSync(file, bytes);
    assert.equal(await refusal(file), `corrupt zip archive (model.weights.h5 claims 2,147,483,647 bytes unpacked, more than a ${bytes.length.toLocaleString('en-US')}-byte archive can hold)`);
  });
});
