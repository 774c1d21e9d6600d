/**
 * Checks of an output item by what reads it (test/unit/escaping.test.ts): Markdown rendered by
 * markdown-it with raw HTML and linkify on (as VS Code's notebook Markdown renderer) and its HTML
 * parsed; SVG parsed as XML; Vega-Lite specs walked, and compiled to Vega, for names in
 * expressions, href, usermeta and non-data URLs; plain text for control characters.
 */
import MarkdownIt from 'markdown-it';
import { DomUtils, parseDocument } from 'htmlparser2';
import { RESULT_MIME, unpackView } from '../../renderers/pack';
import { CONTROL_CHARACTERS, HOSTILE_MARKERS, LONG_NAME } from './hostile';

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

// VS Code's notebook Markdown renderer is markdown-it with raw HTML and linkify on: the most permissive reader.
export const markdown = new MarkdownIt({ html: true, linkify: true });

type Node = ReturnType<typeof parseDocument>['children'][number];
export interface El {
  name: string;
  attribs: Record<string, string>;
  text: string;
  /** Names of the enclosing elements, outermost first. */
  ancestors: string[];
}

export function elements(markup: string, xmlMode = false): { els: El[]; text: string } {
  const doc = parseDocument(markup, { xmlMode, decodeEntities: true });
  const els: El[] = [];
  const walk = (nodes: Node[], ancestors: string[]) => {
    for (const n of nodes) {
      const name = 'attribs' in n ? n.name.toLowerCase() : undefined;
      if (name && 'attribs' in n) els.push({ name, attribs: n.attribs, text: DomUtils.textContent(n), ancestors });
      if ('children' in n) walk(n.children as Node[], name ? [...ancestors, name] : ancestors);
    }
  };
  walk(doc.children, []);
  return { els, text: DomUtils.textContent(doc) };
}

/** What a name shows as (independent of src/shared/escape.ts): controls as U+FFFD, one line, 80 characters at most. */
export function shown(name: string): string {
  const one = name.replace(/\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g, ' ').replace(new RegExp(CONTROL_CHARACTERS.source, 'g'), '\ufffd');
  const chars = Array.from(one);
  return chars.length > 80 ? `${chars.slice(0, 79).join('')}…` : one;
}

/** The problems of one output item, by what reads it; [] when it is safe. */
export function problems(mime: string, value: unknown, where: string, allowHeading = false): string[] {
  const out: string[] = [];
  const bad = (what: string) => out.push(`${where} (${mime}): ${what}`);
  if (mime === 'text/markdown') {
    const html = markdown.render(String(value));
    const { els, text } = elements(html);
    // Only the elements our own Markdown makes: tables, paragraphs, bold titles, code for option
    // names (and a notebook's heading). Names sit in cells and titles, so bold or code inside a
    // cell, a title or a heading was made by a name.
    const allowed = new Set(['table', 'thead', 'tbody', 'tr', 'th', 'td', 'p', 'strong', 'code', ...(allowHeading ? ['h1'] : [])]);
    for (const e of els) {
      if (!allowed.has(e.name)) bad(`<${e.name}> element: ${html.slice(0, 300)}`);
      for (const [k, v] of Object.entries(e.attribs)) bad(`attribute ${k}="${v}" on <${e.name}>`);
      if ((e.name === 'strong' || e.name === 'code') && e.ancestors.some((a) => /^(td|th|strong|code|h1)$/.test(a))) bad(`<${e.name}> made by a name: ${e.text}`);
    }
    if (CONTROL_CHARACTERS.test(text)) bad('a control character in the text');
    if (text.includes(LONG_NAME.slice(0, 81))) bad('a name longer than 80 characters');
  } else if (mime === 'image/svg+xml') {
    const svg = String(value);
    if (CONTROL_CHARACTERS.test(svg)) bad('a control character (not well-formed XML, or a bidi override)');
    const { els } = elements(svg, true);
    if (els[0]?.name !== 'svg') bad('not an SVG document');
    for (const e of els) {
      if (/^(script|foreignobject|iframe|object|embed|a|use|animate|set|handler)$/.test(e.name)) bad(`<${e.name}> element`);
      for (const [k, v] of Object.entries(e.attribs)) {
        if (/^on/i.test(k)) bad(`event attribute ${k}`);
        if (/(^|:)href$/i.test(k) && !/^data:image\/(png|svg\+xml);base64,/.test(v)) bad(`${k}="${v.slice(0, 60)}"`);
      }
    }
    // As text, `javascript:` is harmless (the href check above covers links); markup must be escaped.
    for (const m of ['<script', '<img', '<svg onload', '<a ']) if (svg.toLowerCase().includes(m)) bad(`raw '${m}' in the SVG source`);
  } else if (mime === VEGALITE_MIME) {
    out.push(...specProblems(value, `${where} (${mime})`));
  } else if (mime === RESULT_MIME) {
    // Data for our renderer (test/renderer/hostile.test.ts draws it); it must still decode.
    try {
      unpackView(value);
    } catch (e) {
      bad(`payload does not decode: ${(e as Error).message}`);
    }
  } else if (mime.startsWith('text/')) {
    const text = String(value);
    if (CONTROL_CHARACTERS.test(text.replace(/\n/g, ''))) bad(`a control character: ${JSON.stringify(text.match(new RegExp(`.{0,20}${CONTROL_CHARACTERS.source}.{0,20}`))?.[0])}`);
    if (text.includes(LONG_NAME.slice(0, 81))) bad('a name longer than 80 characters');
  } else bad('an output type this test does not know');
  return out;
}

/** Keys whose strings Vega-Lite or Vega read as expressions. */
const EXPRESSION_KEYS = new Set(['expr', 'labelExpr', 'test', 'calculate', 'update', 'signal', 'filter', 'as']);

/** A Vega-Lite spec: names only in data, titles and param values; no href, no usermeta, images only from data: URLs. */
export function specProblems(spec: unknown, where: string): string[] {
  const out: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (typeof v === 'string') {
      if (CONTROL_CHARACTERS.test(v)) out.push(`${where}: control character at ${at}`);
      return;
    }
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'href' || k === 'usermeta' || k === 'embedOptions') out.push(`${where}: '${k}' at ${at}`);
      if (k === 'url' && typeof x === 'string' && !/^data:image\/(png|svg\+xml);base64,/.test(x)) out.push(`${where}: url ${x.slice(0, 40)} at ${at}`);
      if (EXPRESSION_KEYS.has(k) && typeof x === 'string' && HOSTILE_MARKERS.some((m) => x.includes(m))) out.push(`${where}: a name in the expression ${at}.${k}: ${x.slice(0, 80)}`);
      walk(x, `${at}.${k}`);
    }
  };
  walk(spec, '$');
  return out;
}

/** The same for the Vega spec Vega-Lite compiles (it writes expressions of its own, e.g. for sorts). */
export async function compiledProblems(spec: object, where: string): Promise<string[]> {
  const vl = await import('vega-lite');
  const vega = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  const out: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (EXPRESSION_KEYS.has(k) && typeof x === 'string' && HOSTILE_MARKERS.some((m) => x.includes(m))) out.push(`${where}: a name in the compiled expression ${at}.${k}: ${x.slice(0, 100)}`);
      if (k === 'href') out.push(`${where}: href channel at ${at}`);
      walk(x, `${at}.${k}`);
    }
  };
  walk(vega, '$');
  return out;
}
