import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../../src/engine/errors';
import { detectMotifFormat, parseMotifs } from '../../src/engine/motifs';

const dir = path.join(__dirname, '..', 'fixtures', 'motifs');
const read = (name: string) => parseMotifs(fs.readFileSync(path.join(dir, name), 'utf8'), name);
const ARNT = [
  [4, 16, 0, 0],
  [19, 0, 1, 0],
  [0, 20, 0, 0],
  [0, 0, 20, 0],
  [0, 0, 0, 20],
  [0, 0, 20, 0],
];

/** Asserts that parsing fails with a UserError whose message starts with `file:line:` and contains `text`. */
function assertParseError(name: string, line: number, text: string) {
  assert.throws(
    () => read(name),
    (err: unknown) => {
      assert.ok(err instanceof UserError, `${name}: not a UserError: ${err}`);
      assert.ok(err.message.startsWith(`${name}:${line}: `), `${name}: message '${err.message}' does not name line ${line}`);
      assert.ok(err.message.includes(text), `${name}: message '${err.message}' lacks '${text}'`);
      return true;
    },
  );
}

test('TRANSFAC: JASPAR-style record with annotations, and a P0 header with another letter order and consensus column', () => {
  const motifs = read('two.transfac');
  assert.equal(motifs.length, 2);
  assert.equal(motifs[0].id, 'MA0004.1');
  assert.equal(motifs[0].name, 'Arnt');
  assert.deepEqual(motifs[0].counts, ARNT);
  assert.deepEqual(motifs[0].annotations, { tf_family: 'PAS domain factors', data_type: 'SELEX' });
  assert.deepEqual(motifs[0].source, { file: 'two.transfac', line: 1 });
  // Header 'T G C A': row '1 2 0 3' is T=1 G=2 C=0 A=3.
  assert.equal(motifs[1].id, 'M00001');
  assert.equal(motifs[1].name, 'V$MYOD_01');
  assert.deepEqual(motifs[1].counts, [
    [3, 0, 2, 1],
    [0, 6, 0, 0],
    [0, 0, 6, 0],
  ]);
  assert.equal(motifs[1].source.line, 18);
});

test('TRANSFAC: the shipped JASPAR 2024 collection reads as 879 motifs, CTCF MA0139.2 among them', () => {
  const file = path.join(__dirname, '..', '..', 'motifs', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac.txt');
  const motifs = parseMotifs(fs.readFileSync(file, 'utf8'), file);
  assert.equal(motifs.length, 879);
  const ctcf = motifs.find((m) => m.id === 'MA0139.2');
  assert.equal(ctcf?.name, 'CTCF');
  assert.equal(ctcf?.counts.length, 15);
  assert.equal(ctcf?.annotations?.tf_class, 'C2H2 zinc finger factors');
  assert.equal(new Set(motifs.map((m) => m.id)).size, 879);
});

test('JASPAR: bracketed rows and the bare .pfm variant', () => {
  const motifs = read('two.jaspar');
  assert.deepEqual(
    motifs.map((m) => [m.id, m.name, m.counts.length, m.source.line]),
    [
      ['MA0004.1', 'Arnt', 6, 1],
      ['MA0006.1', 'Ahr::Arnt', 6, 7],
    ],
  );
  assert.deepEqual(motifs[0].counts, ARNT);
  assert.deepEqual(motifs[1].counts[0], [3, 8, 2, 11]);
  assert.deepEqual(read('bare.pfm')[0].counts, ARNT);
});

test('MEME minimal: probabilities become counts with nsites (20 when absent); background and URL lines skipped', () => {
  const motifs = read('two.meme');
  assert.equal(motifs.length, 2);
  assert.equal(motifs[0].id, 'MA0004.1');
  assert.equal(motifs[0].name, 'Arnt');
  assert.equal(motifs[0].source.line, 10);
  motifs[0].counts.forEach((row, i) => row.forEach((v, b) => assert.ok(Math.abs(v - ARNT[i][b]) < 1e-9, `${i},${b}: ${v}`)));
  assert.equal(motifs[1].name, 'CRP');
  assert.deepEqual(motifs[1].counts, [
    [10, 10, 0, 0],
    [0, 0, 10, 10],
    [5, 5, 5, 5],
  ]);
});

test('format detection uses the content first, then the extension', () => {
  assert.equal(detectMotifFormat('MEME version 5\n', 'x.txt'), 'meme');
  assert.equal(detectMotifFormat('\n>MA1 X\n', 'x.txt'), 'jaspar');
  assert.equal(detectMotifFormat('AC MA1\n', 'x.meme'), 'transfac');
  assert.equal(detectMotifFormat('', 'x.jaspar'), 'jaspar');
  assert.equal(detectMotifFormat('hello\n', 'x.txt'), null);
  assert.throws(() => parseMotifs('hello\n', 'x.txt'), /x\.txt: not a motif file/);
});

test('malformed records give a UserError naming the file and the line', () => {
  assertParseError('bad-row.transfac', 5, 'expected 4 counts after the position number, found 3');
  assertParseError('bad-number.transfac', 5, "'x1' is not a number");
  assertParseError('bad-width.jaspar', 4, 'row G has 5 counts, row A has 6');
  assertParseError('bad-rows.meme', 6, 'header says w= 4 but 3 rows follow');
  assertParseError('bad-sum.meme', 6, 'probabilities sum to 1.2, not 1');
  const noMatrix = 'AC MA0005.1\nID NoMatrix\nXX\n//\n';
  assert.throws(() => parseMotifs(noMatrix, 'n.transfac'), /^UserError: n\.transfac:4: record MA0005\.1 has no matrix/);
  const outOfOrder = 'AC M1\nPO A C G T\n01 1 1 1 1\n03 1 1 1 1\n//\n';
  assert.throws(() => parseMotifs(outOfOrder, 'o.transfac'), /o\.transfac:4: expected position 2, found '03'/);
  const zero = '>M1 X\nA [0 1]\nC [0 1]\nG [0 1]\nT [0 1]\n';
  assert.throws(() => parseMotifs(zero, 'z.jaspar'), /z\.jaspar:1: motif M1: position 1 has no counts/);
  const missingRow = '>M1 X\nA [1 1]\nC [1 1]\nG [1 1]\n>M2 Y\n';
  assert.throws(() => parseMotifs(missingRow, 'm.jaspar'), /m\.jaspar:1: motif M1 lacks the row for T/);
  assert.throws(() => parseMotifs('MEME version 4\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n', 'p.meme'), /p\.meme:2: alphabet 'ACDEFGHIKLMNPQRSTVWY' is not DNA/);
});
