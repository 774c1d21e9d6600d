/** %motifs: stored matches listed without work, --db matched in the worker (fake and real), completions, errors. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../src/engine/errors';
import { reverseComplement } from '../../src/engine/motifs';
import type { MotifMatch } from '../../src/engine/motifs/match';
import type { Results } from '../../src/engine/results';
import { complete, hoverAt } from '../../src/language/complete';
import { helpIndex } from '../../src/notebook/help';
import { parseMagicLine } from '../../src/notebook/magics';
import { motifLibrary } from '../../src/notebook/motif-files';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';
import { WorkerClient } from '../../src/worker/client';
import type { Task } from '../../src/worker/protocol';
import { syntheticResults } from '../renderer/fixtures';

/** 2 classes × 4 filters with PWMs; filters 0 and 2 carry the fixture's CTCF, CTCFL, SP1, SPI1 matches. */
function annotated(): Results {
  return syntheticResults({ classes: 2, features: 4, pwmWidth: 10, matches: true, seed: 3 });
}

const FOUND: MotifMatch = { id: 'M1', name: 'MINE', offset: 1, strand: '-', overlap: 6, score: 4, pValue: 2e-7, eValue: 2e-6, qValue: 3e-5, source: 'mine.meme' };

/** A worker stand-in: answers motifs tasks with one match per PWM, bundles with their view. */
function fakeClient() {
  const tasks: Task[] = [];
  const client = {
    run(task: Task) {
      tasks.push(task);
      const promise = new Promise<unknown>((res, rej) => {
        if (task.kind === 'motifs') res({ matches: task.pwms.map((_, i) => (i === 1 ? [] : [FOUND])), motifCount: 12, files: ['mine.meme'] });
        else if (task.kind === 'bundle') res({ bundle: { 'application/vnd.deepresolve.result+json': { view: task.view }, 'text/plain': 'theirs' } });
        else rej(new Error(`the fake worker does not do ${task.kind}`));
      });
      return { id: tasks.length, promise, cancel() {} };
    },
  };
  return { client: client as unknown as RunContext['client'], tasks };
}

function context(results: Results, defaults: RunContext['defaults'] = {}) {
  const { client, tasks } = fakeClient();
  const session = new Session(fs.mkdtempSync(path.join(os.tmpdir(), 'motifs-')));
  session.addResult(results, 'r1');
  return { ctx: { session, client, defaults } satisfies RunContext, tasks, session };
}

const run = (line: string, ctx: RunContext) => runMagic(parseMagicLine(line), ctx);
const plain = (out: Awaited<ReturnType<typeof run>>, i = 0) => String(out[i].items.find((x) => x.mime === 'text/plain')!.value);
const markdown = (out: Awaited<ReturnType<typeof run>>, i = 0) => String(out[i].items.find((x) => x.mime === 'text/markdown')!.value);

describe('%motifs from the matches stored by %resolve', () => {
  test('every feature with a PWM: top 3 per feature with name, ID, offset, strand, p, q; no worker run; JASPAR credited', async () => {
    const { ctx, tasks } = context(annotated());
    const out = await run('%motifs', ctx);
    assert.equal(tasks.length, 0);
    assert.equal(out.length, 1);
    const lines = plain(out).split('\n');
    assert.equal(lines[0], 'Motif matches of r1, 4 features: top 3 with q ≤ 0.5; q ≤ 0.05 names the feature in the views');
    assert.match(lines[1], /^feature\s+motif\s+ID\s+offset\s+strand\s+p\s+q$/);
    assert.match(lines[2], /^filter 0\s+CTCF\s+MA0139\.2\s+-2\s+-\s+1\.0e-6\s+0\.001$/);
    assert.match(lines[3], /^\s+CTCFL\s+MA1102\.3\s+0\s+\+\s+1\.0e-4\s+0\.01$/);
    assert.match(lines[4], /^\s+SP1\s+MA0079\.5\s+2\s+-\s+0\.01\s+0\.2$/);
    assert.match(lines[5], /^filter 2\s+CTCF\s+MA0139\.2\s+1\s+\+/);
    assert.ok(!plain(out).includes('SPI1'), 'fourth match left out');
    assert.equal(lines.at(-2), 'No match with q ≤ 0.5: filter 1, filter 3');
    assert.match(lines.at(-1)!, /^JASPAR 2024 \(CC BY 4\.0\): Rauluseviciute I, et al\. .*doi:10\.1093\/nar\/gkad1059\. https:\/\/jaspar\.elixir\.no$/);
    assert.match(markdown(out), /^\*\*Motif matches of r1, 4 features.*\*\*\n\n\| feature \| motif \| ID \| offset \| strand \| p \| q \|\n\| --- \|/);
  });

  test('one feature (index or name, result named): its table and its logo view focused on it', async () => {
    const { ctx, tasks, session } = context(annotated());
    session.addResult(syntheticResults({ classes: 2, features: 2, seed: 1 }), 'other');
    const out = await run('%motifs "filter 2" --top 1 r1', ctx);
    assert.deepEqual(plain(out).split('\n').slice(2, 3).map((l) => l.split(/\s{2,}/)), [['filter 2', 'CTCF', 'MA0139.2', '1', '+', '1.0e-6', '0.001']]);
    assert.ok(!plain(out).includes('CTCFL'));
    assert.equal(out.length, 2);
    const bundle = tasks.find((t) => t.kind === 'bundle');
    assert.deepEqual(bundle?.kind === 'bundle' && [bundle.view, bundle.feature], ['logos', 2]);
    assert.equal(plain(out, 1), 'r1: logo of filter 2');
    const byIndex = await run('%motifs 0 r1', ctx);
    assert.match(plain(byIndex), /^Motif matches of r1, 1 feature: top 3/);
  });

  test('a lone argument that names a result is the result', async () => {
    const { ctx, session } = context(annotated());
    session.addResult(syntheticResults({ classes: 2, features: 2, seed: 1 }), 'last');
    await assert.rejects(run('%motifs', ctx), { message: "the features of layer 'conv3' have no PWMs or logos to match (first-layer filters on one-hot DNA have PWMs; other features need %resolve --feature-logos optimised)" });
    assert.match(plain(await run('%motifs r1', ctx)), /^Motif matches of r1, 4 features/);
  });

  test('--top above what %resolve kept says how to get more', async () => {
    const { ctx } = context(annotated());
    assert.match(plain(await run('%motifs 0 --top 8', ctx)), /top 5 with q ≤ 0\.5 \(%resolve keeps 5 per feature; --db matches again\)/);
  });
});

describe('%motifs matching in the worker', () => {
  test('--db FILE: the PWMs go to the worker with the notebook folder; the table names the collection', async () => {
    const r = annotated();
    const { ctx, tasks, session } = context(r);
    const out = await run('%motifs --db motifs/mine.meme --top 2', ctx);
    const task = tasks[0];
    assert.equal(task.kind, 'motifs');
    if (task.kind !== 'motifs') return;
    assert.deepEqual([task.motifs, task.motifsBase, task.top, task.qThreshold], ['motifs/mine.meme', session.folder, 2, 0.5]);
    assert.deepEqual(task.pwms, r.features.map((f) => f.pwm));
    const lines = plain(out).split('\n');
    assert.equal(lines[0], 'Motif matches of r1, 4 features, against mine.meme (12 motifs): top 2 with q ≤ 0.5');
    assert.match(lines[2], /^filter 0\s+MINE\s+M1\s+1\s+-\s+2\.0e-7\s+3\.0e-5$/);
    assert.equal(lines.at(-1), 'No match with q ≤ 0.5: filter 1', 'no attribution line for a collection without one');
    assert.equal(out.length, 1, 'no view: the views show the stored matches');
  });

  test('a result resolved without matches is matched with the default collection; none is an error', async () => {
    const bare = syntheticResults({ classes: 2, features: 3, pwmWidth: 8, seed: 2 });
    const { ctx, tasks } = context(bare, { motifDatabase: 'jaspar,extra.meme' });
    await run('%motifs 1', ctx);
    const task = tasks[0];
    assert.deepEqual(task.kind === 'motifs' && [task.motifs, task.pwms.length], ['jaspar,extra.meme', 1]);
    const none = context(bare, { motifDatabase: 'none' });
    await assert.rejects(run('%motifs', none.ctx), { message: 'r1 has no motif matches (resolved with --motifs none): give a collection, e.g. %motifs --db jaspar' });
    await assert.rejects(run('%motifs --db none', none.ctx), { message: '--db none: give a collection to match against (jaspar or motif files)' });
  });

  test('user errors: --top 0, a feature out of range, a feature without a PWM', async () => {
    const r = annotated();
    r.features[3].pwm = undefined;
    const { ctx } = context(r);
    await assert.rejects(run('%motifs --top 0', ctx), { message: '--top must be at least 1' });
    await assert.rejects(run('%motifs 9', ctx), { message: 'feature 9 is out of range: the layer has 4 features (0-3)' });
    await assert.rejects(run('%motifs 3', ctx), { message: 'filter 3 has no PWM or logo to match (first-layer filters on one-hot DNA have PWMs; other features need %resolve --feature-logos optimised)' });
    assert.throws(() => parseMagicLine('%motifs --dbb x'), (e: Error) => e instanceof UserError && e.message === 'unknown option --dbb for %motifs (did you mean --db?)');
    assert.deepEqual(parseMagicLine('%motifs 7 --db a.meme,jaspar --top 5 r1'), { name: 'motifs', line: 0, args: ['7', 'r1'], options: { db: 'a.meme,jaspar', top: 5 } });
  });
});

describe('%motifs in the real worker thread', () => {
  const ROOT = path.resolve(__dirname, '..', '..');
  const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;
  const client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });
  after(() => client.dispose());

  test('--db jaspar finds CTCF on the reverse strand at the right offset; a missing file is one clear line', async () => {
    const library = motifLibrary('jaspar')!;
    const ctcf = library.pwms[library.motifs.findIndex((m) => m.id === 'MA0139.2')];
    const flank = [0.25, 0.25, 0.25, 0.25];
    const r = syntheticResults({ classes: 2, features: 2, pwmWidth: 8, seed: 4 });
    r.features[0].pwm = [flank, flank, ...reverseComplement(ctcf)];
    const session = new Session(fs.mkdtempSync(path.join(os.tmpdir(), 'motifs-real-')));
    session.addResult(r, 'r1');
    const ctx: RunContext = { session, client, defaults: {} };
    const out = await run('%motifs 0 --db jaspar', ctx);
    const lines = plain(out).split('\n');
    assert.match(lines[0], /^Motif matches of r1, 1 feature, against JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac\.txt \(879 motifs\): top 3 with q ≤ 0\.5$/);
    const best = lines[2].split(/\s{2,}/);
    assert.deepEqual(best.slice(0, 5), ['filter 0', 'CTCF', 'MA0139.2', '2', '-']);
    assert.ok(Number(best[6]) < 1e-3, `q ${best[6]}`);
    assert.match(lines.at(-1)!, /^JASPAR 2024 \(CC BY 4\.0\): Rauluseviciute I/);
    // A collection relative to the notebook folder: CTCF in MEME format next to the notebook.
    const meme = ['MEME version 4', '', 'ALPHABET= ACGT', '', 'MOTIF own1 CTCF_copy', `letter-probability matrix: alength= 4 w= ${ctcf.length}`, ...ctcf.map((row) => row.map((v) => v.toFixed(4)).join(' ')), ''];
    for (let t = 0; t < 30; t++) {
      const p = library.pwms[t];
      meme.push(`MOTIF other${t} ${library.motifs[t].name}`, `letter-probability matrix: alength= 4 w= ${p.length}`, ...p.map((row) => row.map((v) => v.toFixed(4)).join(' ')), '');
    }
    fs.mkdirSync(path.join(session.folder, 'db'));
    fs.writeFileSync(path.join(session.folder, 'db', 'own.meme'), meme.join('\n'));
    const own = plain(await run('%motifs 0 --db db/own.meme --top 1', ctx)).split('\n');
    assert.match(own[0], /against own\.meme \(31 motifs\)/);
    assert.deepEqual(own[2].split(/\s{2,}/).slice(0, 5), ['filter 0', 'CTCF_copy', 'own1', '2', '-']);
    assert.ok(!own.some((l) => l.startsWith('JASPAR 2024')), 'no JASPAR credit for the user’s own motifs');
    await assert.rejects(run('%motifs 0 --db nothere.meme', ctx), { message: `${path.join(session.folder, 'nothere.meme')}: no such motif file` });
  });
});

describe('%motifs in help, completions and hover', () => {
  test('listed by %help; --db completes jaspar and motif files; FEATURE offers results', () => {
    assert.match(helpIndex(), /%motifs\s+known transcription-factor motifs that match the features/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motifs-complete-'));
    fs.writeFileSync(path.join(dir, 'mine.meme'), '');
    fs.writeFileSync(path.join(dir, 'model.h5'), '');
    assert.ok(complete('%mo', undefined, dir).some((c) => c.label === '%motifs'));
    const db = complete('%motifs --db ', undefined, dir).map((c) => c.label);
    assert.deepEqual(db, ['jaspar', 'mine.meme']);
    const list = complete('%motifs --db jaspar,mi', undefined, dir);
    assert.deepEqual(list.map((c) => [c.label, c.start]).filter(([l]) => l === 'mine.meme'), [['mine.meme', '%motifs --db jaspar,'.length]]);
    const session = new Session(dir);
    session.addResult(annotated(), 'r1');
    assert.deepEqual(complete('%motifs ', session, dir).map((c) => c.label), ['r1']);
    assert.match(hoverAt('%motifs 3 --db x', 11)!.text, /^`--db FILE` — match again against this collection/);
    assert.ok(complete('%resolve m.json --motifs ', undefined, dir).some((c) => c.label === 'none'));
  });
});
