import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { UserError } from '../../src/engine/errors';
import type { Results } from '../../src/engine/results';
import { parseMagicLine } from '../../src/notebook/magics';
import { runMagic, type RunContext } from '../../src/notebook/run-magic';
import { Session } from '../../src/notebook/session';

/** %export needs only a stored result; the worker is never asked. */
const RESULTS = { schemaVersion: '1.0', model: { name: 'tiny' }, classes: [], features: [] } as unknown as Results;
const client: RunContext['client'] = {
  run: () => {
    throw new Error('%export must not use the worker');
  },
};

const bases: string[] = [];
after(() => bases.forEach((b) => fs.rmSync(b, { recursive: true, force: true })));

/** base/ws/notebooks (the notebook's folder), base/outside, ws/out-link -> base/outside. */
function setup() {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'export-scope-')));
  bases.push(base);
  const ws = path.join(base, 'ws');
  const nbDir = path.join(ws, 'notebooks');
  fs.mkdirSync(nbDir, { recursive: true });
  fs.mkdirSync(path.join(base, 'outside'));
  fs.symlinkSync(path.join(base, 'outside'), path.join(ws, 'out-link'));
  const session = new Session(nbDir);
  session.addResult(RESULTS, 'r1');
  const asked: { file: string; why: string }[] = [];
  const ctx = (answer?: boolean, folders?: string[]): RunContext => ({
    session,
    client,
    defaults: {},
    writeFolders: folders,
    confirmWrite: answer === undefined ? undefined : async (file, why) => (asked.push({ file, why }), answer),
  });
  return { base, ws, nbDir, ctx, asked };
}

const run = (line: string, ctx: RunContext) => runMagic(parseMagicLine(line), ctx);

describe('%export stays inside the workspace unless the user confirms', () => {
  test('inside the notebook folder: written, nobody asked', async () => {
    const { nbDir, ctx, asked } = setup();
    await run('%export sub/r.json', ctx(false));
    assert.equal(JSON.parse(fs.readFileSync(path.join(nbDir, 'sub', 'r.json'), 'utf8')).model.name, 'tiny', 'the result was written there');
    assert.equal(asked.length, 0);
  });

  test('../outside.json with nobody to ask: refused in one line naming the path, nothing written', async () => {
    const { ws, nbDir, ctx } = setup();
    const target = path.join(ws, 'outside.json');
    await assert.rejects(run('%export ../outside.json', ctx()), (err: unknown) => {
      assert.ok(err instanceof UserError);
      assert.equal(err.message, `../outside.json: ${target} is outside the workspace folder ${nbDir}; nothing was written (no confirmation can be asked here)`);
      return true;
    });
    assert.equal(fs.existsSync(target), false);
  });

  test('the user says no: nothing written; the question named the file and why', async () => {
    const { ws, nbDir, ctx, asked } = setup();
    const target = path.join(ws, 'outside.json');
    await assert.rejects(run('%export ../outside.json', ctx(false)), { message: `../outside.json: ${target} is outside the workspace folder ${nbDir}; nothing was written (not confirmed)` });
    assert.deepEqual(asked, [{ file: target, why: `${target} is outside the workspace folder ${nbDir}` }]);
    assert.equal(fs.existsSync(target), false);
  });

  test('the user says yes: written there', async () => {
    const { base, ctx, asked } = setup();
    await run('%export ../../outside/r.json', ctx(true));
    assert.equal(asked.length, 1);
    assert.equal(JSON.parse(fs.readFileSync(path.join(base, 'outside', 'r.json'), 'utf8')).model.name, 'tiny', 'the result was written there');
  });

  test('the workspace folders count, not only the notebook folder', async () => {
    const { ws, ctx, asked } = setup();
    await run('%export ../r.json', ctx(false, [ws]));
    assert.equal(asked.length, 0);
    assert.ok(fs.existsSync(path.join(ws, 'r.json')));
  });

  test('a link in the workspace that leads outside is asked about, naming where it leads', async () => {
    const { base, ws, ctx, asked } = setup();
    await assert.rejects(run('%export ../out-link/r.json', ctx(false, [ws])), { message: /out-link\/r\.json \(a link to .*outside\/r\.json\) is outside the workspace folder/ });
    assert.equal(asked.length, 1);
    assert.equal(fs.existsSync(path.join(base, 'outside', 'r.json')), false);
  });

  test("the .npz beside the JSON is a write too: a link there that leads outside is asked about, and nothing is written on no", async () => {
    const { base, nbDir, ctx, asked } = setup();
    const victim = path.join(base, 'outside', 'victim.npz');
    fs.writeFileSync(victim, 'keep me');
    fs.symlinkSync(victim, path.join(nbDir, 'r.npz'));
    await assert.rejects(run('%export r.json', ctx(false)), { message: /^r\.json: .*r\.npz \(a link to .*outside\/victim\.npz\) is outside the workspace folder .*; nothing was written \(not confirmed\)$/ });
    assert.equal(asked.length, 1);
    assert.match(asked[0].file, /r\.npz$/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'keep me');
    assert.equal(fs.existsSync(path.join(nbDir, 'r.json')), false, 'the JSON is not written either');
  });

  test('a bad extension is reported before anyone is asked', async () => {
    const { ctx, asked } = setup();
    await assert.rejects(run('%export ../x.txt', ctx(true)), { message: "%export writes .json (full results) or .csv (OFIV matrix), not '.txt'" });
    assert.equal(asked.length, 0);
  });
});
