/**
 * The name of each model's result in a batch's output folder (NAME.json, NAME.ipynb): the model
 * file's name without its extension, or the folder's name for model.json and model folders. Models
 * of one batch with the same name are told apart by the nearest folders where their paths differ
 * (…/ctcf-gm12878/16_G_bestmodel_weights.h5 and …/rest-gm12878/16_G_bestmodel_weights.h5 become
 * ctcf-gm12878 and rest-gm12878: a file name they all share says nothing); names still equal after
 * that get -2, -3 in path order. Names depend only on the batch's model list, so every shard of a
 * batch, and every rerun of it, gives a model the same name.
 */
import * as path from 'node:path';

const EXTENSION = /\.(onnx|keras|h5|hdf5|json|ya?ml)$/i;
/** Result names are cut to this many characters (file systems allow 255 bytes, with room for .ipynb and temp suffixes). */
const MAX_NAME = 100;

interface Key {
  /** Folders above the named part, nearest last. */
  folders: string[];
  /** The name before collisions. */
  base: string;
  /** Whether `base` is a file's name (dropped when a colliding group shares it) rather than a folder's. */
  fromFile: boolean;
}

function keyOf(model: string, isFolder: boolean): Key {
  const parts = path.resolve(model).split(path.sep).filter(Boolean);
  const last = parts[parts.length - 1] ?? 'model';
  if (isFolder) return { folders: parts.slice(0, -1), base: last, fromFile: false };
  const stem = last.replace(EXTENSION, '');
  if (stem.toLowerCase() === 'model' && last.toLowerCase() === 'model.json' && parts.length > 1) return { folders: parts.slice(0, -2), base: parts[parts.length - 2], fromFile: false };
  return { folders: parts.slice(0, -1), base: stem || last, fromFile: true };
}

/** A file name from a name out of a path: path separators, controls and leading dots become _, at most MAX_NAME characters. */
export function safeName(name: string): string {
  const cleaned = name.replace(/[^\p{L}\p{N}._+-]+/gu, '_').replace(/^[._]+/, '') || 'model';
  return Array.from(cleaned).slice(0, MAX_NAME).join('');
}

const fold = (s: string) => s.toLowerCase();

/**
 * Result names for `models` (absolute paths, in batch order), `isFolder(i)` saying which are
 * folders. Unique ignoring case (macOS and Windows file systems ignore it).
 */
export function resultNames(models: string[], isFolder: (i: number) => boolean): string[] {
  const keys = models.map((m, i) => keyOf(m, isFolder(i)));
  const names = keys.map((k) => k.base);
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => groups.set(fold(k.base), [...(groups.get(fold(k.base)) ?? []), i]));
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const depth = Math.max(...members.map((i) => keys[i].folders.length));
    // The fewest nearest folders that make the group's names unique.
    let d = 1;
    const suffix = (i: number, n: number) => keys[i].folders.slice(Math.max(0, keys[i].folders.length - n));
    while (d < depth && new Set(members.map((i) => fold(suffix(i, d).join('/')))).size < members.length) d++;
    // Folders that cannot tell them apart (the same folder, names differing in case only) add nothing.
    if (new Set(members.map((i) => fold(suffix(i, d).join('/')))).size < members.length) continue;
    const sameFile = members.every((i) => keys[i].fromFile);
    for (const i of members) {
      const folders = suffix(i, d);
      names[i] = sameFile && folders.length ? folders.join('-') : [...folders, keys[i].base].join('-');
    }
  }
  const taken = new Set<string>();
  return names.map((raw) => {
    const base = safeName(raw);
    let name = base;
    for (let n = 2; taken.has(fold(name)); n++) name = `${base}-${n}`;
    taken.add(fold(name));
    return name;
  });
}
