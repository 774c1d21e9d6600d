/**
 * Reading motif collections for the CLI and the kernel: `--motifs` / deepresolve.motifDatabase take
 * a comma list of files, `jaspar` (the shipped JASPAR 2024 collection) or `none`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../engine/errors';
import { annotateFeatures, loadLibrary, parseMotifs, type Motif, type MotifLibrary } from '../engine/motifs';
import type { Results } from '../engine/results';

export const JASPAR_FILE = 'JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac.txt';
export const DEFAULT_MOTIFS = 'jaspar';

/** The shipped collection: next to the bundle (dist/motifs) or in the repository (motifs/). */
export function shippedJaspar(): string {
  const candidates = [path.join(__dirname, 'motifs', JASPAR_FILE), path.join(__dirname, '..', '..', 'motifs', JASPAR_FILE)];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new UserError(`the shipped JASPAR collection is missing (looked for ${candidates.join(', ')})`);
  return found;
}

const libraries = new Map<string, MotifLibrary>();

/** The library for a `--motifs` value, paths relative to `baseDir`; null for `none`. Cached per file set. */
export function motifLibrary(spec: string | undefined, baseDir = process.cwd()): MotifLibrary | null {
  const parts = (spec ?? DEFAULT_MOTIFS).split(',').map((s) => s.trim()).filter(Boolean);
  if (parts.includes('none')) {
    if (parts.length > 1) throw new UserError(`--motifs none cannot be combined with other collections`);
    return null;
  }
  const files = parts.map((p) => (p === 'jaspar' ? shippedJaspar() : path.resolve(baseDir, p)));
  const key = files.join('\n');
  const cached = libraries.get(key);
  if (cached) return cached;
  const motifs: Motif[] = [];
  for (const file of files) {
    if (!fs.existsSync(file)) throw new UserError(`${file}: no such motif file`);
    motifs.push(...parseMotifs(fs.readFileSync(file, 'utf8'), file));
  }
  if (!motifs.length) throw new UserError(`${files.join(', ')}: no motifs found`);
  const library = loadLibrary(motifs);
  libraries.set(key, library);
  return library;
}

/** Names features by their best known motifs, when there is a library and filter PWMs or model-derived logos to match. */
export function annotateWith(results: Results, library: MotifLibrary | null): Results {
  return library && results.features.some((f) => f.pwm || f.logo) ? annotateFeatures(results, library) : results;
}
