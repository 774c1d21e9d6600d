/**
 * What a cancelled analysis keeps (resolve.ts): the classes whose restarts all finished, described
 * by results.partial, with features that need no more model evaluations.
 */
import { CancelledError } from './errors';
import { buildFeatures } from './feature-logos/features';
import type { LoadedModel } from './load/model';
import type { ClassResult, FeatureInfo } from './results';
import type { Settings } from './settings';
import type { PairResult } from './ascent/pairs';
import type { PartialInfo } from '../shared/partial';

const CANCELLED_LOGOS = 'sequence logos not derived from the model: the run was cancelled (run it again to get them)';

export function partialOf(finished: number[], requested: number[], done: PairResult[], pairsRequested: number): PartialInfo {
  return { reason: 'cancelled', classesDone: finished, classesRequested: requested, pairsDone: done.length, pairsRequested };
}

/**
 * The features of a partial result: names and first-layer filter PWMs as usual, but no logos
 * derived from the model (sampling thousands of sequences is not what a user who pressed stop
 * waits for): the signal is already aborted, so modelLogos would stop at once.
 */
export async function partialFeatures(loaded: LoadedModel, layerIndex: number, channels: number, classes: ClassResult[], settings: Settings, notes: string[]): Promise<FeatureInfo[]> {
  const stopped = AbortSignal.abort();
  const own: string[] = [];
  try {
    const features = await buildFeatures(loaded, layerIndex, channels, classes, { ...settings, featureLogos: settings.featureLogos === 'none' ? 'none' : 'auto' }, own, { signal: stopped });
    notes.push(...own);
    if (settings.featureLogos === 'optimised' || settings.featureLogos === 'all') notes.push(CANCELLED_LOGOS);
    return features;
  } catch (err) {
    if (!(err instanceof CancelledError)) throw err;
  }
  const features = await buildFeatures(loaded, layerIndex, channels, classes, { ...settings, featureLogos: 'none' }, []);
  notes.push(CANCELLED_LOGOS);
  return features;
}
