/** parseMotifs: reads a motif collection, choosing the parser from the content (then the file name). */
import { UserError } from '../errors';
import type { Motif } from './motif';
import { parseJaspar } from './parse-jaspar';
import { parseMeme } from './parse-meme';
import { parseTransfac } from './parse-transfac';

export type MotifFormat = 'transfac' | 'jaspar' | 'meme';

/** The format of a motif file from its first meaningful line, else from its extension, else null. */
export function detectMotifFormat(text: string, fileName: string): MotifFormat | null {
  const first = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  if (first !== undefined) {
    if (/^MEME version/.test(first)) return 'meme';
    if (first.startsWith('>')) return 'jaspar';
    if (/^(AC|ID|NA|XX|DE|VV|PO|P0)(\s|$)/.test(first)) return 'transfac';
  }
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1].toLowerCase();
  if (ext === 'meme') return 'meme';
  if (ext === 'jaspar' || ext === 'pfm') return 'jaspar';
  if (ext === 'transfac' || ext === 'tf') return 'transfac';
  return null;
}

export function parseMotifs(text: string, fileName: string): Motif[] {
  const format = detectMotifFormat(text, fileName);
  switch (format) {
    case 'meme':
      return parseMeme(text, fileName);
    case 'jaspar':
      return parseJaspar(text, fileName);
    case 'transfac':
      return parseTransfac(text, fileName);
    default:
      throw new UserError(`${fileName}: not a motif file this version can read (expected TRANSFAC, JASPAR or MEME minimal format)`);
  }
}
