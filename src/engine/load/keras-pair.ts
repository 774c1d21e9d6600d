/**
 * Keras weights-only .h5 + architecture .json/.yaml side by side, the layout of the DeepResolve
 * authors' published models (<prefix>best_archit.json + <prefix>bestmodel_weights.h5). Opening
 * either file of the pair opens the pair.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from '../errors';
import { isKerasArchitecture, parseArchitectureText } from './architecture-file';
import { Hdf5, isHdf5 } from './hdf5';
import { buildKeras } from './keras-build';
import { hasKerasWeights } from './keras-weights';
import type { LoadedModel } from './model';
import type { LoadOptions } from './options';
import { ARCHITECTURE_EXTENSIONS, WEIGHTS_EXTENSIONS, pairStem, partnerStems, stemOf } from './pair-stem';

function readArchitecture(file: string): unknown | undefined {
  try {
    const json = parseArchitectureText(file, fs.readFileSync(file, 'utf8'));
    return isKerasArchitecture(json) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** Partner file names to try, in order, without repeats. */
function candidates(dir: string, stems: Iterable<string>, extensions: readonly string[]): string[] {
  const out = new Set<string>();
  for (const stem of stems) for (const ext of extensions) out.add(path.join(dir, stem + ext));
  return [...out];
}

/** The architecture file next to a weights-only .h5, or a one-line refusal listing what was tried. */
export function findArchitecture(weightsFile: string): { file: string; architecture: unknown } {
  const dir = path.dirname(weightsFile);
  const tried = candidates(dir, partnerStems(stemOf(weightsFile), true), ARCHITECTURE_EXTENSIONS);
  for (const candidate of tried) {
    if (!fs.existsSync(candidate)) continue;
    const architecture = readArchitecture(candidate);
    if (architecture) return { file: candidate, architecture };
  }
  // A folder with a single architecture file is unambiguous.
  const others = fs.readdirSync(dir).filter((f) => ARCHITECTURE_EXTENSIONS.some((e) => f.toLowerCase().endsWith(e)));
  const archs = others.map((f) => path.join(dir, f)).map((f) => ({ file: f, architecture: readArchitecture(f) })).filter((a) => a.architecture);
  if (archs.length === 1) return archs[0];
  throw new UserError(
    `${weightsFile}: weights-only Keras file and no architecture file next to it (looked for ${tried.map((t) => path.basename(t)).slice(0, 6).join(', ')}${tried.length > 6 ? ', …' : ''})`,
  );
}

/** The weights file next to an architecture file, or a one-line refusal. */
export function findWeights(archFile: string): string {
  const dir = path.dirname(archFile);
  const tried = candidates(dir, partnerStems(stemOf(archFile), false), WEIGHTS_EXTENSIONS);
  const found = tried.find((candidate) => fs.existsSync(candidate));
  if (found) return found;
  const h5s = fs.readdirSync(dir).filter((f) => /\.(h5|hdf5)$/i.test(f));
  if (h5s.length === 1) return path.join(dir, h5s[0]);
  throw new UserError(
    `${archFile}: Keras architecture without weights: no weights file next to it (looked for ${tried.map((t) => path.basename(t)).slice(0, 6).join(', ')}${tried.length > 6 ? ', …' : ''})`,
  );
}

export function pairName(file: string): string {
  const dir = path.basename(path.dirname(path.resolve(file)));
  return `${dir}/${pairStem(file)}`;
}

/** Loads the pair; `opened` is the file the user pointed at (named in messages). */
export async function loadKerasPair(archFile: string, architecture: unknown, weightsFile: string, opened: string, options: LoadOptions): Promise<LoadedModel> {
  const head = Buffer.alloc(2048);
  const fd = fs.openSync(weightsFile, 'r');
  const n = fs.readSync(fd, head, 0, head.length, 0);
  fs.closeSync(fd);
  if (!isHdf5(head.subarray(0, n))) throw new UserError(`${weightsFile}: the weights file is not HDF5 (corrupt, or not a Keras weights file)`);
  const h5 = await Hdf5.open(weightsFile, options);
  try {
    if (!hasKerasWeights(h5)) throw new UserError(`${weightsFile}: HDF5 file holds no Keras weights`);
    const version = h5.stringAttr(h5.root, 'keras_version');
    const backend = h5.stringAttr(h5.root, 'backend');
    const loaded = await buildKeras(
      { file: opened, weightsFile, architecture, h5, format: 'keras-json-h5', name: pairName(opened), kerasVersion: version, backend },
      options,
    );
    const other = path.basename(opened === archFile ? weightsFile : archFile);
    loaded.notes = [`opened together with ${other}`, ...(loaded.notes ?? [])];
    return loaded;
  } finally {
    h5.close();
  }
}
