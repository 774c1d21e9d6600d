/**
 * Which models a batch means: `resolve MODEL...` takes model files and folders, folders of models
 * (searched below), quoted globs (`'models/**\/*.h5'`, for shells and schedulers that do not expand
 * them) and list files (`@models.txt`, or a .txt/.list/.lst file: one path or glob a line, relative
 * to the list, # comments). Everything is checked before any model runs: a path that does not exist,
 * a glob or a folder that finds nothing is one line naming it. The models come back sorted by
 * absolute path, so every machine of a sharded batch sees the same order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { UserError } from '../engine/errors';
import { MODEL_FILE } from '../engine/load/model-files';

export interface ModelEntry {
  /** Absolute path of a model file or of a folder the loader opens (model.json, or its only model file). */
  path: string;
  /** The argument or list line it came from, for messages. */
  from: string;
}

export interface Expanded {
  models: ModelEntry[];
  /** Whether the arguments name a collection (several models, a glob, a list, a folder of models), not one model. */
  collection: boolean;
}

/** Files a glob may pick as models: model files, and the JSON/YAML of TF.js models and Keras architectures. */
const GLOBBED_MODEL = /\.(onnx|keras|h5|hdf5|json|ya?ml)$/i;
const LIST_FILE = /\.(txt|list|lst)$/i;
/** A walk that meets more entries than this under one folder stops with a message (a glob at / by mistake). */
const WALK_LIMIT = 200_000;

function skipped(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The models in a folder: the folder itself when it is one model (it holds model.json, or exactly
 * one model file and no models below it: what `loadModel(folder)` opens), else every model file
 * in it and the models of its subfolders. Symbolic links to folders are followed once.
 */
export function modelsInFolder(dir: string, seen = new Set<string>()): string[] {
  const real = fs.realpathSync(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !skipped(e.name));
  if (entries.some((e) => e.name === 'model.json' && !e.isDirectory())) return [dir];
  const files = entries.filter((e) => !isDir(path.join(dir, e.name)) && MODEL_FILE.test(e.name)).map((e) => path.join(dir, e.name));
  const below = entries.filter((e) => isDir(path.join(dir, e.name))).flatMap((e) => modelsInFolder(path.join(dir, e.name), seen));
  if (files.length === 1 && below.length === 0) return [dir];
  return [...files, ...below];
}

/** Relative paths (with /) of everything under `base`, as deep as `deep` allows. */
function walk(base: string, deep: boolean, shown: string): { rel: string; dir: boolean }[] {
  const out: { rel: string; dir: boolean }[] = [];
  const seen = new Set<string>();
  const visit = (dir: string, rel: string) => {
    const real = fs.realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      const full = path.join(dir, e.name);
      const d = isDir(full);
      out.push({ rel: r, dir: d });
      if (out.length > WALK_LIMIT) throw new UserError(`${shown}: more than ${WALK_LIMIT} files under ${base}; give a narrower pattern`);
      if (d && deep && !e.name.startsWith('.')) visit(full, r);
    }
  };
  visit(base, '');
  return out;
}

/** The model paths a glob matches, relative to `cwd`. */
function expandGlob(pattern: string, cwd: string): string[] {
  const posix = pattern.split(path.sep).join('/');
  const { base, glob } = picomatch.scan(posix);
  const root = path.resolve(cwd, base || '.');
  if (!isDir(root)) throw new UserError(`${pattern}: no such folder ${base || '.'}`);
  const match = picomatch(glob, { dot: false });
  const deep = glob.includes('/') || glob.includes('**');
  const found: string[] = [];
  for (const { rel, dir } of walk(root, deep, pattern)) {
    if (!match(rel)) continue;
    const full = path.join(root, rel);
    if (dir) found.push(...modelsInFolder(full));
    else if (GLOBBED_MODEL.test(rel)) found.push(full);
  }
  if (!found.length) throw new UserError(`${pattern}: no model file matches`);
  return found;
}

function isGlob(arg: string): boolean {
  return picomatch.scan(arg.split(path.sep).join('/')).isGlob;
}

/** One argument (or list line) as model paths; `collection` is set when it names more than one model's worth. */
function expandOne(arg: string, cwd: string, inList: string | null): { paths: string[]; collection: boolean } {
  const listed = arg.startsWith('@') ? arg.slice(1) : null;
  const full = path.resolve(cwd, listed ?? arg);
  const exists = fs.existsSync(full);
  if (!exists && !listed && isGlob(arg)) return { paths: expandGlob(arg, cwd), collection: true };
  if (!exists) throw new UserError(`${inList ? `${inList}: ` : ''}${listed ?? arg}: no such file`);
  if (listed !== null || (!isDir(full) && LIST_FILE.test(full))) {
    if (inList) throw new UserError(`${inList}: lists another list (${arg}); give its paths instead`);
    return { paths: readList(full, listed ?? arg), collection: true };
  }
  if (!isDir(full)) return { paths: [full], collection: false };
  const inside = modelsInFolder(full);
  if (!inside.length) throw new UserError(`${arg}: no model files in this folder or below (.onnx, .keras, .h5, .hdf5 or model.json)`);
  return { paths: inside, collection: inside.length > 1 || inside[0] !== full };
}

/** A list file's models: one path or glob a line, relative to the list file's folder; # starts a comment. */
function readList(file: string, shown: string): string[] {
  const dir = path.dirname(file);
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.length) throw new UserError(`${shown}: the list names no model`);
  return lines.flatMap((line) => expandOne(line, dir, shown).paths);
}

/**
 * Whether one argument names a collection rather than one model: a list, a glob (that is not an
 * existing path), or a folder with more than one model or models below it. Quick: it only looks.
 */
export function namesCollection(arg: string, cwd = process.cwd()): boolean {
  if (arg.startsWith('@')) return true;
  const full = path.resolve(cwd, arg);
  if (!fs.existsSync(full)) return isGlob(arg);
  if (!isDir(full)) return LIST_FILE.test(full);
  const inside = modelsInFolder(full);
  return inside.length > 1 || (inside.length === 1 && inside[0] !== full);
}

/** The models of `args` (paths relative to `cwd`), sorted by absolute path, each once. */
export function expandModels(args: string[], cwd = process.cwd()): Expanded {
  if (!args.length) throw new UserError('resolve needs MODEL (a model file or folder, several, a glob or @LIST)');
  const byReal = new Map<string, ModelEntry>();
  let collection = args.length > 1;
  for (const arg of args) {
    const { paths, collection: many } = expandOne(arg, cwd, null);
    collection ||= many;
    for (const p of paths) {
      const real = fs.realpathSync(p);
      if (!byReal.has(real)) byReal.set(real, { path: p, from: arg });
    }
  }
  const models = [...byReal.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { models, collection: collection || models.length > 1 };
}
