/**
 * The names both files of a Keras pair (architecture .json/.yaml + weights .h5) go by, with no
 * other import: the extension host names models by them, and finds the architecture files that
 * the Explorer's "Resolve features" is offered on, without loading the engine.
 */
import * as path from 'node:path';

/** A file's name without its model extension (and a `.weights` before `.h5`). */
export function stemOf(file: string): string {
  return path.basename(file).replace(/(\.weights)?\.(h5|hdf5|json|ya?ml)$/i, '');
}

/** The stem both files of a pair share: 16_G_best_archit.json and 16_G_bestmodel_weights.h5 are 16_G. */
export function pairStem(file: string): string {
  return stemOf(file).replace(/[._-]?(bestmodel_weights|best_archit|weights|architecture|archit)$/, '') || stemOf(file);
}

export const ARCHITECTURE_EXTENSIONS = ['.json', '.yaml', '.yml'];
export const WEIGHTS_EXTENSIONS = ['.h5', '.hdf5', '.weights.h5'];

/** Stem variants a partner file may use: 'bestmodel_weights' ↔ 'best_archit', 'weights' ↔ 'architecture', … */
export function partnerStems(stem: string, toArchitecture: boolean): string[] {
  const pairs: [string, string][] = [
    ['bestmodel_weights', 'best_archit'],
    ['model_weights', 'model_archit'],
    ['weights', 'archit'],
    ['weights', 'architecture'],
    ['weights', 'arch'],
    ['weights', 'model'],
    ['weights', 'config'],
  ];
  const out = [stem];
  for (const [w, a] of pairs) {
    const [from, to] = toArchitecture ? [w, a] : [a, w];
    if (stem.includes(from)) out.push(stem.replace(from, to));
  }
  if (toArchitecture) out.push(stem.replace(/[._-]?weights$/, ''));
  else for (const sep of ['_', '.', '-']) out.push(`${stem}${sep}weights`);
  return [...new Set(out)].filter(Boolean);
}

/**
 * The architecture files among one folder's file names that pair by name with a weights file
 * there (the loader's first rule, keras-pair.ts findArchitecture). By name only: the file's
 * content is not read, so a .json beside an .h5 of the same stem counts even if it is not a
 * Keras architecture (opening it then says so).
 */
export function pairedArchitectures(names: readonly string[]): string[] {
  const present = new Map(names.map((n) => [n.toLowerCase(), n]));
  const out = new Set<string>();
  for (const name of names) {
    const lower = name.toLowerCase();
    if (!WEIGHTS_EXTENSIONS.some((e) => lower.endsWith(e))) continue;
    for (const stem of partnerStems(stemOf(name), true)) {
      for (const ext of ARCHITECTURE_EXTENSIONS) {
        const hit = present.get((stem + ext).toLowerCase());
        if (hit) out.add(hit);
      }
    }
  }
  return [...out].sort();
}
