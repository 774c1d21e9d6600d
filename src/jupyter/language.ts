/**
 * complete_request, inspect_request and is_complete_request answered from the same completion
 * and hover logic as VS Code's magic cells (src/language/complete.ts): magic names, options,
 * paths, layer, class, model and result names; a magic's usage (what %help prints) or an
 * option's help. Jupyter sends the whole cell and a cursor in code points.
 */
import { UserError } from '../engine/errors';
import { complete, hoverAt, type CompletionKind } from '../language/complete';
import { magicUsage } from '../notebook/help';
import { parseCell } from '../notebook/magics';
import type { Session } from '../notebook/session';
import { codePointOffset, utf16Offset } from './protocol';

/** The cursor's line: its text, where it starts in the cell and the cursor's offset in it (UTF-16). */
function cursorLine(code: string, cursorPos: number) {
  const cursor = utf16Offset(code, cursorPos);
  const start = code.lastIndexOf('\n', cursor - 1) + 1;
  const endAt = code.indexOf('\n', cursor);
  return { line: code.slice(start, endAt < 0 ? code.length : endAt), start, offset: cursor - start, cursor };
}

/** JupyterLab shows these type names in its completer (an icon for the known ones). */
const TYPES: Record<CompletionKind, string> = {
  magic: 'magic',
  option: 'keyword',
  value: 'keyword',
  file: 'path',
  folder: 'path',
  model: 'module',
  result: 'instance',
  layer: 'property',
  class: 'class',
};

export function completeReply(code: string, cursorPos: number, session: Session) {
  const { line, start, offset, cursor } = cursorLine(code, cursorPos);
  const prefix = line.slice(0, offset);
  // Jupyter wants one replaced range and only the candidates that fit what is typed (VS Code
  // filters on its own): each candidate is extended to start where the earliest one starts.
  const found = complete(prefix, session, session.folder);
  const from = Math.min(offset, ...found.map((c) => c.start));
  const typed = prefix.slice(from);
  const matches = found
    .map((c) => ({ text: prefix.slice(from, c.start) + c.label, kind: c.kind, detail: c.detail }))
    // `res` + Tab at the start of a line offers %resolve too.
    .filter((c) => c.text.startsWith(typed) || (c.kind === 'magic' && !typed.startsWith('%') && c.text.startsWith(`%${typed}`)));
  const cursorStart = codePointOffset(code, start + from);
  const cursorEnd = codePointOffset(code, cursor);
  return {
    status: 'ok',
    matches: matches.map((m) => m.text),
    cursor_start: cursorStart,
    cursor_end: cursorEnd,
    metadata: {
      _jupyter_types_experimental: matches.map((m) => ({ text: m.text, type: TYPES[m.kind], start: cursorStart, end: cursorEnd, signature: m.detail ?? '' })),
    },
  };
}

/** Help for the word at the cursor (a magic, an option), else for the line's magic. */
export function inspectReply(code: string, cursorPos: number) {
  const { line, offset } = cursorLine(code, cursorPos);
  const hover = hoverAt(line, offset);
  const magic = /^\s*%(\w+)/.exec(line)?.[1];
  const usage = magic ? magicUsage(magic) : undefined;
  if (hover) {
    // The hover is Markdown: the usage in a text fence, or "`--opt X` — help".
    const plain = hover.text.replace(/^```text\n/, '').replace(/\n```$/, '').replace(/`/g, '');
    return { status: 'ok', found: true, data: { 'text/plain': plain, 'text/markdown': hover.text }, metadata: {} };
  }
  if (usage) return { status: 'ok', found: true, data: { 'text/plain': usage, 'text/markdown': '```text\n' + usage + '\n```' }, metadata: {} };
  return { status: 'ok', found: false, data: {}, metadata: {} };
}

/**
 * Every magic is one line, so a cell that parses is complete; one that does not will not be
 * fixed by another line (jupyter console then runs it and shows the error).
 */
export function isCompleteReply(code: string): { status: 'complete' | 'invalid' } {
  try {
    parseCell(code);
    return { status: 'complete' };
  } catch (err) {
    if (err instanceof UserError) return { status: 'invalid' };
    throw err;
  }
}
