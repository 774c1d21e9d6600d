/**
 * The logo stage of an analysis as a user meets it (issue 15): its progress reaches the notebook
 * cell (the line the CLI and the cell show, progress-text.ts) and stopping the cell during it
 * stops the sampling within a batch or two, through the real analysis worker thread, and keeps
 * every class as a partial result without model-derived logos; the time
 * budget (--logo-seconds) ends the sampling early and the note and each logo say so; the option
 * is parsed and checked like the others.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { AscentProgress } from '../../src/engine/ascent/pairs';
import { useBackend } from '../../src/engine/backend';
import { UserError } from '../../src/engine/errors';
import { loadModel } from '../../src/engine/load';
import { resolveFeatures } from '../../src/engine/resolve';
import { completeSettings, DEFAULT_SETTINGS } from '../../src/engine/settings';
import { COMMANDS, parseCommand, toSettings, tokenize } from '../../src/notebook/options';
import { progressLine } from '../../src/notebook/progress-text';
import { runCell } from '../../src/notebook/run-cell';
import { Session } from '../../src/notebook/session';
import { WorkerClient } from '../../src/worker/client';

const ROOT = path.resolve(__dirname, '..', '..');
// Conv1D (8 filters × 6) on 40 bp → global max pooling → dense: 20,000 sequences by default, 512 a batch.
const MODEL = path.join(ROOT, 'test/fixtures/e2e/workspace/models/tiny/model.json');
const ENTRY = `require('tsx/cjs'); require(${JSON.stringify(path.join(ROOT, 'src/worker/worker.ts'))});`;
const client = new WorkerClient({ create: () => new Worker(ENTRY, { eval: true }) });
after(() => client.dispose());

const LOGO_STAGE = /^sequence logos of 8 channels: (\d+)% of 20000 random sequences/;

test('the logo stage shows its progress in the cell; stopping the cell during it stops the sampling and keeps every class', async () => {
  const session = new Session(path.dirname(MODEL));
  const controller = new AbortController();
  const stages: AscentProgress[] = [];
  let afterStop = 0;
  const failure = await runCell(`%resolve ${MODEL} --restarts 2 --backend cpu --feature-logos all --native off`, { session, client, defaults: {}, signal: controller.signal, activity: () => ({ doing: 'testing' }), where: 'test.ipynb, cell 1' }, {
    onProgress: (_label, p) => {
      if (!p.stage || !LOGO_STAGE.test(p.stage)) return;
      if (controller.signal.aborted) afterStop++;
      stages.push(p);
      // Stopped at the first logo progress: 512 of the 20,000 sequences done.
      if (!controller.signal.aborted) controller.abort();
    },
    onOutputs: () => {},
  });
  assert.ok(stages.length >= 1, 'the logo stage reported progress');
  const first = stages[0];
  assert.ok(first.fraction > 0 && first.fraction < 0.05, `first logo progress at ${first.fraction}`);
  // What the CLI's progress line and the cell's status show for it.
  assert.match(progressLine('Resolving', first, 4), /^Resolving {2}\[\.\.\.\.\] sequence logos of 8 channels: 2% of 20000 random sequences, about \d+ s left…$/);
  assert.equal(failure?.kind, 'cancelled', JSON.stringify(failure));
  // Like a stop during the ascent, what is done is kept: every class (their ascents had all
  // finished), marked partial, with the filters' weight PWMs and no model-derived logos.
  assert.match(failure.message, /kept as r1 \(partial: 4 of 4 classes, cancelled\)/);
  const { results } = session.result(undefined);
  assert.deepEqual(results.partial?.classesDone, [0, 1, 2, 3]);
  assert.equal(results.partial?.pairsDone, 8);
  assert.deepEqual(results.classes.map((c) => c.index), [0, 1, 2, 3]);
  assert.ok(results.features.every((f) => f.pwm && !f.logo), 'filter PWMs, no model-derived logos');
  assert.equal(results.notes[0], 'partial: 4 of 4 classes, cancelled while the sequence logos were sampled: every class\'s ascent had finished');
  assert.ok(results.notes.includes('sequence logos not derived from the model: the run was cancelled (run it again to get them)'), results.notes.join('\n'));
  // The worker sees the stop at its next batch boundary: at most the batch already under way is
  // drawn after it (each batch is 2.6% of the sequences), far from the 39 batches left.
  assert.ok(afterStop <= 2, `${afterStop} logo batches reported after the stop`);
  const last = stages[stages.length - 1];
  assert.ok(last.fraction < 0.1, `sampling went on to ${last.fraction}`);
});

test('the time budget ends the sampling early: fewer sequences, said in the note and in each logo', async () => {
  await useBackend('cpu');
  const loaded = await loadModel(MODEL);
  // A budget no batch can meet: the sampling stops after its first batch (512 sequences).
  const r = await resolveFeatures({ loaded, settings: { backend: 'cpu', restarts: 2, featureLogos: 'all', native: 'off', logoSeconds: 1e-6 } });
  const withLogo = r.features.filter((f) => f.logo);
  const note = r.notes.find((n) => n.startsWith('model-derived sequence logos'));
  assert.match(note ?? '', /from the 200 most activating peak windows of 512 of 20000 random sequences \(--logo-seconds 0\.000001 reached\), in /, note);
  for (const f of withLogo) {
    assert.equal(f.logo!.settings.sequences, 512);
    assert.equal(f.logo!.settings.stopped, 'time');
    assert.equal(f.logo!.settings.maxSequences, 20000);
  }
  // Channels that got no logo from so few sequences say why (none is left without a reason).
  for (const f of r.features.filter((f) => !f.logo)) assert.ok(f.noLogo, `feature ${f.index} has neither a logo nor a reason`);
  // The default budget (60 s) does not bind here: every sequence is drawn.
  const full = await resolveFeatures({ loaded, settings: { backend: 'cpu', restarts: 2, featureLogos: 'all', native: 'off' } });
  assert.ok(full.notes.some((n) => /peak windows of 20000 random sequences, in /.test(n)), full.notes.join('\n'));
  assert.ok(full.features.filter((f) => f.logo).every((f) => f.logo!.settings.sequences === 20000 && f.logo!.settings.stopped === undefined));
});

test('--logo-seconds: parsed in the CLI and magics, 60 by default, and a bad value names the option', () => {
  assert.equal(DEFAULT_SETTINGS.logoSeconds, 60);
  for (const scope of ['cli', 'magic'] as const) {
    const parsed = parseCommand(COMMANDS.resolve, tokenize('m.json --logo-seconds 12.5'), scope);
    assert.equal(toSettings(parsed.options).logoSeconds, 12.5);
  }
  assert.throws(() => completeSettings({ logoSeconds: 0 }), (e: unknown) => e instanceof UserError && e.message === '--logo-seconds must be > 0 (got 0)');
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--logo-seconds', 'soon'], 'cli'), /--logo-seconds expects a number, got 'soon'/);
});
