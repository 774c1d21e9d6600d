/**
 * A partial result: what a cancelled analysis keeps (the classes whose restarts all finished) and
 * the one line every view and summary shows for it. Shared by the engine, the notebook's text
 * views and the renderers (no engine imports).
 */

/** results.partial (docs/results-schema.md): absent when every class asked for was analysed. */
export interface PartialInfo {
  /** Why the run ended early. */
  reason: 'cancelled';
  /** Class indices kept (those whose restarts all finished), in the order they were asked for. */
  classesDone: number[];
  /** Class indices the run was asked for, in that order. */
  classesRequested: number[];
  /** (class, restart) pairs whose ascent finished, and the pairs asked for. */
  pairsDone: number;
  pairsRequested: number;
}

/** "partial: 12 of 919 classes, cancelled". */
export function partialText(p: Pick<PartialInfo, 'classesDone' | 'classesRequested'>): string {
  return `partial: ${p.classesDone.length} of ${p.classesRequested.length} classes, cancelled`;
}
