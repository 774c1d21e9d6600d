/** Known-motif library and TOMTOM-like feature-to-motif matching (docs/motifs.md). */
export { consensus, countsToPwm, reverseComplement, type Motif } from './motif';
export { detectMotifFormat, parseMotifs, type MotifFormat } from './parse';
export { DEFAULT_BINS, loadLibrary, type LibraryOptions, type MotifLibrary } from './library';
export { DEFAULT_MIN_OVERLAP, DEFAULT_TOP, DEFAULT_TRIM_IC, matchPwm, scoreAll, type MatchOptions, type MotifMatch } from './match';
export { benjaminiHochberg } from './qvalues';
export {
  annotateFeatures,
  bestSignificantMatch,
  libraryAttribution,
  SIGNIFICANT_Q,
  type AnnotateOptions,
} from './annotate';
export { isJasparMotif, JASPAR_ATTRIBUTION, JASPAR_SHORT_ATTRIBUTION } from './attribution';
export { benchmarkMatching, randomPwms, type MatchBenchmark } from './benchmark';
