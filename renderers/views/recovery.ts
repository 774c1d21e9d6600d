/**
 * The summary's chart: how many models find their ChIP'd factor among the motifs of their top 1,
 * 3 and 5 features by OFIV, at q ≤ 0.05 and at q ≤ 0.5 — the tabulation of the DeepResolve paper's
 * ENCODE study — as grouped bars over the models that have a factor and motif matches.
 */
import type { SummaryCounts } from '../summary-data';
import { top } from './common';
import { LIGHT, type Theme } from './theme';

export function recoveryRows(counts: SummaryCounts) {
  const n = counts.withFactor;
  return (['q05', 'q50'] as const).flatMap((level) =>
    [1, 3, 5].map((rank, i) => {
      const models = counts.recovered[level][i];
      return { rank: `top ${rank}`, order: i, q: level === 'q05' ? 'q ≤ 0.05' : 'q ≤ 0.5', models, fraction: n ? models / n : 0 };
    }),
  );
}

export function recoverySpec(counts: SummaryCounts, theme: Theme = LIGHT) {
  return {
    ...top(
      'Factor recovered among the top features',
      `models (of ${counts.withFactor} with a factor and motif matches) whose factor's motif matches one of their top 1, 3 or 5 features by OFIV`,
      theme,
    ),
    width: 360,
    height: 220,
    data: { values: recoveryRows(counts) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'rank', type: 'nominal', title: 'features considered', sort: { field: 'order' }, axis: { labelAngle: 0 } },
      xOffset: { field: 'q', type: 'nominal', sort: ['q ≤ 0.05', 'q ≤ 0.5'] },
      y: { field: 'models', type: 'quantitative', title: 'models', scale: { domain: [0, Math.max(1, counts.withFactor)] }, axis: { tickMinStep: 1 } },
      color: { field: 'q', type: 'nominal', title: 'motif match', sort: ['q ≤ 0.05', 'q ≤ 0.5'], scale: { range: theme.marks.recovery } },
      tooltip: [
        { field: 'rank', title: 'features' },
        { field: 'q', title: 'match' },
        { field: 'models', title: 'models' },
        { field: 'fraction', title: 'fraction', format: '.0%' },
      ],
    },
  };
}
