/**
 * Issue 15's check on the two-convolution model (docs/validation.md, "Deeper features"): the
 * model is analysed at its second convolution, whose channels have no weight PWM; each channel
 * gets a logo derived from the model alone (src/engine/feature-logos), and for each rule's class
 * and each motif the rule uses, a channel whose logo matches the planted motif must rank within
 * 2 × (motifs in the rule) of the class, as for the first-layer filters of the one-convolution
 * model. A logo matches a motif when the suite's similarity (compare.ts) is ≥ 0.7, the motif is
 * the most similar of the six, and the project's JASPAR matcher names it as the product does: the
 * logo's first match against the shipped JASPAR 2024 collection (annotateFeatures), with q ≤ 0.05,
 * is that factor (or that factor ties with it: the same p-value and alignment score). A first match of another factor
 * of the same JASPAR tf_family (forkhead motifs are near-identical) does not count; the row says so.
 */
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load';
import { resolveFeatures } from '../../src/engine/resolve';
import { annotateFeatures, bestSignificantMatch, SIGNIFICANT_Q, type MotifMatch } from '../../src/engine/motifs';
import type { Results } from '../../src/engine/results';
import type { Settings } from '../../src/engine/settings';
import type { CheckRow } from './checks';
import { classFilterFor, THRESHOLDS } from './checks';
import { comparePwms } from './compare';
import { readFixture, TWO_CONV_FIXTURE_ROOT, type FixtureRecord } from './fixture';
import { jaspar, jasparFamily } from './jaspar';
import { MATCH_THRESHOLD } from './matching';
import { probabilities, type PlantedMotif } from './motifs';

/**
 * The analysis of the two-convolution model: engine defaults (10 restarts, λ = 2.8, the default
 * layer — the second convolution's channels max-pooled over every position, as the one-convolution
 * model's first-layer filters are — whose logos are computed at `conv2` under the pooling; 20
 * channels per class get logos, from the default 20,000 random sequences); backend wasm (the cpu
 * backend's convolutions made 10,000 sampled sequences take ~100 s instead of ~10; the logos
 * now run on ONNX Runtime when it loads, ~5 s).
 */
export const TWO_CONV_SETTINGS: Partial<Settings> = { backend: 'wasm', seed: 0 };

export interface LogoAnalysis {
  fixture: FixtureRecord;
  results: Results;
  seconds: number;
}

export async function analyseTwoConv(dir = TWO_CONV_FIXTURE_ROOT, settings: Partial<Settings> = {}): Promise<LogoAnalysis> {
  const fixture = readFixture(dir);
  const merged = { ...TWO_CONV_SETTINGS, ...settings };
  await useBackend(merged.backend);
  const loaded = await loadModel(path.join(dir, 'model.json'));
  const started = Date.now();
  const results = await resolveFeatures({ loaded, settings: merged, labels: { names: fixture.classes.map((c) => c.name) } });
  return { fixture, results, seconds: (Date.now() - started) / 1000 };
}

export interface LogoMatch {
  feature: number;
  /** Similarity of the logo to each planted motif, by role (absent without a logo). */
  similarity: Record<string, number>;
  /** The most similar planted motif (null without a logo). */
  best: PlantedMotif['role'] | null;
  /** The product's name for the logo: its first JASPAR match when q ≤ 0.05, as "CTCF (MA0139.2, q 3e-9)"; else why there is none. */
  nameText: string;
  /** Whether that name is the most similar planted motif's factor. */
  named: boolean;
  /** Rank of the planted record among the logo's JASPAR matches (q ≤ 0.5, best 10), null when absent. */
  jasparRank: number | null;
  /** Whether the first match is of the planted record's JASPAR tf_family (reported, not a pass). */
  sameFamily: boolean;
  /** The role the channel counts for (similarity ≥ 0.7, most similar, and named that factor), else null. */
  role: PlantedMotif['role'] | null;
}

const matchText = (m: MotifMatch) => `${m.name} (${m.id}, q ${m.qValue.toExponential(1)})`;

/**
 * Whether the product names a logo with matches `matches` (best first, as annotateFeatures lists
 * them) by the factor `factor`: its first match has q ≤ 0.05 and is that factor, or the factor is
 * tied first with it. Tied means the matcher has nothing to order them by: the same p-value
 * (hence q-value) and the same alignment score (the sum of column correlations, the matcher's
 * tie-break), equal up to floating-point rounding; the order is then the collection's. The same
 * p-value with a lower score is second, not a tie (JASPAR's HNF4A and HNF4G often share a p-value
 * on a logo with scores apart in the third decimal).
 */
export function plantedName(matches: MotifMatch[], factor: string): { name: MotifMatch | null; tied: boolean } {
  const first = bestSignificantMatch({ matches });
  const isFactor = (m: MotifMatch) => m.name.toUpperCase() === factor.toUpperCase();
  if (!first) return { name: null, tied: false };
  if (isFactor(first)) return { name: first, tied: false };
  const same = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y));
  const tie = matches.find((m) => isFactor(m) && same(m.pValue, first.pValue) && same(m.score, first.score) && m.qValue <= SIGNIFICANT_Q);
  return tie ? { name: tie, tied: true } : { name: null, tied: false };
}

/**
 * Each feature's logo against the planted motifs (the suite's similarity) and against JASPAR as
 * the product names features: annotateFeatures with the shipped collection, then the first match
 * if its q ≤ 0.05 (bestSignificantMatch) — the name the views and the text summary show.
 */
export function matchLogos(results: Results, motifs: PlantedMotif[]): LogoMatch[] {
  const pfms = motifs.map((m) => probabilities(m.counts));
  const annotated = annotateFeatures(results, jaspar(), { top: 10 });
  return annotated.features.map((f) => {
    if (!f.logo) return { feature: f.index, similarity: {}, best: null, nameText: f.noLogo ? `no logo: ${f.noLogo}` : 'no logo', named: false, jasparRank: null, sameFamily: false, role: null };
    const sims = pfms.map((p) => comparePwms(f.logo!.probabilities, p).similarity);
    const top = sims.indexOf(Math.max(...sims));
    const planted = motifs[top];
    const name = bestSignificantMatch(f);
    const first = f.matches?.[0];
    const { name: shown, tied } = plantedName(f.matches ?? [], planted.name);
    const named = shown !== null;
    const at = (f.matches ?? []).findIndex((m) => m.id === planted.jaspar);
    return {
      feature: f.index,
      similarity: Object.fromEntries(motifs.map((m, i) => [m.role, sims[i]])),
      best: planted.role,
      nameText: tied ? `${matchText(shown!)}, tied first with ${name!.name} (same p-value ${shown!.pValue.toExponential(2)} and score ${shown!.score.toFixed(3)})` : name ? matchText(name) : first ? `unnamed (first match ${matchText(first)})` : 'unnamed (no match with q ≤ 0.5)',
      named,
      jasparRank: at < 0 ? null : at + 1,
      sameFamily: first !== undefined && jasparFamily(first.id) !== undefined && jasparFamily(first.id) === jasparFamily(planted.jaspar),
      role: sims[top] >= MATCH_THRESHOLD && named ? planted.role : null,
    };
  });
}

const fmt = (x: number) => x.toFixed(3);

/** One row per (class, motif the rule uses): the best-ranked channel whose logo matches the motif. */
export function logoRecoveryRows(a: LogoAnalysis, matches: LogoMatch[]): CheckRow[] {
  return a.fixture.classes.flatMap((rule) => {
    const c = a.results.classes.find((k) => k.name === rule.name)!;
    const limit = THRESHOLDS.rankFactor * rule.uses.length;
    return rule.uses.map((role) => {
      const motif = a.fixture.motifs.find((m) => m.role === role)!;
      const channels = matches.filter((m) => m.role === role).map((m) => m.feature);
      const found = classFilterFor(c, channels);
      const near = matches
        .filter((m) => m.best === role && m.role !== role)
        .map((m) => `${m.feature} (similarity ${fmt(m.similarity[role])}, named ${m.nameText}${m.sameFamily ? ', same tf_family' : ''}; ${motif.jaspar} is match ${m.jasparRank ?? '> 10'})`);
      return {
        check: `logo recovery: ${role} (${motif.name})`,
        class: rule.name,
        measured: found ? `rank ${found.rank}` : 'no matching channel',
        threshold: `rank ≤ ${limit}`,
        pass: found !== null && found.rank <= limit,
        detail: found
          ? `channel ${found.filter}, similarity ${fmt(matches[found.filter].similarity[role])}, named ${matches[found.filter].nameText}; rank by OFIV ${found.ofivRank}; channels matching ${role}: ${channels.join(', ')}` +
            (near.length ? `; most similar to ${role} but not matching: ${near.join('; ')}` : '')
          : `no channel's logo reaches similarity ${MATCH_THRESHOLD} with ${motif.name} and is named ${motif.name} by the JASPAR matcher` + (near.length ? `; closest: ${near.join('; ')}` : ''),
      };
    });
  });
}
