/**
 * The batch and the summary in a notebook: `%resolve` with several models runs them in their own
 * processes (not in the session's worker), reports the whole batch's progress through the cell's
 * hooks and one line per model; `%summarize` shows the table payload with links relative to the
 * notebook; both refuse to write outside the workspace without asking, and check --out-dir first.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AscentProgress } from '../../src/engine/ascent/pairs';
import { useBackend } from '../../src/engine/backend';
import type { BatchProgress } from '../../src/batch/progress';
import { parseCell, parseMagicLine } from '../../src/notebook/magics';
import { progressLine } from '../../src/notebook/progress-text';
import { checkCellOutputs, runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { SUMMARY_MIME, type SummaryPayload } from '../../renderers/summary-data';
import { handHeadModel, linearHeadModel } from '../helpers/models';
import { saveTfjsModel } from '../helpers/tfjs-save';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-magics-'));
const noWorker = { run: () => { throw new Error('a batch does not use the session worker'); } } as unknown as RunContext['client'];

before(async () => {
  await useBackend('cpu');
  await saveTfjsModel(linearHeadModel(2), path.join(folder, 'models', 'linear'));
  await saveTfjsModel(handHeadModel(3, { w: [[1, 0], [0, 1], [1, 1]], b: [0, 0] }, { w: [[1], [1]], b: [0] }), path.join(folder, 'models', 'hand'));
});

test('%resolve over a folder of models: a batch with progress in models, one line per model, results on disk', async () => {
  const session = new Session(folder);
  const progress: { label: string; p: AscentProgress }[] = [];
  const started: string[] = [];
  const ctx: RunContext = {
    session,
    client: noWorker,
    defaults: { restarts: 2 },
    onStart: (label) => started.push(label),
    onProgress: (label, p) => progress.push({ label, p }),
  };
  const call = parseMagicLine('%resolve models --out-dir out --max-iter 200 --backend cpu --motifs none');
  const [out] = await runMagic(call, ctx);
  const plain = String(out.items.find((i) => i.mime === 'text/plain')!.value);
  assert.match(plain, /^2 models: 2 done, 0 current \(kept\), 0 failed in [\d.]+ s\n  hand: done \(1 class, [\d.]+ s\)\n  linear: done \(2 classes, [\d.]+ s\)\nresults in out \(NAME\.json, NAME\.ipynb\); %summarize out tabulates them$/);
  assert.deepEqual(started, ['Resolving 2 models']);
  const last = progress.at(-1)!.p as BatchProgress;
  assert.deepEqual({ ...last.batch, running: last.batch.running.length }, { total: 2, done: 2, skipped: 0, failed: 0, running: 0 });
  assert.equal(last.fraction, 1);
  assert.match(progressLine(progress.at(-1)!.label, last, 10), /^Resolving 2 models {2}\[#{10}\] 100% — 2 of 2 models done$/);
  const r = JSON.parse(fs.readFileSync(path.join(folder, 'out', 'linear.json'), 'utf8'));
  assert.equal(r.settings.restarts, 2, 'the notebook defaults apply to every model');
  assert.equal(r.settings.maxIter, 200);
  assert.equal(r.classes.length, 2);
  assert.ok(fs.existsSync(path.join(folder, 'out', 'hand.ipynb')));
  // Run again: both kept.
  const [again] = await runMagic(call, ctx);
  assert.match(String(again.items.find((i) => i.mime === 'text/plain')!.value), /^2 models: 0 done, 2 current \(kept\), 0 failed/);
  // One result name for many models makes no sense.
  await assert.rejects(runMagic(parseMagicLine('%resolve models --as r'), ctx), { message: /--as names one result/ });
});

test('%summarize: the table payload with rows linking to the models\' notebooks, the TSV with --out', async () => {
  const session = new Session(folder);
  const ctx: RunContext = { session, client: noWorker, defaults: {} };
  fs.writeFileSync(path.join(folder, 'factors.txt'), 'linear  CTCF\n');
  const [out] = await runMagic(parseMagicLine('%summarize out --factors factors.txt --out out/table.tsv'), ctx);
  assert.deepEqual(out.items.map((i) => i.mime), [SUMMARY_MIME, 'text/html', 'text/plain']);
  const payload = out.items[0].value as SummaryPayload;
  assert.deepEqual(payload.rows.map((r) => [r.model, r.class, r.link]), [
    ['hand', 'out', 'out/hand.ipynb'],
    ['linear', 'out[0]', 'out/linear.ipynb'],
    ['linear', 'out[1]', 'out/linear.ipynb'],
  ]);
  // --motifs none: a factor but no motif matches, so nothing can be said about recovery.
  assert.equal(payload.counts.noMotifs, 2);
  assert.equal(payload.counts.withFactor, 0);
  assert.equal(payload.rows[1].recovered, null);
  assert.equal(fs.readFileSync(path.join(folder, 'out', 'table.tsv'), 'utf8').split('\n').length, 5, 'header, 3 rows, final newline');
  assert.match(String(out.items[1].value), /<a href="out\/linear\.ipynb">linear<\/a>/);
});

test('outside the workspace: a batch\'s --out-dir and a summary\'s --out are refused without a confirmation; a bad --out-dir fails before the batch', async () => {
  const session = new Session(folder);
  const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'elsewhere-'));
  const ctx: RunContext = { session, client: noWorker, defaults: {}, writeFolders: [folder] };
  await assert.rejects(runMagic(parseMagicLine(`%resolve models --out-dir ${elsewhere}`), ctx), { message: /is outside .*nothing was written \(no confirmation can be asked here\)/ });
  assert.deepEqual(fs.readdirSync(elsewhere), []);
  await assert.rejects(runMagic(parseMagicLine(`%summarize out --out ${path.join(elsewhere, 's.tsv')}`), ctx), { message: /nothing was written/ });
  fs.writeFileSync(path.join(folder, 'afile'), 'x');
  assert.throws(() => checkCellOutputs(parseCell('%resolve models --out-dir afile/sub'), ctx), { message: /afile\/sub\/\.deepresolve-batch: cannot write the results of %resolve \(--out-dir\): a path under a file/ });
});
