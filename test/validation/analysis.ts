/**
 * Runs DeepResolve on the saved synthetic model, the way a user would: loadModel on the fixture,
 * the engine's default analysis settings, and the held-out label matrix (regenerated from the
 * recorded seed; the rule's labels, not the noisy ones) for the label-correlation comparison.
 */
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load';
import { resolveFeatures } from '../../src/engine/resolve';
import type { Results } from '../../src/engine/results';
import type { Settings } from '../../src/engine/settings';
import { FIXTURE_ROOT, readFixture, type FixtureRecord } from './fixture';
import { labelColumns, simulate, type SimulatedData } from './simulate';

/**
 * Settings of the validation runs: the engine defaults (λ = 2.8, η = 0.01, 10 restarts,
 * patience 10, default analysis layer) except the backend, fixed to 'cpu' so that the numbers do
 * not depend on whether the wasm binaries are found. Stability compares seeds 0 and 1.
 */
export const ANALYSIS_SETTINGS: Partial<Settings> = { backend: 'cpu' };
export const SEEDS = [0, 1] as const;

export interface Analysis {
  fixture: FixtureRecord;
  runs: Results[];
  /** The held-out data, regenerated from the recorded settings. */
  heldOut: SimulatedData;
}

export async function analyseFixture(seeds: readonly number[] = SEEDS, dir = FIXTURE_ROOT): Promise<Analysis> {
  const fixture = readFixture(dir);
  await useBackend(ANALYSIS_SETTINGS.backend);
  const loaded = await loadModel(path.join(dir, 'model.json'));
  const heldOut = simulate(fixture.data.test, fixture.motifs);
  const labels = { names: fixture.classes.map((c) => c.name), columns: labelColumns(heldOut), samples: heldOut.settings.count };
  const runs: Results[] = [];
  for (const seed of seeds) runs.push(await resolveFeatures({ loaded, settings: { ...ANALYSIS_SETTINGS, seed }, labels, labelsFile: 'held-out labels' }));
  return { fixture, runs, heldOut };
}
