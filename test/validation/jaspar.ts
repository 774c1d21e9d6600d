/**
 * Cross-check of the motif assignment with the project's TOMTOM-like matcher
 * (src/engine/motifs): the rank of the planted motif's JASPAR record among a filter's matches
 * against the whole shipped JASPAR 2024 collection (879 motifs), best p-value first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadLibrary, matchPwm, parseMotifs, type MotifLibrary } from '../../src/engine/motifs';

const COLLECTION = path.resolve(__dirname, '../../motifs/JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac.txt');

let library: MotifLibrary | undefined;

/** The shipped JASPAR 2024 collection, loaded once. */
export function jaspar(): MotifLibrary {
  library ??= loadLibrary(parseMotifs(fs.readFileSync(COLLECTION, 'utf8'), path.basename(COLLECTION)));
  return library;
}

/** The tf_family annotation of a JASPAR record (e.g. 'FOX' for MA0148.5). */
export function jasparFamily(jasparId: string): string | undefined {
  return jaspar().motifs.find((m) => m.id === jasparId)?.annotations?.tf_family;
}

/** 1-based rank of `jasparId` among the filter's top `top` JASPAR matches, or null when absent; the best match and its tf_family. */
export function jasparRank(pwm: number[][], jasparId: string, top = 10): { rank: number | null; best: string; bestFamily?: string } {
  const hits = matchPwm(pwm, jaspar(), { top });
  const at = hits.findIndex((h) => h.id === jasparId);
  return {
    rank: at < 0 ? null : at + 1,
    best: hits[0] ? `${hits[0].name} (${hits[0].id}, q ${hits[0].qValue.toExponential(1)})` : 'none',
    bestFamily: hits[0] ? jasparFamily(hits[0].id) : undefined,
  };
}
