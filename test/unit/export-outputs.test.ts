/**
 * %export's target checked before anything runs (a cell's later %export before its %resolve), the
 * atomic write, and the wording of internal errors in a cell.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { UserError, internalErrorDetails, internalErrorLine } from '../../src/engine/errors';
import type { Results } from '../../src/engine/results';
import { parseCell } from '../../src/notebook/magics';
import { checkCellOutputs, magicActivity, runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { WorkerError } from '../../src/worker/client';

/** Just what %export reads: features, classes with OFIVs; the JSON export is the whole object. */
const results = {
  schemaVersion: '1.1',
  model: { name: 'tiny' },
  features: [{ index: 0, name: 'filter 0' }, { index: 1, name: 'filter 1' }],
  classes: [{ index: 0, name: 'A', ofiv: [0.5, -0.25] }, { index: 1, name: 'B', ofiv: [0, 1] }],
} as unknown as Results;

function notebook() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'export-outputs-'));
  const session = new Session(dir);
  session.addResult(results, 'r1');
  const ctx: RunContext = { session, client: { run: () => assert.fail('no worker task for %export') }, defaults: {} };
  return { dir, session, ctx };
}

test("a cell's %export target is checked before its first magic runs", () => {
  const { dir, session } = notebook();
  fs.writeFileSync(path.join(dir, 'a-file'), 'x');
  const calls = parseCell('%resolve model.json\n%export a-file/out.json');
  assert.throws(() => checkCellOutputs(calls, { session }), (err: Error) => err instanceof UserError && err.message === `${path.join(dir, 'a-file', 'out.json')}: cannot write the export: a path under a file (${path.join(dir, 'a-file')} is a file)`);
  assert.throws(() => checkCellOutputs(parseCell('%export .'), { session }), { message: "%export writes .json (full results) or .csv (OFIV matrix), not '.'" });
  fs.mkdirSync(path.join(dir, 'folder.json'));
  assert.throws(() => checkCellOutputs(parseCell('%export folder.json'), { session }), { message: `${path.join(dir, 'folder.json')}: cannot write the export: it is a folder` });
  // Any magic's --out, e.g. %predict's TSV.
  assert.throws(() => checkCellOutputs(parseCell('%predict seqs.fa --out a-file/p.tsv'), { session }), { message: `${path.join(dir, 'a-file', 'p.tsv')}: cannot write the output of %predict (--out): a path under a file (${path.join(dir, 'a-file')} is a file)` });
  // Good targets pass and nothing is created.
  checkCellOutputs(parseCell('%resolve model.json\n%export out/r.json\n%export r.csv'), { session });
  assert.deepEqual(fs.readdirSync(dir).sort(), ['a-file', 'folder.json']);
});

test('outside the write folders the cell check touches nothing (no probe before the user allows the write)', () => {
  const { session } = notebook();
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'export-elsewhere-'));
  checkCellOutputs(parseCell(`%export ${path.join(elsewhere, 'r.json')}`), { session });
  assert.deepEqual(fs.readdirSync(elsewhere), []);
});

test('%export writes atomically: the JSON and CSV texts, no temporary file left; a refused write is one line', async () => {
  const { dir, ctx } = notebook();
  fs.writeFileSync(path.join(dir, 'r.json'), 'old');
  await runMagic(parseCell('%export r.json')[0], ctx);
  // Schema 3: the JSON (numbers at float32) and its .npz of per-restart arrays beside it.
  const written = JSON.parse(fs.readFileSync(path.join(dir, 'r.json'), 'utf8'));
  assert.equal(written.schemaVersion, '3.0');
  assert.deepEqual(written.classes, results.classes);
  assert.deepEqual(written.features, results.features);
  assert.equal(written.arrays.file, 'r.npz');
  await runMagic(parseCell('%export sub/ofiv.csv')[0], ctx);
  assert.equal(fs.readFileSync(path.join(dir, 'sub', 'ofiv.csv'), 'utf8'), 'feature,A,B\nfilter 0,0.5,0\nfilter 1,-0.25,1\n');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['r.json', 'r.npz', 'sub']);
  fs.mkdirSync(path.join(dir, 'taken.csv'));
  await assert.rejects(runMagic(parseCell('%export taken.csv')[0], ctx), { message: `${path.join(dir, 'taken.csv')}: cannot write the export: it is a folder` });
});

test("an internal error in a cell: the magic, the cell, the notebook, where to report it; the worker's stack only with DEEPRESOLVE_DEBUG", () => {
  const err = new WorkerError('Cannot read properties of undefined (reading \'shape\')', 'TypeError: Cannot read…\n    at head (src/engine/head.ts:10:3)');
  const activity = magicActivity(parseCell('%resolve models/ctcf.h5 --restarts 2')[0], 2, 'report.ipynb');
  assert.equal(
    internalErrorLine(err, activity, {}),
    "internal error while running %resolve models/ctcf.h5 in cell 3 of report.ipynb: Cannot read properties of undefined (reading 'shape'). This is a bug in DeepResolve, not in your input: please report it to the DeepResolve maintainers with this line and the command or magic you ran (README: 'Reporting a bug'); DEEPRESOLVE_DEBUG=1 adds the details to include",
  );
  assert.equal(internalErrorLine(new Error('x\ny'), magicActivity(undefined, 0, 'n.ipynb'), { DEEPRESOLVE_DEBUG: '1' }).split('. This')[0], 'internal error while running cell 1 of n.ipynb: x');
  assert.equal(internalErrorDetails(err, {}), undefined);
  assert.equal(internalErrorDetails(err, { DEEPRESOLVE_DEBUG: '0' }), undefined);
  assert.equal(internalErrorDetails(err, { DEEPRESOLVE_DEBUG: '1' }), err.details);
  const plain = new TypeError('boom');
  assert.equal(internalErrorDetails(plain, { DEEPRESOLVE_DEBUG: '1' }), plain.stack);
});
