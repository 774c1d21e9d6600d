/** Every refusal of the loaders: a UserError with one line naming the file and the cause. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tfl from '@tensorflow/tfjs-layers';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { loadModel } from '../../src/engine/load/index';
import { linearHeadModel, seededWeights } from '../helpers/models';
import { kerasJson, layerWeights, tempDir, writeKeras3, writeKerasH5, writePlainH5, writeTfjs } from '../helpers/write-models';

const REAL_H5 = path.join(__dirname, '..', 'fixtures', 'keras1', 'ctcf-gm12878', '16_G_bestmodel_weights.h5');

/** Loading `file` fails with a one-line UserError naming `named` (default: file) and matching `pattern`. */
async function refused(file: string, pattern: RegExp, options?: Parameters<typeof loadModel>[1], named = file): Promise<string> {
  let error: unknown;
  try {
    await loadModel(file, options);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
  const message = error.message;
  assert.ok(!message.includes('\n'), `one line: ${message}`);
  assert.ok(message.startsWith(`${named}: `), `names the file: ${message}`);
  assert.match(message, pattern);
  return message;
}

function smallDense(units = 8) {
  const model = tfl.sequential({
    layers: [tfl.layers.flatten({ inputShape: [10, 4], name: 'flatten_1' }), tfl.layers.dense({ units, activation: 'relu', name: 'dense_1' }), tfl.layers.dense({ units: 1, name: 'dense_2' })],
  });
  seededWeights(model, 2);
  return model;
}

/** A Keras 2 architecture with `layers` inserted after the first layer. */
function archWith(extra: object[]): object {
  const json = kerasJson(smallDense()) as { config: { layers: object[] } };
  json.config.layers.splice(1, 0, ...extra);
  return json;
}

describe('loader refusals', () => {
  before(async () => {
    await useBackend('cpu');
  });

  it('truncated HDF5 file', async () => {
    const file = path.join(tempDir(), 'cut.h5');
    fs.writeFileSync(file, fs.readFileSync(REAL_H5).subarray(0, 20000));
    await refused(file, /truncated HDF5 file \(20000 bytes, the header says 48456\)$/);
  });

  it('corrupt HDF5 file (signature, then garbage)', async () => {
    const file = path.join(tempDir(), 'bad.h5');
    const bytes = fs.readFileSync(REAL_H5);
    bytes.fill(0x5a, 8, 2048);
    fs.writeFileSync(file, bytes);
    await refused(file, /corrupt HDF5 file/);
  });

  it('a .h5 that is not HDF5 at all', async () => {
    const file = path.join(tempDir(), 'text.h5');
    fs.writeFileSync(file, 'hello, not a model');
    await refused(file, /not an HDF5 or zip file despite its extension/);
  });

  it('truncated model.json and truncated weight shard', async () => {
    const dir = tempDir();
    const file = await writeTfjs(linearHeadModel(2), dir);
    const text = fs.readFileSync(file, 'utf8');
    const cut = path.join(dir, 'cut.json');
    fs.writeFileSync(cut, text.slice(0, text.length / 2));
    await refused(cut, /not valid JSON \(truncated or corrupt\?\)/);
    const shard = path.join(dir, 'weights.bin');
    fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 40));
    await refused(file, /weight data is truncated \(40 bytes, \d+ expected\)/);
  });

  it('truncated .keras archive', async () => {
    const file = await writeKeras3(smallDense(), path.join(tempDir(), 'model.keras'));
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 200));
    await refused(file, /corrupt or truncated zip archive/);
  });

  it('HDF5 file that holds no model', async () => {
    const file = await writePlainH5(path.join(tempDir(), 'data.h5'));
    await refused(file, /HDF5 file holds no Keras model \(no model_config attribute and no layer weights\)/);
  });

  it('weights that do not match the architecture name the layer and both shapes', async () => {
    const dir = tempDir();
    await writeKerasH5(path.join(dir, 'net_weights.h5'), layerWeights(smallDense(5)), { full: false });
    fs.writeFileSync(path.join(dir, 'net.json'), JSON.stringify(kerasJson(smallDense(8))));
    const message = await refused(path.join(dir, 'net.json'), /weights do not match the architecture: layer 'dense_1'/, undefined, path.join(dir, 'net_weights.h5'));
    assert.match(message, /has shape \[40, 5\] in the file, the architecture expects \[40, 8\]/);
  });

  it('weights-only file without an architecture next to it', async () => {
    const file = await writeKerasH5(path.join(tempDir(), 'lonely_weights.h5'), layerWeights(smallDense()), { full: false });
    await refused(file, /weights-only Keras file and no architecture file next to it \(looked for lonely_weights\.json/);
  });

  it('unsupported layer types are listed with the supported set', async () => {
    const arch = archWith([
      { class_name: 'Conv3D', config: { name: 'c3' } },
      { class_name: 'TimeDistributed', config: { name: 'td' } },
    ]);
    const file = await writeKerasH5(path.join(tempDir(), 'm.h5'), layerWeights(smallDense()), { full: true, architecture: arch as never });
    const message = await refused(file, /unsupported layer types: Conv3D, TimeDistributed \(supported: /);
    for (const name of ['Conv1D', 'Convolution2D', 'Dense', 'BatchNormalization', 'LSTM', 'Bidirectional']) assert.ok(message.includes(name), name);
  });

  it('Lambda layers are refused: loading never executes code', async () => {
    const arch = archWith([{ class_name: 'Lambda', config: { name: 'rc', function: ['4wEAAAAAAAAA', null, null], function_type: 'lambda' } }]);
    const file = await writeKerasH5(path.join(tempDir(), 'lambda.h5'), layerWeights(smallDense()), { full: true, architecture: arch as never });
    await refused(file, /layer 'rc' is a Lambda layer, which holds Python code; refused, because loading a model never executes code from the file/);
  });

  it('custom objects are refused (a registered custom layer, a custom activation)', async () => {
    const dir = tempDir();
    const layer = archWith([{ module: 'my_package.layers', class_name: 'RevComp', config: { name: 'revcomp' }, registered_name: 'MyPackage>RevComp' }]);
    const f1 = await writeKerasH5(path.join(dir, 'custom.h5'), layerWeights(smallDense()), { full: true, architecture: layer as never });
    await refused(f1, /layer 'revcomp' is a custom object \('MyPackage>RevComp'\); refused/);
    const act = kerasJson(smallDense()) as { config: { layers: { config: Record<string, unknown> }[] } };
    act.config.layers[1].config.activation = 'my_swishy';
    const f2 = await writeKerasH5(path.join(dir, 'act.h5'), layerWeights(smallDense()), { full: true, architecture: act });
    await refused(f2, /layer 'dense_1' uses the activation 'my_swishy', a custom object or one TF\.js lacks/);
  });

  it('YAML with Python objects is refused', async () => {
    const dir = tempDir();
    await writeKerasH5(path.join(dir, 'm_weights.h5'), layerWeights(smallDense()), { full: false });
    const file = path.join(dir, 'm.yaml');
    fs.writeFileSync(file, 'class_name: Sequential\nconfig: !!python/object/apply:os.system ["echo hi"]\n');
    await refused(file, /the YAML holds Python objects; refused/);
  });

  it('models larger than maxMemoryMB are refused before allocation, with the size', async () => {
    const model = smallDense();
    const dir = tempDir();
    const h5 = await writeKerasH5(path.join(dir, 'm.h5'), layerWeights(model), { full: true, architecture: kerasJson(model) });
    // 40·8 + 8 + 8 + 1 = 337 weights = 1348 bytes.
    await refused(h5, /model too large: its 337 weights need 0\.0013 MB, more than the limit of 0\.001 MB \(maxMemoryMB\)/, { maxMemoryMB: 0.001 });
    const json = await writeTfjs(model, path.join(dir, 'tfjs'));
    await refused(json, /model too large: its 337 weights need 0\.0013 MB/, { maxMemoryMB: 0.001 });
    const keras = await writeKeras3(model, path.join(dir, 'm.keras'));
    await refused(keras, /model too large: its 337 weights/, { maxMemoryMB: 0.001 });
    assert.equal((await loadModel(h5, { maxMemoryMB: 1 })).format, 'keras-h5');
  });

  it('models with more than one input are refused', async () => {
    const a = tfl.input({ shape: [10, 4], name: 'seq' });
    const b = tfl.input({ shape: [3], name: 'cell' });
    const merged = tfl.layers.concatenate({ name: 'cat' }).apply([tfl.layers.flatten({ name: 'flat' }).apply(a) as tfl.SymbolicTensor, b]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [a, b], outputs: tfl.layers.dense({ units: 1, name: 'out' }).apply(merged) as tfl.SymbolicTensor });
    const dir = tempDir();
    const h5 = await writeKerasH5(path.join(dir, 'two.h5'), layerWeights(model), { full: true, architecture: kerasJson(model) });
    await refused(h5, /the model has 2 inputs \(seq, cell\); models with more than one input are not supported yet/);
    const json = await writeTfjs(model, path.join(dir, 'tfjs'));
    await refused(json, /the model has 2 inputs; models with more than one input are not supported yet/);
  });

  it('a JSON file that is no model, and a missing file', async () => {
    const file = path.join(tempDir(), 'settings.json');
    fs.writeFileSync(file, '{"editor": {"tabSize": 2}}');
    await refused(file, /JSON file is neither a TF\.js model \(no modelTopology\) nor a Keras architecture \(no class_name\)/);
    await refused(path.join(tempDir(), 'nope.h5'), /no such file/);
  });
});
