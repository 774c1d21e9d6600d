/**
 * summary.ipynb (the CLI's summarize --notebook): a heading, the table's outputs (output.ts) and the
 * recovery chart as Vega-Lite with its SVG picture, for viewers without the DeepResolve renderer.
 */
import * as path from 'node:path';
import { notebookJson, type CellSpec, type MimeBundle } from '../notebook/ipynb';
import { VEGALITE_MIME } from '../notebook/output-bundle';
import { recoverySpec } from '../../renderers/views/recovery';
import { renderSvg } from '../../renderers/svg';
import { mdText } from '../shared/escape';
import { countsText, summaryBundle } from './output';
import type { Summary } from './summarize';

/** The recovery chart's outputs (Vega-Lite, SVG, text); none when no model has a factor. */
export async function recoveryBundle(s: Summary): Promise<MimeBundle | null> {
  if (!s.counts.withFactor) return null;
  const spec = recoverySpec(s.counts);
  return { [VEGALITE_MIME]: { ...spec, $schema: 'https://vega.github.io/schema/vega-lite/v5.json' }, 'image/svg+xml': await renderSvg(spec), 'text/plain': countsText(s) };
}

/** summary.ipynb: a heading with the counts, the table, the chart. Links are relative to the notebook's folder. */
export async function summaryNotebook(s: Summary, notebookFile: string): Promise<string> {
  const from = path.dirname(path.resolve(notebookFile));
  const c = s.counts;
  const cells: CellSpec[] = [
    {
      kind: 'markdown',
      source: `# DeepResolve summary: ${mdText(path.basename(s.dir))}\n\n${c.models} results, ${c.rows} rows (model × class). Each model's name links to its notebook. Sort by a column's header; filter by names.`,
    },
    { kind: 'code', source: '# Models', outputs: [summaryBundle(s, from)] },
  ];
  const chart = await recoveryBundle(s);
  if (chart) cells.push({ kind: 'code', source: '# Factor recovered among the top features', outputs: [chart] });
  return notebookJson(cells);
}
