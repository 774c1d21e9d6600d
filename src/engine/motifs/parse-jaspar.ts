/**
 * JASPAR `.jaspar` format (and the bare `.pfm` variant): a `>ID name` header, then four rows of
 * counts for A, C, G, T, written `A [ 4 19 0 … ]` or as bare numbers in that order.
 */
import type { Motif } from './motif';
import { checkPositions, parseCount, parseError } from './parse-error';

const LETTERS = ['A', 'C', 'G', 'T'];

export function parseJaspar(text: string, file: string): Motif[] {
  const motifs: Motif[] = [];
  let header: { line: number; id: string; name: string; rows: (number[] | undefined)[]; rowLines: number[]; bare: number } | null = null;
  const lines = text.split(/\r?\n/);
  const finish = () => {
    if (!header) return;
    const h = header;
    header = null;
    const missing = LETTERS.filter((_, i) => !h.rows[i]);
    if (missing.length) parseError(file, h.line, `motif ${h.id} lacks the row${missing.length > 1 ? 's' : ''} for ${missing.join(', ')}`);
    const rows = h.rows as number[][];
    const width = rows[0].length;
    rows.forEach((r, i) => {
      if (r.length !== width) parseError(file, h.rowLines[i], `motif ${h.id}: row ${LETTERS[i]} has ${r.length} counts, row A has ${width}`);
    });
    const counts = Array.from({ length: width }, (_, p) => rows.map((r) => r[p]));
    checkPositions(counts, file, h.line, `motif ${h.id}`);
    motifs.push({ id: h.id, name: h.name, counts, source: { file, line: h.line } });
  };
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('>')) {
      finish();
      const [id, ...name] = line.slice(1).trim().split(/\s+/);
      if (!id) parseError(file, lineNo, 'header without a motif ID');
      header = { line: lineNo, id, name: name.join(' ') || id, rows: [], rowLines: [], bare: 0 };
      return;
    }
    if (!header) parseError(file, lineNo, "counts before the first '>' header");
    const h = header as NonNullable<typeof header>;
    const labelled = /^([ACGTacgt])\s*\[?(.*?)\]?$/.exec(line);
    let letter: number;
    let body: string;
    if (labelled) {
      letter = LETTERS.indexOf(labelled[1].toUpperCase());
      body = labelled[2];
    } else {
      // Bare .pfm rows come in the order A, C, G, T.
      letter = h.bare++;
      body = line.replace(/^\[|\]$/g, '');
      if (letter > 3) parseError(file, lineNo, `motif ${h.id} has more than four rows`);
    }
    if (h.rows[letter]) parseError(file, lineNo, `motif ${h.id}: second row for ${LETTERS[letter]}`);
    const tokens = body.trim().split(/\s+/).filter((t) => t !== '');
    if (tokens.length === 0) parseError(file, lineNo, `motif ${h.id}: row ${LETTERS[letter]} has no counts`);
    h.rows[letter] = tokens.map((t) => parseCount(t, file, lineNo));
    h.rowLines[letter] = lineNo;
  });
  finish();
  if (motifs.length === 0) parseError(file, 1, "no JASPAR motifs found (expected '>ID name' headers)");
  return motifs;
}
