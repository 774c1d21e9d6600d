/**
 * The ground-truth checks of issue 7 and their thresholds (docs/validation.md explains each).
 * Every check returns table rows; the tests assert `pass` and the report prints them.
 */
import type { ClassResult, Results } from '../../src/engine/results';
import type { Analysis } from './analysis';
import { filtersOf, matchFilters, MATCH_THRESHOLD, type FilterMatch } from './matching';
import { SHARING_PAIR } from './rules';
import { byDecreasing, spearman } from './stats';

export interface CheckRow {
  check: string;
  class: string;
  measured: string;
  threshold: string;
  pass: boolean;
  /** Facts behind the measured value (ranks, filters, other values). */
  detail: string;
}

export const THRESHOLDS = {
  auroc: 0.9,
  match: MATCH_THRESHOLD,
  /** A rule's motif is recovered when a matching filter ranks within 2 × (motifs in the rule). */
  rankFactor: 2,
  labelCorrelation: 0.2,
  spearman: 0.9,
};

const fmt = (x: number, digits = 3) => (Math.abs(x) !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4) ? x.toExponential(2) : x.toFixed(digits));

function classByName(results: Results, name: string): ClassResult {
  const c = results.classes.find((k) => k.name === name);
  if (!c) throw new Error(`no class ${name} in the results`);
  return c;
}

export function aurocRows(a: Analysis): CheckRow[] {
  return a.fixture.classes.map((c) => {
    const v = a.fixture.auroc[c.name];
    return { check: 'held-out AUROC', class: c.name, measured: fmt(v), threshold: `≥ ${THRESHOLDS.auroc}`, pass: v >= THRESHOLDS.auroc, detail: `${a.fixture.data.test.count} held-out sequences, positive rate ${fmt(c.positiveRate, 2)}` };
  });
}

/** Check 1: for each motif a rule uses, the first matching filter's rank in the class's OFIV ranking. */
export function motifRecoveryRows(a: Analysis, matches: FilterMatch[]): CheckRow[] {
  const results = a.runs[0];
  return a.fixture.classes.flatMap((rule) => {
    const order = byDecreasing(classByName(results, rule.name).ofiv);
    const limit = THRESHOLDS.rankFactor * rule.uses.length;
    return rule.uses.map((role) => {
      const motif = a.fixture.motifs.find((m) => m.role === role)!;
      const filters = filtersOf(matches, role);
      const rank = filters.length ? Math.min(...filters.map((k) => order.indexOf(k) + 1)) : Infinity;
      const k = order[rank - 1];
      return {
        check: `motif recovery: ${role} (${motif.name})`,
        class: rule.name,
        measured: Number.isFinite(rank) ? `rank ${rank}` : 'no matching filter',
        threshold: `rank ≤ ${limit}`,
        pass: rank <= limit,
        detail: Number.isFinite(rank)
          ? `filter ${k}, similarity ${fmt(matches[k].similarity[role])}; filters matching ${role}: ${filters.join(', ')}`
          : `no filter reaches similarity ${THRESHOLDS.match} with ${motif.name}`,
      };
    });
  });
}

/** Check 2: features matching a forbidden motif have negative OFIV (and are flagged negative). */
export function negativeRows(a: Analysis, matches: FilterMatch[]): CheckRow[] {
  const results = a.runs[0];
  return a.fixture.classes
    .filter((r) => r.forbids.length)
    .flatMap((rule) => {
      const c = classByName(results, rule.name);
      return rule.forbids.map((role) => {
        const filters = filtersOf(matches, role);
        const values = filters.map((k) => c.ofiv[k]);
        const max = values.length ? Math.max(...values) : NaN;
        const flagged = filters.filter((k) => c.negative.includes(k));
        return {
          check: `negative feature: ${role}`,
          class: rule.name,
          measured: filters.length ? `max OFIV ${fmt(max)}; ${flagged.length}/${filters.length} flagged negative` : 'no matching filter',
          threshold: 'every OFIV < 0, all flagged',
          pass: filters.length > 0 && max < 0 && flagged.length === filters.length,
          detail: filters.map((k) => `filter ${k}: ${fmt(c.ofiv[k])}`).join('; ') + ` (class max |OFIV| ${fmt(Math.max(...c.ofiv.map(Math.abs)))})`,
        };
      });
    });
}

/**
 * Check 3: in an AND class, the features of its motifs vary more from restart to restart than
 * the same features do in the single-motif class and in the OR class, and the mixture puts them
 * in the non-additive group.
 */
export function nonAdditivityRows(a: Analysis, matches: FilterMatch[], andClasses: string[]): CheckRow[] {
  const results = a.runs[0];
  const single = a.fixture.classes.find((r) => r.kind === 'single')!.name;
  const or = a.fixture.classes.find((r) => r.kind === 'or')!.name;
  return andClasses.flatMap((name) => {
    const rule = a.fixture.classes.find((r) => r.name === name)!;
    const c = classByName(results, name);
    const s = classByName(results, single);
    const o = classByName(results, or);
    const filters = rule.uses.flatMap((role) => filtersOf(matches, role));
    const ratios = filters.map((k) => c.variance[k] / Math.max(s.variance[k], o.variance[k]));
    const inGroup = filters.filter((k) => c.nonAdditive.includes(k));
    const minRatio = ratios.length ? Math.min(...ratios) : NaN;
    return [
      {
        check: `non-additivity: variance ${rule.uses.join(', ')}`,
        class: name,
        measured: `min ratio ${fmt(minRatio)}`,
        threshold: `variance here / max(in ${single}, in ${or}) > 1 for every matching filter`,
        pass: filters.length > 0 && minRatio > 1,
        detail: filters.map((k, i) => `filter ${k} (${matches[k].role}): ${fmt(c.variance[k])} vs ${fmt(s.variance[k])}, ${fmt(o.variance[k])} → ×${fmt(ratios[i], 1)}`).join('; '),
      },
      {
        check: `non-additivity: group ${rule.uses.join(', ')}`,
        class: name,
        measured: `${inGroup.length}/${filters.length} in group`,
        threshold: 'all matching filters in the non-additive group',
        pass: filters.length > 0 && inGroup.length === filters.length,
        detail: `${c.gmmComponents} mixture components; non-additive group: ${c.nonAdditive.join(', ') || 'none'}`,
      },
    ];
  });
}

/** Pairs of classes whose rules mention no common motif. */
function disjointPairs(a: Analysis): [string, string][] {
  const cls = a.fixture.classes;
  const motifs = (r: (typeof cls)[number]) => new Set([...r.uses, ...r.forbids]);
  const out: [string, string][] = [];
  cls.forEach((x, i) => cls.slice(i + 1).forEach((y) => {
    const mx = motifs(x);
    if (![...motifs(y)].some((m) => mx.has(m))) out.push([x.name, y.name]);
  }));
  return out;
}

/** Check 4: two classes that share a motif but rarely share labels are similar by OFIV. */
export function sharingRows(a: Analysis, pair: [string, string]): CheckRow[] {
  const results = a.runs[0];
  const at = (name: string) => results.classes.findIndex((c) => c.name === name);
  const sim = (x: string, y: string) => results.similarity.matrix[at(x)][at(y)];
  const shared = sim(pair[0], pair[1]);
  const others = disjointPairs(a).map(([x, y]) => ({ x, y, v: sim(x, y) }));
  const top = others.reduce((m, p) => (p.v > m.v ? p : m));
  const labelCorr = results.labelCorrelation!.matrix[at(pair[0])][at(pair[1])];
  const name = `${pair[0]} ~ ${pair[1]}`;
  return [
    {
      check: 'feature sharing: OFIV similarity',
      class: name,
      measured: fmt(shared),
      threshold: `> every pair sharing no motif (max ${fmt(top.v)}, ${top.x} ~ ${top.y})`,
      pass: shared > top.v,
      detail: `${results.similarity.method} correlation of OFIVs; pairs sharing no motif: ${others.map((p) => `${p.x} ~ ${p.y} ${fmt(p.v)}`).join(', ')}`,
    },
    {
      check: 'feature sharing: label correlation',
      class: name,
      measured: fmt(labelCorr),
      threshold: `< ${THRESHOLDS.labelCorrelation}`,
      pass: labelCorr < THRESHOLDS.labelCorrelation,
      detail: `${results.labelCorrelation!.method} correlation over ${results.labelCorrelation!.samples} held-out sequences`,
    },
  ];
}

/** Check 5: OFIV rankings of two runs with different seeds agree (Spearman) for every class. */
export function stabilityRows(a: Analysis): CheckRow[] {
  const [x, y] = a.runs;
  return x.classes.map((c, i) => {
    const rho = spearman(c.ofiv, y.classes[i].ofiv);
    return {
      check: 'stability: OFIV Spearman',
      class: c.name,
      measured: fmt(rho),
      threshold: `≥ ${THRESHOLDS.spearman}`,
      pass: rho >= THRESHOLDS.spearman,
      detail: `seeds ${x.settings.seed} and ${y.settings.seed}; top features ${byDecreasing(c.ofiv).slice(0, 4).join(', ')} vs ${byDecreasing(y.classes[i].ofiv).slice(0, 4).join(', ')}`,
    };
  });
}

export interface Validation {
  matches: FilterMatch[];
  rows: CheckRow[];
}

export function allChecks(a: Analysis): Validation {
  const matches = matchFilters(a.runs[0].features, a.fixture.motifs);
  const andClasses = a.fixture.classes.filter((r) => r.kind === 'and').map((r) => r.name);
  const rows = [
    ...aurocRows(a),
    ...motifRecoveryRows(a, matches),
    ...negativeRows(a, matches),
    ...nonAdditivityRows(a, matches, andClasses),
    ...sharingRows(a, SHARING_PAIR),
    ...stabilityRows(a),
  ];
  return { matches, rows };
}
