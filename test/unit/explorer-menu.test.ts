/**
 * Where "Resolve features" is offered: package.json's when-clauses evaluated for real file names,
 * with the context VS Code gives a right-clicked file (resourceFilename, resourceExtname,
 * resourcePath, resourceScheme) and the context key the extension sets for the architecture
 * files of Keras pairs (src/commands/pair-context.ts, from pair-stem.ts pairedArchitectures).
 * The key's files are checked against the loader: each one opens with a weights file beside it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findWeights } from '../../src/engine/load/keras-pair';
import { pairedArchitectures } from '../../src/engine/load/pair-stem';
import { evaluateWhen } from '../helpers/when-clause';

const root = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const COMMAND = 'deepresolve.resolveFeatures';
const KEY = 'deepresolve.pairedArchitectures';

const clauses: [string, string][] = Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>).flatMap(([menu, items]) =>
  items.filter((i) => i.command === COMMAND).map((i): [string, string] => [menu, i.when ?? '']),
);

/** What VS Code's ResourceContextKey sets for a file, plus the extension's key. */
function context(file: string, paired: string[] = [], scheme = 'file') {
  return { resourceScheme: scheme, resourceFilename: path.basename(file), resourceExtname: path.extname(file), resourcePath: file, [KEY]: paired };
}

/** The extension's key for the folders of these files: what pair-context.ts computes from a listing. */
function pairedIn(files: string[]): string[] {
  const byDir = new Map<string, string[]>();
  for (const f of files) byDir.set(path.dirname(f), [...(byDir.get(path.dirname(f)) ?? []), path.basename(f)]);
  return [...byDir].flatMap(([dir, names]) => pairedArchitectures(names).map((n) => path.join(dir, n)));
}

function offered(file: string, folderFiles: string[] = [file]): boolean {
  const answers = clauses.map(([, when]) => evaluateWhen(when, context(file, pairedIn(folderFiles))));
  assert.ok(answers.every((a) => a === answers[0]), `every menu answers alike for ${file}: ${answers}`);
  return answers[0];
}

test('the command has the same when-clause in the Explorer, the editor title and the command palette', () => {
  assert.deepEqual(clauses.map(([menu]) => menu).sort(), ['commandPalette', 'editor/title/context', 'explorer/context']);
  assert.equal(new Set(clauses.map(([, when]) => when)).size, 1);
  assert.match(clauses[0][1], new RegExp(`resourcePath in ${KEY.replace('.', '\\.')}`));
});

test('the example pair: both files, with or without the extension active', () => {
  const dir = path.join(root, 'examples', 'ctcf-gm12878');
  const listing = fs.readdirSync(dir).map((n) => path.join(dir, n));
  const arch = path.join(dir, '16_G_best_archit.json');
  const weights = path.join(dir, '16_G_bestmodel_weights.h5');
  assert.ok(offered(arch, listing), 'architecture .json of the pair');
  assert.ok(offered(weights, listing), 'weights .h5 of the pair');
  // Before the extension has set its key (not yet activated): the authors' naming is enough.
  for (const [, when] of clauses) assert.ok(evaluateWhen(when, context(arch, [])));
  assert.equal(offered(path.join(dir, 'labels.txt'), listing), false, 'labels.txt');
  // The key's file opens with the .h5 beside it.
  assert.deepEqual(pairedArchitectures(fs.readdirSync(dir)), ['16_G_best_archit.json']);
  assert.equal(findWeights(arch), weights);
});

test('model files that open by themselves: .onnx, .h5, .hdf5, .keras, model.json', () => {
  for (const f of ['/m/deepsea.onnx', '/m/DeepSEA.ONNX', '/m/full-model.h5', '/m/x.hdf5', '/m/keras3.keras', '/m/tfjs/model.json']) assert.ok(offered(f), f);
});

test('a .json that is not a model is not offered; nor is anything outside the file system', () => {
  for (const f of ['/w/package.json', '/w/tsconfig.json', '/w/data/settings.json', '/w/results/results.json', '/w/notes.yaml', '/w/model.json.bak', '/w/weights.bin', '/w/x.ipynb']) {
    assert.equal(offered(f), false, f);
  }
  // A results.json beside a model's weights is still not its architecture (stems differ).
  assert.equal(offered('/w/m/results.json', ['/w/m/results.json', '/w/m/cnn.h5', '/w/m/cnn.json']), false);
  for (const [, when] of clauses) assert.equal(evaluateWhen(when, context('/m/a.onnx', [], 'untitled')), false);
});

test('same-stem and other Keras pairs: the architecture file is offered when its weights are beside it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-menu-'));
  // [architecture, weights, offered by its name alone (the authors' naming, before activation)]
  const pairs: [string, string, boolean][] = [
    ['cnn.json', 'cnn.h5', false],
    ['deep.yaml', 'deep.weights.h5', false],
    ['basset_model.json', 'basset_weights.h5', false],
    ['m1-architecture.yml', 'm1-weights.hdf5', true],
    ['ctcf.json', 'ctcf_weights.h5', false],
  ];
  try {
    for (const [arch, weights, byName] of pairs) {
      const sub = path.join(dir, path.parse(arch).name);
      fs.mkdirSync(sub);
      const files = [arch, weights, 'notes.json'].map((n) => path.join(sub, n));
      for (const f of files) fs.writeFileSync(f, '');
      assert.ok(offered(files[0], files), `${arch} beside ${weights}`);
      assert.ok(offered(files[1], files), weights);
      assert.equal(offered(files[2], files), false, `notes.json beside ${weights}`);
      // Without its weights a plain name is not offered (it would not open); a name of the
      // authors' layout is, and opening it then says which weights file was looked for.
      assert.equal(offered(files[0], [files[0], files[2]]), byName, `${arch} alone`);
      // What the key lists, the loader opens as a pair.
      assert.equal(findWeights(files[0]), files[1]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
