import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { complete, hoverAt } from '../../src/language/complete';
import { starterCells, quotePath } from '../../src/commands/starter-cells';
import { MAGIC_NAMES, magicSpec, parseCell } from '../../src/notebook/magics';
import { progressLine } from '../../src/notebook/progress-text';
import { Session } from '../../src/notebook/session';

function session(dir: string) {
  const s = new Session(dir);
  s.addModel({ name: 'ctcf', path: path.join(dir, 'ctcf.h5'), layers: [
    { index: 1, name: 'conv1', className: 'Conv1D', outputShape: [95, 16] },
    { index: 2, name: 'pool', className: 'GlobalMaxPooling1D', outputShape: [16] },
  ], defaultLayer: 1, numClasses: 2, format: 'keras-h5' });
  s.classNames.set('ctcf', ['CTCF', 'RAD21']);
  return s;
}

const labels = (xs: { label: string }[]) => xs.map((x) => x.label);

describe('magic completions and hover', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'complete-'));
  fs.mkdirSync(path.join(dir, 'models'));
  fs.writeFileSync(path.join(dir, 'models', 'a.h5'), '');
  fs.writeFileSync(path.join(dir, 'models', 'notes.txt'), '');
  fs.writeFileSync(path.join(dir, 'ctcf.h5'), '');

  test('magic names at the start of a line', () => {
    const c = complete('%re', undefined, dir);
    assert.deepEqual(labels(c), MAGIC_NAMES.map((n) => `%${n}`));
    assert.equal(c[0].start, 0);
  });

  test('options of the magic, without CLI-only ones', () => {
    const c = labels(complete('%resolve ctcf --', undefined, dir));
    assert.ok(c.includes('--restarts') && c.includes('--as') && c.includes('--labels'));
    assert.ok(!c.includes('--out') && !c.includes('--notebook'));
    assert.deepEqual(labels(complete('%features 0 --', undefined, dir)), ['--top']);
  });

  test('layer names after --layer, class names after --classes, backends after --backend', () => {
    const s = session(dir);
    assert.deepEqual(labels(complete('%resolve ctcf --layer ', s, dir)), ['conv1', 'pool']);
    assert.deepEqual(labels(complete('%resolve --classes ', s, dir)), ['all', 'CTCF', 'RAD21']);
    assert.deepEqual(labels(complete('%resolve --backend w', s, dir)), ['auto', 'tensorflow', 'wasm', 'cpu']);
    // A labels file named earlier on the line gives the class names.
    fs.writeFileSync(path.join(dir, 'names.txt'), 'YY1\nREST\n');
    assert.deepEqual(labels(complete('%resolve m.json --labels names.txt --classes ', s, dir)), ['all', 'YY1', 'REST']);
  });

  test('model argument: session models and model files; folders first', () => {
    const s = session(dir);
    assert.deepEqual(labels(complete('%resolve ', s, dir)), ['ctcf', 'models/', 'ctcf.h5']);
    assert.deepEqual(labels(complete('%load_model models/', s, dir)), ['models/a.h5']);
    const c = complete('%load_model models/a', s, dir);
    assert.equal(c[0].start, '%load_model '.length);
  });

  test('result and class arguments', () => {
    const s = session(dir);
    assert.deepEqual(labels(complete('%similarity ', s, dir)), []);
    s.results.set('r1', {} as never);
    assert.deepEqual(labels(complete('%similarity ', s, dir)), ['r1']);
    assert.deepEqual(labels(complete('%interactions ', s, dir)).slice(0, 1), ['top']);
    assert.deepEqual(labels(complete('%help ', s, dir)), MAGIC_NAMES);
  });

  test('hover shows the magic usage and option help', () => {
    const line = '%resolve m.json --restarts 4';
    assert.match(hoverAt(line, 3)!.text, /^```text\n%resolve \[MODEL\.\.\.\] \[options\]/);
    assert.equal(hoverAt(line, 20)!.text, '`--restarts N` — random restarts of the ascent per class (T) (default: 10)');
    assert.equal(hoverAt(line, 11), undefined);
  });
});

describe('Resolve features: starter cells', () => {
  test('load, resolve all classes, similarity, interactions of the top class — and they parse', () => {
    const cells = starterCells('models/my model/model.json', 'tiny');
    assert.equal(cells[0].kind, 'markdown');
    const code = cells.filter((c) => c.kind === 'code').map((c) => parseCell(c.text)[0]);
    assert.deepEqual(code.map((c) => [c.name, c.args, c.options]), [
      ['load_model', ['models/my model/model.json'], { as: 'tiny' }],
      ['resolve', ['tiny'], { classes: 'all', as: 'features' }],
      ['similarity', ['features'], {}],
      ['interactions', ['top', 'features'], {}],
    ]);
    assert.equal(quotePath('a b/"c"'), '"a b/\\"c\\""');
  });
});

describe('progress text and docs', () => {
  test('progress line with bar, fraction, pairs and time left', () => {
    const p = { pairsDone: 126, pairsTotal: 300, fraction: 0.42, active: 10, chunkSize: 256, elapsedSeconds: 9, etaSeconds: 72 };
    assert.equal(progressLine('Resolving tiny', p, 10), 'Resolving tiny  [####......] 42% — 126 of 300 (class, restart) pairs done, about 1 min 12 s left');
    assert.equal(progressLine('Loading a.h5', undefined), 'Loading a.h5…');
    assert.equal(progressLine('Resolving', { ...p, fraction: 0, stage: 'preparing the Gram matrix' }, 4), 'Resolving  [....] preparing the Gram matrix…');
  });

  test('docs/magics.md documents every magic and every option', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'magics.md'), 'utf8');
    for (const n of MAGIC_NAMES) {
      assert.ok(doc.includes(`### \`%${n}`), `%${n} has a section`);
      for (const o of magicSpec(n)!.options.filter((x) => x.scope !== 'cli')) assert.ok(doc.includes(`--${o.name}`), `--${o.name} of %${n}`);
    }
  });
});
