/**
 * TRANSFAC matrix format, as in JASPAR's downloads: records of two-letter keyed lines
 * (AC accession, ID name, DE description, CC key:value annotations, XX spacers) ending with `//`;
 * the matrix is a `PO A C G T` (or `P0`) header followed by numbered rows of counts, optionally
 * with a consensus letter at the end of each row.
 */
import type { Motif } from './motif';
import { checkPositions, parseCount, parseError } from './parse-error';

interface Draft {
  line: number;
  ac?: string;
  id?: string;
  /** Column of each letter A, C, G, T in the rows, from the header. */
  order?: number[];
  headerLine?: number;
  counts: number[][];
  annotations: Record<string, string>;
}

export function parseTransfac(text: string, file: string): Motif[] {
  const motifs: Motif[] = [];
  let draft: Draft | null = null;
  const lines = text.split(/\r?\n/);
  const finish = (endLine: number) => {
    if (!draft) return;
    const d = draft;
    draft = null;
    const label = d.ac ?? d.id;
    if (!label) parseError(file, d.line, 'record has neither an AC nor an ID line');
    if (!d.order) parseError(file, endLine, `record ${label} has no matrix (no 'PO A C G T' header)`);
    checkPositions(d.counts, file, d.headerLine ?? d.line, `record ${label}`);
    motifs.push({
      id: d.ac ?? d.id!,
      name: d.id ?? d.ac!,
      counts: d.counts,
      source: { file, line: d.line },
      ...(Object.keys(d.annotations).length ? { annotations: d.annotations } : {}),
    });
  };
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('//')) {
      finish(lineNo);
      return;
    }
    const d: Draft = draft ?? (draft = { line: lineNo, counts: [], annotations: {} });
    const key = line.slice(0, 2);
    const rest = line.slice(2).trim();
    if (/^\d/.test(line)) {
      if (!d.order) parseError(file, lineNo, 'matrix row before the PO header');
      const tokens = line.split(/\s+/);
      const position = Number(tokens[0]);
      if (position !== d.counts.length + 1) parseError(file, lineNo, `expected position ${d.counts.length + 1}, found '${tokens[0]}'`);
      const values = tokens.slice(1);
      // A fifth value is allowed only as a consensus letter, as TRANSFAC itself writes it.
      if (values.length === 5 && /^[A-Za-z]$/.test(values[4])) values.pop();
      if (values.length !== 4) parseError(file, lineNo, `expected 4 counts after the position number, found ${values.length}`);
      const nums = values.map((t) => parseCount(t, file, lineNo));
      d.counts.push(d.order.map((col) => nums[col]));
      return;
    }
    switch (key) {
      case 'PO':
      case 'P0': {
        if (d.order) parseError(file, lineNo, 'second matrix header in one record (missing // before it?)');
        const letters = rest.toUpperCase().split(/\s+/);
        const order = ['A', 'C', 'G', 'T'].map((b) => letters.indexOf(b));
        if (letters.length !== 4 || order.some((i) => i < 0)) parseError(file, lineNo, `matrix header must list A C G T, found '${rest}'`);
        d.order = order;
        d.headerLine = lineNo;
        return;
      }
      case 'AC':
        d.ac = rest.split(/\s+/)[0];
        return;
      case 'ID':
        d.id = rest;
        return;
      case 'CC': {
        const colon = rest.indexOf(':');
        if (colon > 0) d.annotations[rest.slice(0, colon).trim()] = rest.slice(colon + 1).trim();
        return;
      }
      default:
        // Other keyed lines (XX, DE, BF, NA, BA, …) carry nothing the matching needs.
        if (/^[A-Z0-9]{2}$/.test(key) && (line.length === 2 || /\s/.test(line[2]))) return;
        parseError(file, lineNo, `not a TRANSFAC line: '${line.slice(0, 40)}'`);
    }
  });
  finish(lines.length);
  if (motifs.length === 0) parseError(file, 1, 'no TRANSFAC records found');
  return motifs;
}
