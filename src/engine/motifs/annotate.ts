/** Adds known-motif matches to every feature of a results document that has a PWM. */
import type { FeatureInfo, Results } from '../results';
import { isJasparMotif, JASPAR_ATTRIBUTION } from './attribution';
import type { MotifLibrary } from './library';
import { baseName, DEFAULT_MIN_OVERLAP, matchPwm, type MotifMatch } from './match';

export interface AnnotateOptions {
  /** Matches kept per feature, best first (default 5). */
  top?: number;
  /** Keep only matches with q ≤ this (default 0.5, TOMTOM's default report threshold). */
  qThreshold?: number;
  minOverlap?: number;
  /** Flanking feature columns with at most this many bits are left out (default 0.1; see MatchOptions). */
  trimIc?: number;
  /** Attach the aligned target PWM to each match, for logo views (default true). */
  withPwm?: boolean;
}

/** q-value under which a match names a feature in labels (the usual 5% false discovery rate). */
export const SIGNIFICANT_Q = 0.05;

/** Attribution text owed for a library (JASPAR's licence requires it wherever its names are shown), or null. */
export function libraryAttribution(library: MotifLibrary): string | null {
  return library.motifs.some(isJasparMotif) ? JASPAR_ATTRIBUTION : null;
}

/** The match to name a feature by: the best one, if its q-value is at most `q`. */
export function bestSignificantMatch(feature: Pick<FeatureInfo, 'matches'>, q = SIGNIFICANT_Q): MotifMatch | null {
  const best = feature.matches?.[0];
  return best && best.qValue <= q ? best : null;
}

/**
 * A copy of `results` whose features with a PWM or a model-derived logo carry `matches` (possibly
 * empty: matched, nothing passed the threshold) — of the filter PWM when there is one, else of
 * the logo; a feature with both also gets `logo.matches`, so the two can be compared — plus a
 * note naming the collection and its attribution.
 */
export function annotateFeatures(results: Results, library: MotifLibrary, options: AnnotateOptions = {}): Results {
  const top = options.top ?? 5;
  const qThreshold = options.qThreshold ?? 0.5;
  const minOverlap = options.minOverlap ?? DEFAULT_MIN_OVERLAP;
  const withPwm = options.withPwm ?? true;
  let matched = 0;
  const match = (pwm: number[][]) => {
    matched++;
    return matchPwm(pwm, library, { top, minOverlap, withPwm, trimIc: options.trimIc }).filter((m) => m.qValue <= qThreshold);
  };
  const features = results.features.map((f) => {
    const filter = f.pwm?.length ? f.pwm : null;
    const logo = f.logo?.probabilities.length ? f.logo : null;
    if (!filter && !logo) return f;
    if (!filter) return { ...f, matches: match(logo!.probabilities) };
    return { ...f, matches: match(filter), ...(logo ? { logo: { ...logo, matches: match(logo.probabilities) } } : {}) };
  });
  if (matched === 0) return results;
  const attribution = libraryAttribution(library);
  const note =
    `motif matches: ${matched} feature PWMs compared with ${library.motifs.length} motifs from ${library.files.map(baseName).join(', ')} ` +
    `(TOMTOM-like, Pearson column correlation, minimum overlap ${minOverlap}; matches with q ≤ ${qThreshold} kept, at most ${top})` +
    (attribution ? `. ${attribution}` : '');
  return { ...results, features, notes: [...results.notes, note] };
}
