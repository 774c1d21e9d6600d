/**
 * Completions for magic lines, as plain data (no vscode): magic names, option names per magic,
 * values (layers of loaded models after --layer, class names after --classes when a labels file
 * named them, backends), session names (models, results) and file paths.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKENDS } from '../engine/backend-names';
import { parseLabels } from '../engine/labels';
import { magicUsage } from '../notebook/help';
import { MAGIC_NAMES, magicSpec } from '../notebook/magics';
import type { OptionSpec } from '../notebook/options';
import type { Session } from '../notebook/session';

export type CompletionKind = 'magic' | 'option' | 'value' | 'file' | 'folder' | 'model' | 'result' | 'layer' | 'class';

export interface Completion {
  label: string;
  kind: CompletionKind;
  detail?: string;
  documentation?: string;
  /** Offset in the line where the replaced word starts. */
  start: number;
  /** Re-trigger suggestions after inserting (folders). */
  retrigger?: boolean;
}

const MODEL_FILE = /\.(json|onnx|h5|hdf5|keras)$/i;
/** Motif collection files (TRANSFAC, JASPAR, MEME, bare PFM; JASPAR's downloads are .txt). */
const MOTIF_FILE = /\.(txt|transfac|dat|jaspar|meme|pfm)$/i;

function optionsOf(name: string): OptionSpec[] {
  const spec = magicSpec(name);
  return spec ? spec.options.filter((o) => (o.scope ?? 'both') !== 'cli') : [];
}

/** Files and folders under the typed directory part of `word`, relative to `folder`. */
export function pathCompletions(word: string, folder: string, start: number, filter?: RegExp): Completion[] {
  const slash = word.lastIndexOf('/');
  const dirPart = slash >= 0 ? word.slice(0, slash + 1) : '';
  const dir = path.resolve(folder, dirPart || '.');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => !e.name.startsWith('.') && e.name !== 'node_modules')
    .filter((e) => e.isDirectory() || !filter || filter.test(e.name))
    .sort((a, b) => Number(b.isDirectory()) - Number(a.isDirectory()) || a.name.localeCompare(b.name))
    .slice(0, 200)
    .map((e) =>
      e.isDirectory()
        ? { label: `${dirPart}${e.name}/`, kind: 'folder' as const, start, retrigger: true }
        : { label: `${dirPart}${e.name}`, kind: 'file' as const, start },
    );
}

/** Which model a line refers to: an argument that is a session model (the first, or %predict's second), else the last one. */
function lineModel(session: Session | undefined, positional: string[]) {
  if (!session) return undefined;
  const named = positional.map((p) => session.models.get(p)).find((m) => m);
  return named ?? (session.lastModel ? session.models.get(session.lastModel) : undefined);
}

/** Class names from a `--labels FILE` typed earlier on the line (small files only). */
function labelsOnLine(words: string[], folder: string): string[] | undefined {
  const at = words.findIndex((w) => w === '--labels' || w.startsWith('--labels='));
  if (at < 0) return undefined;
  const file = words[at].includes('=') ? words[at].slice('--labels='.length) : words[at + 1];
  if (!file) return undefined;
  try {
    const full = path.resolve(folder, file);
    if (fs.statSync(full).size > 1 << 20) return undefined;
    return parseLabels(fs.readFileSync(full), file).names;
  } catch {
    return undefined;
  }
}

export function complete(linePrefix: string, session: Session | undefined, folder: string): Completion[] {
  const head = /^(\s*)(%?)([\w?]*)$/.exec(linePrefix);
  if (head) {
    const start = head[1].length;
    return MAGIC_NAMES.map((n) => ({ label: `%${n}`, kind: 'magic' as const, detail: magicSpec(n)!.summary, start }));
  }
  const m = /^\s*%(\w+)\??\s/.exec(linePrefix);
  if (!m) return [];
  const name = m[1];
  const spec = magicSpec(name);
  if (!spec) return [];
  const rest = linePrefix.slice(m[0].length);
  const wordStart = linePrefix.length - (/(\S*)$/.exec(rest)?.[1].length ?? 0);
  const word = linePrefix.slice(wordStart);
  const before = rest.slice(0, rest.length - word.length).trim();
  const words = before ? before.split(/\s+/) : [];
  const options = optionsOf(name);

  // Positional arguments typed so far (option values skipped).
  const positional: string[] = [];
  let pendingOption: OptionSpec | undefined;
  for (const w of words) {
    if (pendingOption) {
      pendingOption = undefined;
      continue;
    }
    if (w.startsWith('--')) {
      const o = options.find((x) => x.name === w.slice(2));
      if (o && o.type !== 'flag' && !w.includes('=')) pendingOption = o;
      continue;
    }
    positional.push(w);
  }
  const model = lineModel(session, positional);

  if (pendingOption) {
    const o = pendingOption;
    if (o.name === 'layer' && model) {
      return model.layers.map((l) => ({ label: l.name, kind: 'layer' as const, detail: `${l.className} (${l.outputShape.map((x) => x ?? 'None').join(', ')})${l.index === model.defaultLayer ? ' — default' : ''}`, start: wordStart }));
    }
    if (o.name === 'classes') {
      const names = labelsOnLine(words, folder) ?? (model && session?.classNames.get(model.name)) ?? [];
      return [{ label: 'all', kind: 'value' as const, detail: 'every class', start: wordStart }, ...names.map((n, i) => ({ label: n, kind: 'class' as const, detail: `output ${i}`, start: wordStart }))];
    }
    if (o.choices) return o.choices.map((c) => ({ label: c, kind: 'value' as const, start: wordStart }));
    if (o.name === 'output') {
      const outputs = model?.outputs ?? [];
      return [{ label: 'all', kind: 'value' as const, detail: 'every output', start: wordStart }, ...outputs.map((x) => ({ label: x.name, kind: 'value' as const, detail: `(${x.shape.join(', ')}): ${x.units} class${x.units === 1 ? '' : 'es'}`, start: wordStart }))];
    }
    if (o.name === 'labels' || o.name === 'out' || o.name === 'factors') return pathCompletions(word, folder, wordStart);
    if (o.name === 'out-dir') return pathCompletions(word, folder, wordStart, /^$/);
    if (o.name === 'db' || o.name === 'motifs') {
      // A comma list: complete its last item.
      const comma = word.lastIndexOf(',') + 1;
      const named = [{ label: 'jaspar', kind: 'value' as const, detail: 'JASPAR 2024 CORE vertebrates (shipped)', start: wordStart + comma }, ...(o.name === 'motifs' ? [{ label: 'none', kind: 'value' as const, detail: 'no motif matching', start: wordStart }] : [])];
      return [...named, ...pathCompletions(word.slice(comma), folder, wordStart + comma, MOTIF_FILE)];
    }
    return [];
  }

  if (word.startsWith('-')) {
    return options.map((o) => ({ label: `--${o.name}`, kind: 'option' as const, detail: `${o.placeholder ?? ''}${o.default !== undefined && o.type !== 'flag' ? ` (default ${o.default})` : ''}`.trim(), documentation: o.help, start: wordStart }));
  }

  const last = spec.args[spec.args.length - 1];
  const arg = spec.args[positional.length] ?? (last?.variadic ? last : undefined);
  if (!arg) return [];
  const results = [...(session?.results.keys() ?? [])].map((r) => ({ label: r, kind: 'result' as const, detail: 'result', start: wordStart }));
  switch (arg.name) {
    case 'MODEL': {
      const models = [...(session?.models.values() ?? [])].map((x) => ({ label: x.name, kind: 'model' as const, detail: path.basename(x.path), start: wordStart }));
      return [...models, ...pathCompletions(word, folder, wordStart, MODEL_FILE)];
    }
    case 'PATH':
      return pathCompletions(word, folder, wordStart, name === 'load_model' ? MODEL_FILE : /\.(json|csv)$/i);
    case 'DIR':
      return pathCompletions(word, folder, wordStart, /^$/);
    case 'FASTA':
      return pathCompletions(word, folder, wordStart, /\.(fa|fasta|fna|fas|seq|txt)$/i);
    case 'RESULT':
      return results;
    case 'CLASS': {
      const r = session?.lastResult ? session.results.get(session.lastResult) : undefined;
      const classes = r?.classes.map((c) => ({ label: /^class \d+$/.test(c.name) ? String(c.index) : c.name, kind: 'class' as const, detail: `output ${c.index}`, start: wordStart })) ?? [];
      return [{ label: 'top', kind: 'value' as const, detail: 'the class with the highest score', start: wordStart }, ...classes];
    }
    case 'FEATURES':
    case 'FEATURE':
      return results;
    case 'MAGIC':
      return MAGIC_NAMES.map((n) => ({ label: n, kind: 'magic' as const, detail: magicSpec(n)!.summary, start: wordStart }));
    case 'NAME':
      return BACKENDS.map((b) => ({ label: b, kind: 'value' as const, start: wordStart }));
    default:
      return [];
  }
}

/** Hover Markdown for the word at `offset`: a magic's usage, or an option's help. */
export function hoverAt(line: string, offset: number): { text: string; start: number; end: number } | undefined {
  const re = /%\w+\??|--[\w-]+/g;
  for (let mm = re.exec(line); mm; mm = re.exec(line)) {
    const start = mm.index;
    const end = start + mm[0].length;
    if (offset < start || offset > end) continue;
    if (mm[0].startsWith('%')) {
      const name = mm[0].slice(1).replace(/\?$/, '');
      const u = magicUsage(name);
      return u ? { text: '```text\n' + u + '\n```', start, end } : undefined;
    }
    const magic = /^\s*%(\w+)/.exec(line)?.[1];
    const o = magic ? optionsOf(magic).find((x) => x.name === mm![0].slice(2)) : undefined;
    if (o) {
      const def = o.default !== undefined && o.type !== 'flag' ? ` (default: ${o.default})` : '';
      return { text: `\`--${o.name}${o.type === 'flag' ? '' : ` ${o.placeholder ?? 'X'}`}\` — ${o.help}${def}`, start, end };
    }
  }
  return undefined;
}
