/** Class names beside a model (labels.txt, labels.tsv, classes.txt or a named file) and one name for both files of a Keras pair. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { labelsBeside } from '../../src/engine/labels';
import { Session } from '../../src/notebook/session';
import { starterCells } from '../../src/commands/starter-cells';
import { pairName } from '../../src/engine/load/keras-pair';

test('labels beside the model: the named file first, then labels.txt, labels.tsv, classes.txt; a model folder too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-labels-'));
  const model = path.join(dir, 'm.onnx');
  fs.writeFileSync(model, '');
  assert.equal(labelsBeside(model), undefined);
  fs.writeFileSync(path.join(dir, 'classes.txt'), 'a\n');
  assert.equal(labelsBeside(model), path.join(dir, 'classes.txt'));
  fs.writeFileSync(path.join(dir, 'labels.txt'), 'a\n');
  assert.equal(labelsBeside(model), path.join(dir, 'labels.txt'));
  fs.writeFileSync(path.join(dir, 'mine.txt'), 'a\n');
  assert.equal(labelsBeside(model, ['mine.txt', 'labels.txt']), path.join(dir, 'mine.txt'));
  assert.equal(labelsBeside(dir), path.join(dir, 'labels.txt'), 'a TF.js model folder');
  assert.equal(labelsBeside(path.join(dir, 'missing.onnx')), undefined);
  assert.match(starterCells('m.onnx', 'm', 'labels.txt')[2].text, /^%resolve m --classes all --labels labels\.txt --as features$/);
});

test('both files of a Keras pair get one name, the stem they share', () => {
  const dir = path.join('work', 'foxa1-a549');
  assert.equal(Session.modelName(path.join(dir, '16_G_best_archit.json')), '16_G');
  assert.equal(Session.modelName(path.join(dir, '16_G_bestmodel_weights.h5')), '16_G');
  assert.equal(pairName(path.join(dir, '16_G_bestmodel_weights.h5')), 'foxa1-a549/16_G');
  assert.equal(Session.modelName(path.join(dir, 'model.json')), 'foxa1-a549');
  assert.equal(Session.modelName(path.join(dir, 'basset.onnx')), 'basset');
});
