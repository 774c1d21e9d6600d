/**
 * The one rule for names that come from files (class names from labels files, model and layer
 * names, motif names and IDs, file paths, error messages) on their way into an output that
 * something interprets: Markdown (VS Code's notebook Markdown renderer allows raw HTML), HTML, the
 * terminal, CSV opened in a spreadsheet. Vega (charts, the SVG fallback) escapes markup itself,
 * but it passes control characters through, so the views get names through `label` too
 * (renderers/data.ts `displayData`). docs/views.md, "Safety", states the rule.
 *
 * It lives in src/shared because both sides import it: the Node side (src/engine/errors.ts,
 * src/notebook, src/cli.ts) and the renderer's browser bundle (renderers/). So it imports nothing
 * and uses nothing but the language: no vscode, no node: modules, no DOM.
 */

/** Line breaks and tabs: a name is one line wherever it is shown (a break would end a table row). */
const BREAKS = /\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * Characters that are not text but act on the text around them: C0 and C1 controls (NUL makes an
 * SVG unreadable XML, ESC starts terminal and ANSI colour sequences, DEL) and Unicode's
 * bidirectional controls (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the
 * marks U+200E, U+200F, U+061C), which can make a name read backwards or hide part of it.
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** What a control character is shown as: visible, so that a reader sees that something was there. */
export const REPLACEMENT = '\ufffd';

/** Names longer than this many characters are cut, with an ellipsis, in tables, titles and labels. */
export const NAME_LIMIT = 80;

/** One visible line: breaks become spaces, every other control character U+FFFD. */
export function visible(s: string): string {
  return String(s).replace(BREAKS, ' ').replace(CONTROLS, REPLACEMENT);
}

/** Multi-line plain text (text/plain outputs, the terminal): line breaks kept as \n, other controls made visible. */
export function visibleLines(s: string): string {
  return String(s).split(/\r\n|[\n\r\u0085\u2028\u2029]/).map(visible).join('\n');
}

/** At most `max` characters (code points, so a surrogate pair is never split), the last one '…'. */
export function truncate(s: string, max = NAME_LIMIT): string {
  if (s.length <= max) return s;
  const chars = Array.from(s);
  return chars.length <= max ? s : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** A name as plain text shows it: one visible line of at most `max` characters. */
export function label(s: string, max = NAME_LIMIT): string {
  return truncate(visible(s), max);
}

const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML or XML, in element content or in a quoted attribute value. */
export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

/**
 * Every ASCII character that Markdown or HTML may read as syntax becomes a numeric character
 * reference, which CommonMark (and markdown-it, marked, GitHub) shows as the character and never
 * reads as syntax: HTML (< > & " '), links and images ([ ] ( ) !), autolinks (< :), code spans (`),
 * emphasis and strikethrough (* _ ~), table cells (|), escapes (\), and the '.', '/', ':' and '@'
 * that linkify needs to turn `evil.com`, `www.x` or `a@b.c` into links (so a `javascript:` URL can
 * never become one). Left as they are: letters, digits, spaces, non-ASCII text, ',' and '-', and a
 * '.' between two digits (no domain name ends in a digit), so numbers stay readable in the source.
 */
const MARKDOWN_SYNTAX = /[!-+/:-@[-`{-~]|(?<!\d)\.|\.(?!\d)/g;

/** Text for inline Markdown (a table cell, a heading, a sentence), not at the start of a line. */
export function escapeMarkdown(s: string): string {
  return visible(s).replace(MARKDOWN_SYNTAX, (c) => `&#${c.charCodeAt(0)};`);
}

/** A name in Markdown: one visible line of at most `max` characters, escaped. */
export function mdText(s: string, max = NAME_LIMIT): string {
  return escapeMarkdown(truncate(visible(s), max));
}

/**
 * Text for a VS Code notification or modal message (showInformationMessage and friends), which
 * renders `[text](https:…|command:…|file:…)` as a link: a file or class name shaped like that could
 * put a command link in front of the user. A word joiner (U+2060, invisible) between `]` and `(`
 * keeps VS Code's link pattern from matching; the text reads the same.
 */
export function notificationText(s: string): string {
  return visible(s).replace(/\]\(/g, ']\u2060(');
}

/**
 * One CSV cell (RFC 4180). Text starting with = + - @ (or a tab or CR) gets a leading ' so that
 * spreadsheets show it instead of running it as a formula; numbers are written as numbers.
 */
export function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One TSV cell (the IANA text/tab-separated-values rule: no tab or line break inside a field):
 * tabs and breaks become spaces and other controls U+FFFD (visible), and text starting with
 * = + - @ gets a leading ' as in csvCell, so a spreadsheet shows it instead of running it.
 */
export function tsvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = visible(String(v));
  return typeof v === 'string' && /^[=+\-@]/.test(s) ? `'${s}` : s;
}
