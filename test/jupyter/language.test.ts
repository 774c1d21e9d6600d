/**
 * complete/inspect/is_complete replies on their own (src/jupyter/language.ts): whole cells with
 * the cursor anywhere, one replaced range, only candidates that fit what is typed, paths in the
 * notebook's folder, help for the line's magic when the cursor is on an argument. Expected
 * options come from docs/magics.md, not from the option table.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { completeReply, inspectReply, isCompleteReply } from '../../src/jupyter/language';
import { magicUsage } from '../../src/notebook/help';
import { Session } from '../../src/notebook/session';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-language-'));
fs.mkdirSync(path.join(folder, 'models'));
fs.writeFileSync(path.join(folder, 'models', 'ctcf.h5'), '');
fs.writeFileSync(path.join(folder, 'notes.txt'), '');
const session = new Session(folder);
const ROOT = path.resolve(__dirname, '../..');

/** The options documented for %resolve (the table under its heading in docs/magics.md). */
function documented(): string[] {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/magics.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### `%resolve ')).split(/\n### /)[0];
  return [...section.matchAll(/^\| `(--[\w-]+)/gm)].map((m) => m[1]);
}

test('an option on the second line of a cell: the range starts at the typed word', () => {
  const code = '%load_model models/ctcf.h5\n%resolve --re';
  const r = completeReply(code, [...code].length, session);
  assert.deepEqual(r.matches, documented().filter((o) => o.startsWith('--re')));
  assert.equal(r.cursor_start, code.indexOf('--re'));
  assert.equal(r.cursor_end, code.length);
});

test('a magic name with or without the %', () => {
  assert.deepEqual(completeReply('%fe', 3, session).matches, ['%features']);
  const bare = completeReply('fe', 2, session);
  assert.deepEqual([bare.matches, bare.cursor_start], [['%features'], 0]);
  assert.deepEqual(completeReply('%zz', 3, session).matches, []);
});

test('paths are the notebook folder’s, filtered by what the magic opens', () => {
  assert.deepEqual(completeReply('%load_model ', 12, session).matches, ['models/']);
  const inside = completeReply('%load_model models/', 19, session);
  assert.deepEqual([inside.matches, inside.cursor_start], [['models/ctcf.h5'], 12]);
});

test('inspect: the word at the cursor, else the line’s magic; nothing outside a magic', () => {
  const line = '%resolve models/ctcf.h5 --restarts 3';
  const onOption = inspectReply(line, line.indexOf('--restarts') + 3);
  assert.match(onOption.data['text/plain' as keyof typeof onOption.data] as string, /^--restarts N — /);
  const onArgument = inspectReply(line, line.indexOf('ctcf'));
  assert.equal(onArgument.found, true);
  // What %help resolve prints.
  assert.equal(onArgument.data['text/plain' as keyof typeof onArgument.data], magicUsage('resolve'));
  assert.deepEqual(inspectReply('# a comment', 3), { status: 'ok', found: false, data: {}, metadata: {} });
});

test('is_complete: cells that parse are complete, the rest invalid', () => {
  assert.deepEqual(isCompleteReply(''), { status: 'complete' });
  assert.deepEqual(isCompleteReply('# only a comment\n%help'), { status: 'complete' });
  assert.deepEqual(isCompleteReply('import numpy'), { status: 'invalid' });
  assert.deepEqual(isCompleteReply('%resolve "a b'), { status: 'invalid' });
});
