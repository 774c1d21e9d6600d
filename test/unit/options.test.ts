import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMANDS, closest, parseCommand, toSettings, tokenize, usage } from '../../src/notebook/options';
import { DEFAULT_SETTINGS } from '../../src/engine/settings';

test('tokenize keeps quoted paths together and honours escapes', () => {
  assert.deepEqual(tokenize(`models/ctcf.h5 --classes 0-3  --labels "my labels.tsv" --as 'run 1'`), [
    'models/ctcf.h5', '--classes', '0-3', '--labels', 'my labels.tsv', '--as', 'run 1',
  ]);
  assert.deepEqual(tokenize('a\\ b "say \\"hi\\""'), ['a b', 'say "hi"']);
  assert.throws(() => tokenize('--labels "open'), /unclosed " quote/);
});

test('parseCommand reads values, --key=value and flags, and maps them onto engine settings', () => {
  const parsed = parseCommand(COMMANDS.resolve, tokenize('m.json --restarts 4 --l2=0.5 --keep-maps --backend cpu --out r.json'), 'cli');
  assert.deepEqual(parsed.args, ['m.json']);
  assert.deepEqual(parsed.options, { restarts: 4, l2: 0.5, 'keep-maps': true, backend: 'cpu', out: 'r.json' });
  const settings = toSettings(parsed.options);
  assert.equal(settings.restarts, 4);
  assert.equal(settings.l2, 0.5);
  assert.equal(settings.keepFeatureMaps, true);
  assert.equal(settings.lr, undefined, 'unset options keep the engine default');
});

test('unknown options suggest the closest one; bad values name the option', () => {
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--restart', '3'], 'cli'), /unknown option --restart for resolve \(did you mean --restarts\?\)/);
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--max-iters', '3'], 'cli'), /did you mean --max-iter\?/);
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--restarts', 'ten'], 'cli'), /--restarts expects a number, got 'ten'/);
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--restarts', '2.5'], 'cli'), /--restarts expects a whole number, got '2.5'/);
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--backend', 'wasn'], 'cli'), /--backend must be one of auto, tensorflow, wasm, cpu, got 'wasn' \(did you mean 'wasm'\?\)/);
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--layer'], 'cli'), /--layer needs a value \(L\)/);
  assert.throws(() => parseCommand(COMMANDS.resolve, [], 'cli'), /resolve needs MODEL/);
  assert.throws(() => parseCommand(COMMANDS.layers, ['a', 'b'], 'cli'), /unexpected argument 'b'/);
  // resolve takes several models (a batch).
  assert.deepEqual(parseCommand(COMMANDS.resolve, ['a', 'b', '--jobs', '2'], 'cli'), { args: ['a', 'b'], options: { jobs: 2 } });
  // Front-end specific options are refused by the other front end.
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--as', 'x'], 'cli'), /unknown option --as/);
  assert.throws(() => parseCommand(COMMANDS.resolve, ['m', '--out', 'x'], 'magic'), /unknown option --out/);
  assert.equal(closest('zzzz', ['restarts', 'layer']), undefined);
});

test('usage lists every option with the engine defaults', () => {
  const text = usage(COMMANDS.resolve, 'cli', 'deepresolve ');
  assert.match(text, /^deepresolve resolve MODEL\.\.\. \[options\]/);
  assert.match(text, new RegExp(`--restarts N +.*\\(default: ${DEFAULT_SETTINGS.restarts}\\)`));
  assert.match(text, /--l2 X +.*\(default: 2\.8\)/);
  assert.doesNotMatch(text, /--as NAME/);
  assert.match(text, /--ascent HOW/);
});
