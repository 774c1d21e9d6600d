/**
 * The name both files of a Keras pair (architecture .json/.yaml + weights .h5) share, with no
 * other import: the extension host names models by it without loading the engine.
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
