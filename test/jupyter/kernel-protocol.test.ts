/**
 * The kernel through Debian's jupyter_client (clients/protocol.py drives it as a front end would
 * and reports what came back): kernel_info, completion and inspection against the documented
 * magics and the example model's own layers and labels, is_complete, a long run interrupted by
 * interrupt_request and by SIGINT (the kernel answers while it runs and stays usable), messages
 * with a wrong or replayed HMAC dropped, and shutdown.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, test } from 'node:test';
import { EXAMPLE_LABELS, EXAMPLE_MODEL, PYTHON, ROOT, ensureBuilt, installKernel, jupyterWorld, requireJupyter, runAsync, type JupyterWorld } from './jupyter-env';

interface IopubMessage {
  msg_type: string;
  content: Record<string, any>;
  parent: string;
}
interface Execution {
  reply: Record<string, any>;
  iopub: IopubMessage[];
}
interface LongRun extends Execution {
  reply_parent: string;
  msg_id: string;
  answered_while_running: { complete: string[]; kernel_info: string; heartbeat: boolean };
  seconds_to_stop: number;
}

let report: Record<string, any>;
let world: JupyterWorld;

before(async () => {
  requireJupyter();
  ensureBuilt();
  world = jupyterWorld('protocol');
  installKernel(world);
  // The kernel runs in the notebook's folder, nb/; writes to its parent are outside it.
  fs.mkdirSync(path.join(world.dir, 'nb'));
  const r = await runAsync(PYTHON, [path.join(__dirname, 'clients/protocol.py'), EXAMPLE_MODEL, EXAMPLE_LABELS], { cwd: path.join(world.dir, 'nb'), env: world.env });
  assert.equal(r.code, 0, `protocol.py failed:\n${r.stderr}`);
  report = JSON.parse(r.stdout);
});

/** Option names of a magic's table in docs/magics.md (the documentation, not the option table). */
function documentedOptions(magic: string): string[] {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/magics.md'), 'utf8');
  const section = doc.slice(doc.indexOf(`### \`%${magic} `)).split(/\n### /)[0];
  return [...section.matchAll(/^\| `(--[\w-]+)/gm)].map((m) => m[1]);
}

function displays(e: Execution) {
  return e.iopub.filter((m) => m.msg_type === 'display_data' || m.msg_type === 'update_display_data');
}

test('kernel_info: protocol 5.3 or later, the DeepResolve implementation and its magic language', () => {
  const info = report.kernel_info;
  assert.equal(info.status, 'ok');
  const [major, minor] = String(info.protocol_version).split('.').map(Number);
  assert.ok(major > 5 || (major === 5 && minor >= 3), `protocol ${info.protocol_version}`);
  assert.equal(info.implementation, 'deepresolve');
  assert.equal(info.implementation_version, JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version);
  assert.equal(info.language_info.name, 'deepresolve-magic');
});

test('complete: magic names, the documented options, code-point cursors, the model’s layers and the labels’ classes', () => {
  assert.deepEqual(report.complete_magic.matches, ['%resolve']);
  assert.deepEqual([report.complete_magic.cursor_start, report.complete_magic.cursor_end], [0, 4]);

  const expected = documentedOptions('resolve').filter((o) => o.startsWith('--l'));
  assert.deepEqual([...expected].sort(), ['--l2', '--labels', '--layer', '--length', '--logo-seconds', '--logo-top', '--lr']);
  assert.deepEqual([...report.complete_option.matches].sort(), [...expected].sort());
  assert.deepEqual([report.complete_option.cursor_start, report.complete_option.cursor_end], ['%resolve '.length, '%resolve --l'.length]);

  // '# 🧬\n%res': the emoji is one code point, so the magic starts at 4 (5 in UTF-16 units).
  assert.deepEqual([report.complete_after_emoji.cursor_start, report.complete_after_emoji.cursor_end], [4, 8]);
  assert.deepEqual(report.complete_after_emoji.matches, ['%resolve']);

  // The example's Keras 1 architecture file names its layers; the kernel offers them after --layer.
  const arch = JSON.parse(fs.readFileSync(EXAMPLE_MODEL, 'utf8')) as { config: { config: { name: string } }[] };
  for (const layer of arch.config.map((l) => l.config.name)) assert.ok(report.complete_layer.matches.includes(layer), `--layer offers ${layer}`);
  const labels = fs.readFileSync(EXAMPLE_LABELS, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
  assert.deepEqual(report.complete_classes.matches, ['all', ...labels]);
});

test('inspect: the same help as %help; is_complete', () => {
  const inspect = report.inspect_resolve;
  assert.equal(inspect.found, true);
  const help = displays(report.help_resolve).map((m) => m.content.data['text/plain']);
  assert.deepEqual(help, [inspect.data['text/plain']]);
  assert.match(inspect.data['text/plain'], /^%resolve \[MODEL[^\]]*\] \[options\]\n/);
  for (const option of documentedOptions('resolve')) assert.ok(inspect.data['text/plain'].includes(`  ${option}`), `help lists ${option}`);
  assert.match(report.inspect_option.data['text/plain'], /^--restarts N — random restarts/);
  assert.deepEqual(report.is_complete, [{ status: 'complete' }, { status: 'invalid' }]);
});

for (const [run, after, how] of [
  ['interrupt_message', 'after_interrupt', 'interrupt_request'],
  ['interrupt_signal', 'after_signal', 'SIGINT'],
] as const) {
  test(`a long run stopped by ${how}: answered while running, one progress display, one-line error, the kernel goes on`, (t) => {
    const r = report[run] as LongRun;
    t.diagnostic(`stopped ${(r.seconds_to_stop * 1000).toFixed(0)} ms after the ${how}`);
    assert.deepEqual(r.answered_while_running, { complete: ['%features'], kernel_info: 'ok', heartbeat: true });
    const ids = new Set(displays(r).map((m) => m.content.transient?.display_id));
    assert.equal(ids.size, 1, 'progress is one display, redrawn');
    assert.ok(displays(r).some((m) => m.msg_type === 'update_display_data'));
    assert.equal(r.reply_parent, r.msg_id);
    assert.equal(r.reply.status, 'error');
    assert.equal(r.reply.ename, 'Cancelled');
    const m = /^the analysis was stopped after \d+ s \((\d+) of (\d+) pairs were done\); nothing was kept$/.exec(r.reply.evalue);
    assert.ok(m, r.reply.evalue);
    assert.ok(Number(m[1]) < Number(m[2]), 'stopped before the end');
    // The progress display is cleared; the cell's error output is the one line.
    const types = r.iopub.map((x) => x.msg_type);
    assert.deepEqual(types.slice(-3), ['clear_output', 'error', 'status']);
    assert.deepEqual(r.iopub.at(-2)!.content.traceback, [`Cancelled: ${r.reply.evalue}`]);
    assert.equal((report[after] as Execution).reply.status, 'ok');
  });
}

test('after an interrupt the next analysis runs, and the stopped one kept nothing', () => {
  const e = report.after_interrupt as Execution;
  const result = displays(e).at(-1)!;
  assert.equal(result.msg_type, 'update_display_data', 'the progress display became the result');
  assert.deepEqual(Object.keys(result.content.data).sort(), ['application/vnd.deepresolve.result+json', 'application/vnd.vegalite.v5+json', 'image/svg+xml', 'text/plain']);
  assert.equal(result.content.metadata.deepresolve.result, 'r1');
});

test('execution counts go up by one per executed cell', () => {
  const counts = ['help_resolve', 'load', 'interrupt_message', 'after_interrupt', 'interrupt_signal', 'after_signal', 'write_refused', 'write_allowed', 'write_no_stdin'].map((k) => report[k].reply.execution_count);
  assert.deepEqual(counts, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('a write outside the notebook folder is asked on the stdin channel: no writes nothing, yes writes, no stdin refuses', () => {
  const outside = (f: string) => path.join(world.dir, f);
  const refused = report.write_refused;
  assert.equal(refused.prompts.length, 1);
  assert.ok(refused.prompts[0].includes(outside('refused.json')), refused.prompts[0]);
  assert.equal(refused.reply.status, 'error');
  assert.match(refused.reply.evalue, /^\.\.\/refused\.json: .*; nothing was written \(not confirmed\)$/);
  assert.equal(fs.existsSync(outside('refused.json')), false);

  const allowed = report.write_allowed;
  assert.equal(allowed.reply.status, 'ok');
  assert.equal(allowed.prompts.length, 1);
  const written = JSON.parse(fs.readFileSync(outside('allowed.json'), 'utf8'));
  assert.equal(written.model.layer.name, 'maxpooling2d_27');
  assert.equal(written.settings.restarts, 2, 'the result of the run after the interrupt, r1');

  assert.match(report.write_no_stdin.reply.evalue, /; nothing was written \(no confirmation can be asked here\)$/);
  assert.equal(fs.existsSync(outside('unasked.json')), false);
});

test('messages with a wrong HMAC or a replayed signature are dropped', () => {
  const s = report.signatures;
  // Replies come in order: had the wrongly signed kernel_info been answered, its reply came first.
  assert.notEqual(s.bad_id, s.good_id);
  assert.equal(s.first_reply_parent, s.good_id);
  // The wrongly signed '%backend cpu' did not run: the next cell counts 10 and still shows the old backend.
  assert.equal(s.after_bad.reply.execution_count, 10);
  const shown = (e: Execution) => displays(e).map((m) => m.content.data['text/plain']);
  assert.deepEqual(shown(s.after_bad), shown(report.after_signal));
  assert.doesNotMatch(shown(s.after_bad)[0], /^Backend: cpu/);
  // The same frames sent twice are answered once.
  assert.deepEqual(s.replies, [s.replayed_id, s.fresh_id]);
});

test('shutdown_request: a reply on the control channel, then the kernel exits with code 0', () => {
  const s = report.shutdown;
  assert.deepEqual(s.reply, { status: 'ok', restart: false });
  assert.equal(s.parent, s.msg_id);
  assert.equal(s.exit_code, 0);
});
