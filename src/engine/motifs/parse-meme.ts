/**
 * MEME minimal motif format: `MEME version N`, optional ALPHABET / strands / background lines, then
 * per motif `MOTIF id [alt name]` and a `letter-probability matrix: alength= 4 w= W nsites= N` block
 * of W rows of A, C, G, T probabilities. Counts are probabilities × nsites (20 when not given, as
 * MEME's tools assume), so the pseudocount weighs the same as for a 20-site count matrix.
 */
import type { Motif } from './motif';
import { checkPositions, parseCount, parseError } from './parse-error';

const DEFAULT_SITES = 20;
/** Rows of a probability matrix may be rounded; anything further from 1 is not probabilities. */
const ROW_SUM_TOLERANCE = 0.1;

interface Draft {
  line: number;
  id: string;
  name: string;
  matrixLine?: number;
  width?: number;
  sites: number;
  rows: number[][];
}

export function parseMeme(text: string, file: string): Motif[] {
  const lines = text.split(/\r?\n/);
  const motifs: Motif[] = [];
  let sawVersion = false;
  let draft: Draft | null = null;
  /** What the numeric lines that follow belong to. */
  let mode: 'none' | 'background' | 'probabilities' | 'skip' | 'alphabet' = 'none';
  const finish = () => {
    if (!draft) return;
    const d = draft;
    draft = null;
    if (d.matrixLine === undefined) parseError(file, d.line, `motif ${d.id} has no letter-probability matrix`);
    if (d.width !== undefined && d.rows.length !== d.width)
      parseError(file, d.matrixLine, `motif ${d.id}: header says w= ${d.width} but ${d.rows.length} rows follow`);
    const counts = d.rows.map((r) => r.map((p) => p * d.sites));
    checkPositions(counts, file, d.matrixLine, `motif ${d.id}`);
    motifs.push({ id: d.id, name: d.name, counts, source: { file, line: d.line } });
  };
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (mode === 'alphabet') {
      if (/^END ALPHABET/i.test(line)) mode = 'none';
      return;
    }
    if (line === '' || line.startsWith('#')) {
      if (mode === 'background') mode = 'none';
      return;
    }
    if (!sawVersion) {
      if (!/^MEME version\s+\S+/.test(line)) parseError(file, lineNo, "MEME motif file must start with 'MEME version'");
      sawVersion = true;
      return;
    }
    if (/^ALPHABET\s*=/.test(line)) {
      const alphabet = line.split('=')[1].trim().toUpperCase();
      if (alphabet !== 'ACGT') parseError(file, lineNo, `alphabet '${alphabet}' is not DNA (ACGT)`);
      return;
    }
    if (/^ALPHABET\b/.test(line)) {
      // A custom alphabet definition block; only DNA makes sense for these models.
      if (!/DNA/i.test(line)) parseError(file, lineNo, 'custom alphabet is not DNA');
      mode = 'alphabet';
      return;
    }
    if (/^strands:/.test(line) || /^URL\b/.test(line)) return;
    if (/^Background letter frequencies/i.test(line)) {
      mode = 'background';
      return;
    }
    if (/^MOTIF\b/.test(line)) {
      finish();
      const [, id, ...alt] = line.split(/\s+/);
      if (!id) parseError(file, lineNo, 'MOTIF line without an identifier');
      draft = { line: lineNo, id, name: alt.join(' ') || id, sites: DEFAULT_SITES, rows: [] };
      mode = 'none';
      return;
    }
    if (/^letter-probability matrix/i.test(line)) {
      if (!draft) parseError(file, lineNo, 'letter-probability matrix outside a MOTIF');
      const d = draft as Draft;
      if (d.matrixLine !== undefined) parseError(file, lineNo, `motif ${d.id} has a second letter-probability matrix`);
      const field = (name: string) => {
        const m = new RegExp(`${name}\\s*=\\s*(\\S+)`).exec(line);
        return m ? parseCount(m[1], file, lineNo) : undefined;
      };
      const alength = field('alength');
      if (alength !== undefined && alength !== 4) parseError(file, lineNo, `alength= ${alength}: only DNA (4 letters) is supported`);
      d.width = field('w');
      const sites = field('nsites');
      if (sites !== undefined && sites > 0) d.sites = sites;
      d.matrixLine = lineNo;
      mode = 'probabilities';
      return;
    }
    if (/^log-odds matrix/i.test(line)) {
      mode = 'skip';
      return;
    }
    const numeric = /^[-+\d.]/.test(line);
    if (numeric && (mode === 'background' || mode === 'skip')) return;
    if (mode === 'background' && /^[A-Za-z]\s+[\d.]/.test(line)) return;
    if (numeric && mode === 'probabilities') {
      const d = draft as Draft;
      if (d.width !== undefined && d.rows.length >= d.width) parseError(file, lineNo, `motif ${d.id}: more rows than w= ${d.width}`);
      const values = line.split(/\s+/);
      if (values.length !== 4) parseError(file, lineNo, `motif ${d.id}: expected 4 probabilities, found ${values.length}`);
      const row = values.map((t) => parseCount(t, file, lineNo));
      const sum = row.reduce((a, b) => a + b, 0);
      if (Math.abs(sum - 1) > ROW_SUM_TOLERANCE) parseError(file, lineNo, `motif ${d.id}: probabilities sum to ${sum}, not 1`);
      d.rows.push(row);
      return;
    }
    parseError(file, lineNo, `unexpected line in MEME file: '${line.slice(0, 40)}'`);
  });
  finish();
  if (!sawVersion) parseError(file, 1, "empty file (expected 'MEME version')");
  if (motifs.length === 0) parseError(file, 1, 'no MOTIF entries found');
  return motifs;
}
