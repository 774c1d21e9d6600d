/**
 * Reading FASTA files one record at a time (a file of any size never sits in memory whole).
 * Hand-written because the format is a header line and sequence lines: the npm candidates read
 * indexed FASTA only (a .fai beside the file) or load whole files through multi-format converters.
 *
 * Accepted: `>ID description` headers, sequence lines of letters (any case; blanks inside are
 * ignored), blank lines anywhere, `;` comment lines before the first record (old FASTA), CRLF
 * line ends. Anything else is refused with the file, the line and the cause.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import { UserError } from './errors';

export interface FastaRecord {
  /** The first word of the header. */
  id: string;
  /** The rest of the header line. */
  description: string;
  sequence: string;
  /** 1-based line of the header. */
  line: number;
}

const LETTERS = /^[A-Za-z]*$/;

/** The records of `file`, in order. Throws a UserError naming the file for a missing, empty or malformed file. */
export async function* readFasta(file: string, shown = file): AsyncGenerator<FastaRecord> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new UserError(`${shown}: no such file`);
  }
  if (stat.isDirectory()) throw new UserError(`${shown}: is a folder, not a FASTA file`);
  const stream = fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let current: { id: string; description: string; parts: string[]; line: number } | null = null;
  let count = 0;
  let n = 0;
  const finish = (r: NonNullable<typeof current>): FastaRecord => {
    const sequence = r.parts.join('');
    if (!sequence) throw new UserError(`${shown}: line ${r.line}: record '${r.id}' has no sequence`);
    count++;
    return { id: r.id, description: r.description, sequence, line: r.line };
  };
  try {
    for await (const raw of lines) {
      n++;
      const text = raw.trim();
      if (text === '') continue;
      if (text.startsWith('>')) {
        if (current) yield finish(current);
        const header = text.slice(1).trim();
        const [id, ...rest] = header.split(/\s+/);
        if (!id) throw new UserError(`${shown}: line ${n}: a '>' header without a name`);
        current = { id, description: rest.join(' '), parts: [], line: n };
        continue;
      }
      if (!current) {
        if (text.startsWith(';')) continue;
        throw new UserError(`${shown}: line ${n}: not FASTA (a file starts with a '>' header line)`);
      }
      const letters = text.replace(/\s+/g, '');
      if (!LETTERS.test(letters)) {
        const bad = [...letters].find((c) => !/[A-Za-z]/.test(c))!;
        throw new UserError(`${shown}: line ${n}: unexpected character ${JSON.stringify(bad)} in the sequence of '${current.id}' (letters only)`);
      }
      current.parts.push(letters);
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (current) yield finish(current);
  if (count === 0) throw new UserError(`${shown}: empty FASTA file (no '>' record)`);
}
