/**
 * Magic cells: a cell holds magic lines (`%resolve model.json --restarts 5`), comments (`# …`)
 * and blank lines. Parsing is pure (no vscode) so the unit tests and the language features share it.
 * Option parsing is the CLI's own (options.ts): one parser for both front ends.
 */
import { UserError } from '../engine/errors';
import { COMMANDS, closest, commandsFor, parseCommand, tokenize, type CommandSpec, type Parsed } from './options';

export interface MagicCall extends Parsed {
  name: string;
  /** 0-based line of the cell, for messages. */
  line: number;
  /** `%resolve?`: show the magic's help instead of running it. */
  help?: boolean;
}

/** The magics in the order %help lists them. */
export const MAGIC_NAMES = ['load_model', 'layers', 'resolve', 'summarize', 'predict', 'similarity', 'interactions', 'features', 'logos', 'motifs', 'export', 'backend', 'help'];

/**
 * The spec a magic is parsed with. `%resolve` and `%layers` take the model as an optional first
 * argument (the session's model is the default), unlike the CLI where it is required.
 */
export function magicSpec(name: string): CommandSpec | undefined {
  const spec = COMMANDS[name];
  if (!spec || !commandsFor('magic').includes(spec)) return undefined;
  if (name === 'resolve' || name === 'layers') return { ...spec, args: spec.args.map((a) => ({ ...a, optional: true })) };
  if (spec.magicArgs) return { ...spec, args: spec.magicArgs };
  return spec;
}

/** A UserError that says which line of the cell it is about (when the cell has several). */
export function lineError(message: string, line: number, lines: number): UserError {
  return new UserError(lines > 1 ? `line ${line + 1}: ${message}` : message);
}

/** Parses one magic line (starting with %). */
export function parseMagicLine(text: string, line = 0, lines = 1): MagicCall {
  const trimmed = text.trim();
  const match = /^%(\S*)(.*)$/s.exec(trimmed);
  if (!match) throw lineError(`not a magic: '${truncate(trimmed)}' (magic lines start with %, comments with #; try %help)`, line, lines);
  let name = match[1];
  const help = name.endsWith('?');
  if (help) name = name.slice(0, -1);
  if (name === '') throw lineError('a magic name must follow % (try %help)', line, lines);
  const spec = magicSpec(name);
  if (!spec) {
    const hint = closest(name, MAGIC_NAMES);
    throw lineError(`unknown magic %${name}${hint ? ` (did you mean %${hint}?)` : ''}; try %help`, line, lines);
  }
  let words: string[];
  try {
    words = tokenize(match[2]);
    if (help) return { name, line, help: true, args: [], options: {} };
    if (words.includes('--help') || words.includes('-h')) return { name, line, help: true, args: [], options: {} };
    return { name, line, ...parseCommand(spec, words, 'magic', '%') };
  } catch (err) {
    if (err instanceof UserError) throw lineError(err.message.replace(/^(\w+) needs/, '%$1 needs').replace(/^(\w+): unexpected/, '%$1: unexpected'), line, lines);
    throw err;
  }
}

/**
 * Parses a whole cell. Blank lines and `#` comments are skipped; anything that is not a magic is an
 * error that names its line. An empty cell parses to no calls.
 */
export function parseCell(text: string): MagicCall[] {
  const lines = text.split(/\r?\n/);
  const magicLines = lines.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).length;
  const calls: MagicCall[] = [];
  lines.forEach((raw, i) => {
    const t = raw.trim();
    if (t === '' || t.startsWith('#')) return;
    calls.push(parseMagicLine(t, i, magicLines > 1 ? lines.length : 1));
  });
  return calls;
}

function truncate(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** Whether a cell looks like a magic cell (for giving it the deepresolve language). */
export function isMagicCell(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return first !== undefined && first.trim().startsWith('%');
}
