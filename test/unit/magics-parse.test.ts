import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UserError } from '../../src/engine/errors';
import { isMagicCell, parseCell, parseMagicLine } from '../../src/notebook/magics';
import { helpIndex, magicUsage } from '../../src/notebook/help';
import { COMMANDS, commandsFor } from '../../src/notebook/options';

describe('magic cell parsing', () => {
  test('several magic lines, comments and blank lines', () => {
    const calls = parseCell('# load it\n%load_model models/ctcf.h5 --as ctcf\n\n  %resolve ctcf --classes 0-3 --restarts 10 --l2 2.5\n# done\n');
    assert.deepEqual(
      calls.map((c) => [c.name, c.line, c.args, c.options]),
      [
        ['load_model', 1, ['models/ctcf.h5'], { as: 'ctcf' }],
        ['resolve', 3, ['ctcf'], { classes: '0-3', restarts: 10, l2: 2.5 }],
      ],
    );
  });

  test('an empty or comment-only cell has no calls', () => {
    assert.deepEqual(parseCell(''), []);
    assert.deepEqual(parseCell('# nothing\n\n'), []);
  });

  test('%resolve and %layers take the model as an optional argument (CLI: required)', () => {
    assert.deepEqual(parseMagicLine('%resolve --restarts 3').args, []);
    assert.deepEqual(parseMagicLine('%layers').args, []);
    assert.equal(COMMANDS.resolve.args[0].optional, undefined, 'the shared CLI spec is unchanged');
  });

  test('quoted paths keep their spaces', () => {
    assert.deepEqual(parseMagicLine('%load_model "my models/a.json" --as a').args, ['my models/a.json']);
  });

  test('a line that is not a magic is an error naming the line', () => {
    assert.throws(() => parseCell('%help\nprint(1)'), (e: Error) => e instanceof UserError && e.message === "line 2: not a magic: 'print(1)' (magic lines start with %, comments with #; try %help)");
    assert.throws(() => parseCell('x = 1'), { message: "not a magic: 'x = 1' (magic lines start with %, comments with #; try %help)" });
  });

  test('unknown magics and options suggest the closest name', () => {
    assert.throws(() => parseMagicLine('%resolv m.json'), { message: 'unknown magic %resolv (did you mean %resolve?); try %help' });
    assert.throws(() => parseMagicLine('%resolve m.json --restart 4'), { message: 'unknown option --restart for %resolve (did you mean --restarts?)' });
    // The CLI's --out is not a magic option; the nearest magic option is --output (the model output analysed).
    assert.throws(() => parseMagicLine('%resolve m.json --out r.json'), { message: 'unknown option --out for %resolve (did you mean --output?)' });
  });

  test('bad values and missing arguments are one-line errors', () => {
    assert.throws(() => parseMagicLine('%resolve --restarts many'), { message: "--restarts expects a number, got 'many'" });
    assert.throws(() => parseMagicLine('%load_model'), { message: '%load_model needs PATH' });
    assert.throws(() => parseMagicLine('%interactions'), { message: '%interactions needs CLASS' });
    assert.throws(() => parseMagicLine('%similarity a b'), { message: "%similarity: unexpected argument 'b'" });
    assert.throws(() => parseMagicLine('%resolve "open'), { message: 'unclosed " quote' });
  });

  test('%resolve? and --help ask for help', () => {
    assert.deepEqual(parseMagicLine('%resolve?'), { name: 'resolve', line: 0, help: true, args: [], options: {} });
    assert.equal(parseMagicLine('%features --help').help, true);
  });

  test('magic-only commands stay out of the CLI', () => {
    const cli = commandsFor('cli').map((c) => c.name);
    assert.deepEqual(cli, ['resolve', 'summarize', 'predict', 'layers', 'kernel']);
    assert.equal(commandsFor('magic').length, 13);
    assert.ok(!commandsFor('magic').some((c) => c.name === 'kernel'), 'the Jupyter kernel command is no magic');
  });

  test('help lists every magic and shows magic options only', () => {
    const index = helpIndex();
    for (const n of ['load_model', 'layers', 'resolve', 'summarize', 'predict', 'similarity', 'interactions', 'features', 'logos', 'motifs', 'export', 'backend', 'help']) assert.ok(index.includes(`%${n} `), n);
    const u = magicUsage('resolve')!;
    assert.ok(u.startsWith('%resolve [MODEL...] [options]'));
    assert.ok(u.includes('--as NAME'));
    assert.ok(!/--out\b(?!put|-dir)/.test(u), 'CLI-only option hidden');
    assert.equal(magicUsage('nope'), undefined);
    // %predict takes the FASTA first and the model optionally (the CLI: MODEL --fasta FILE).
    const p = magicUsage('predict')!;
    assert.ok(p.startsWith('%predict FASTA [MODEL] [options]'), p);
    assert.ok(!p.includes('--fasta') && p.includes('--out FILE'));
    assert.deepEqual(parseMagicLine('%predict seqs.fa m --out s.tsv'), { name: 'predict', line: 0, args: ['seqs.fa', 'm'], options: { out: 's.tsv' } });
    assert.throws(() => parseMagicLine('%predict'), { message: '%predict needs FASTA' });
  });

  test('isMagicCell looks at the first line that is not a comment', () => {
    assert.equal(isMagicCell('# c\n%resolve'), true);
    assert.equal(isMagicCell('import os'), false);
    assert.equal(isMagicCell(''), false);
  });
});
