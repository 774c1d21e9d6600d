import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { checkWrite, isBelow, outsideText, realLocation } from '../../src/notebook/write-scope';

/**
 * A real tree in a temporary folder (realpath'd: the system's tmpdir may itself be a link):
 *   ws/ (the workspace: data/, in.json, out-link -> ../outside, file-link -> ../outside/target.json,
 *        back-link -> ws/data)
 *   ws2/  (a sibling whose name starts with "ws")
 *   outside/target.json
 *   WS-upper/ (differs from a missing ws-upper/ only by case)
 */
function tree() {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'write-scope-')));
  const ws = path.join(base, 'ws');
  fs.mkdirSync(path.join(ws, 'data'), { recursive: true });
  fs.mkdirSync(path.join(base, 'ws2'));
  fs.mkdirSync(path.join(base, 'outside'));
  fs.mkdirSync(path.join(base, 'WS-upper'));
  fs.writeFileSync(path.join(ws, 'in.json'), '{}');
  fs.writeFileSync(path.join(base, 'outside', 'target.json'), '{}');
  fs.symlinkSync(path.join(base, 'outside'), path.join(ws, 'out-link'));
  fs.symlinkSync(path.join(base, 'outside', 'target.json'), path.join(ws, 'file-link.json'));
  fs.symlinkSync(path.join(ws, 'data'), path.join(ws, 'back-link'));
  fs.symlinkSync(path.join(base, 'nowhere'), path.join(ws, 'dangling'));
  return { base, ws };
}

describe('write scope: inside or outside the workspace', () => {
  const { base, ws } = tree();
  after(() => fs.rmSync(base, { recursive: true, force: true }));
  const inside = (p: string, folders = [ws]) => checkWrite(p, folders).inside;

  test('files in the folder and in folders still to be made are inside', () => {
    assert.equal(inside(path.join(ws, 'in.json')), true);
    assert.equal(inside(path.join(ws, 'new.json')), true);
    assert.equal(inside(path.join(ws, 'data', 'a', 'b', 'c.csv')), true);
    assert.equal(inside(ws), true);
  });

  test('.. out of the folder is outside; .. that comes back in is inside', () => {
    assert.equal(inside(path.join(ws, '..', 'outside.json')), false);
    assert.equal(inside(path.join(ws, 'data', '..', '..', 'x.json')), false);
    assert.equal(inside(path.join(ws, 'data', '..', 'x.json')), true);
    assert.equal(inside(path.join(ws, '..', 'ws', 'x.json')), true);
  });

  test('absolute paths elsewhere are outside', () => {
    assert.equal(inside(path.join(base, 'outside', 'x.json')), false);
    assert.equal(inside(path.join(os.homedir(), '.bashrc.json')), false);
    assert.equal(inside('/x.json'), false);
  });

  test('a sibling folder with the same prefix (ws2 next to ws) is outside', () => {
    assert.equal(inside(path.join(base, 'ws2', 'x.json')), false);
    assert.equal(inside(path.join(base, 'ws2')), false);
    assert.equal(inside(`${ws}2${path.sep}x.json`), false);
    // A name inside that merely starts with dots is inside.
    assert.equal(inside(path.join(ws, '..hidden.json')), true);
  });

  test('a link in the workspace to a folder outside leads outside, and the real place is named', () => {
    const file = path.join(ws, 'out-link', 'x.json');
    const check = checkWrite(file, [ws]);
    assert.equal(check.inside, false);
    assert.equal(check.real, path.join(base, 'outside', 'x.json'));
    assert.equal(outsideText(file, check, [ws]), `${file} (a link to ${path.join(base, 'outside', 'x.json')}) is outside the workspace folder ${ws}`);
    // Missing folders below the link do not hide it.
    assert.equal(inside(path.join(ws, 'out-link', 'new', 'x.json')), false);
  });

  test('an existing file that is a link out of the workspace is outside (a write goes through the link)', () => {
    const check = checkWrite(path.join(ws, 'file-link.json'), [ws]);
    assert.equal(check.inside, false);
    assert.equal(check.real, path.join(base, 'outside', 'target.json'));
  });

  test('a link that stays inside is inside', () => {
    assert.equal(inside(path.join(ws, 'back-link', 'x.json')), true);
  });

  test('a dangling link cannot be resolved, so it counts as outside', () => {
    const check = checkWrite(path.join(ws, 'dangling', 'x.json'), [ws]);
    assert.deepEqual(check, { inside: false });
    assert.match(outsideText('dangling/x.json', check, [ws]), /where it leads cannot be resolved/);
  });

  test('a workspace folder reached through a link: writes below its real place are inside', () => {
    const link = path.join(base, 'ws-link');
    fs.symlinkSync(ws, link);
    assert.equal(inside(path.join(ws, 'x.json'), [link]), true);
    assert.equal(inside(path.join(link, 'x.json'), [ws]), true);
    assert.equal(inside(path.join(link, '..', 'x.json'), [ws]), false);
  });

  test('several folders: inside any of them is inside', () => {
    assert.equal(inside(path.join(base, 'ws2', 'x.json'), [ws, path.join(base, 'ws2')]), true);
    assert.equal(inside(path.join(base, 'outside', 'x.json'), [ws, path.join(base, 'ws2')]), false);
    assert.equal(inside(path.join(ws, 'x.json'), []), false);
  });

  test('names are compared exactly where the file system tells case apart (Linux)', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
    // ws-upper does not exist; WS-upper does: different folders on Linux.
    assert.equal(inside(path.join(base, 'ws-upper', 'x.json'), [path.join(base, 'WS-upper')]), false);
    assert.equal(inside(path.join(base, 'WS-upper', 'x.json'), [path.join(base, 'WS-upper')]), true);
    fs.mkdirSync(path.join(base, 'ws-upper'));
    assert.equal(inside(path.join(base, 'ws-upper', 'x.json'), [path.join(base, 'WS-upper')]), false);
  });

  test('realLocation keeps the missing part and resolves the existing part', () => {
    assert.equal(realLocation(path.join(ws, 'out-link', 'a', 'b.json')), path.join(base, 'outside', 'a', 'b.json'));
    assert.equal(realLocation(path.join(ws, 'in.json', 'x.json')), path.join(ws, 'in.json', 'x.json'));
  });

  test('isBelow is about path parts, not string prefixes', () => {
    assert.equal(isBelow('/ws/a', '/ws'), true);
    assert.equal(isBelow('/ws', '/ws'), true);
    assert.equal(isBelow('/ws2/a', '/ws'), false);
    assert.equal(isBelow('/w', '/ws'), false);
    assert.equal(isBelow('/', '/ws'), false);
    assert.equal(isBelow('/ws/..a', '/ws'), true);
  });
});
