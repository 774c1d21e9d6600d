/**
 * The summary as files and cell outputs: the TSV (one row per model and class, columns in
 * renderers/summary-data.ts), the counts as text, and the notebook view — the interactive table
 * (sortable, filterable, each row linking to the model's own notebook, the recovery chart above it)
 * with an HTML table and plain text as fallbacks. No Vega here (the extension host shows this too):
 * the notebook file's SVG chart is notebook.ts's. Every name goes through the one escaping
 * rule (src/shared/escape.ts): tsvCell, escapeHtml, label, mdText.
 */
import * as path from 'node:path';
import type { MimeBundle } from '../notebook/ipynb';
import { relativeHref, SUMMARY_FORMAT, SUMMARY_MIME, SUMMARY_VERSION, TABLE_COLUMNS, TSV_COLUMNS, type SummaryPayload, type SummaryRow } from '../../renderers/summary-data';
import { escapeHtml, label, tsvCell } from '../shared/escape';
import type { Summary } from './summarize';

export function summaryTsv(rows: SummaryRow[]): string {
  return [TSV_COLUMNS.map((c) => c.name).join('\t'), ...rows.map((r) => TSV_COLUMNS.map((c) => tsvCell(c.cell(r))).join('\t'))].join('\n') + '\n';
}

const pct = (n: number, of: number) => (of ? `${Math.round((100 * n) / of)}%` : '–');

/** The counts over all models, as lines of plain text. */
export function countsText(s: Summary): string {
  const c = s.counts;
  const lines = [`${c.models} result${c.models === 1 ? '' : 's'}, ${c.rows} row${c.rows === 1 ? '' : 's'} (model × class) in ${label(s.dir)}`];
  if (c.withFactor) {
    lines.push(`Factor recovered among the top features by OFIV (of ${c.withFactor} with a factor and motif matches):`);
    lines.push(`  q ≤ 0.05: top 1 ${c.recovered.q05[0]} (${pct(c.recovered.q05[0], c.withFactor)}), top 3 ${c.recovered.q05[1]} (${pct(c.recovered.q05[1], c.withFactor)}), top 5 ${c.recovered.q05[2]} (${pct(c.recovered.q05[2], c.withFactor)})`);
    lines.push(`  q ≤ 0.5:  top 1 ${c.recovered.q50[0]} (${pct(c.recovered.q50[0], c.withFactor)}), top 3 ${c.recovered.q50[1]} (${pct(c.recovered.q50[1], c.withFactor)}), top 5 ${c.recovered.q50[2]} (${pct(c.recovered.q50[2], c.withFactor)})`);
  }
  if (c.noFactor) lines.push(`${c.noFactor} row${c.noFactor === 1 ? '' : 's'} without a factor${s.rows.length === c.noFactor ? ' (--factors FILE says which factor each model finds)' : ' (no --factors line matches)'}`);
  if (c.noMotifs) lines.push(`${c.noMotifs} row${c.noMotifs === 1 ? '' : 's'} with a factor but no motif matches (features that are not first-layer filters, or --motifs none)`);
  lines.push(`Non-additive features: ${c.nonAdditiveFeatures} in ${c.withNonAdditive} of ${c.rows} rows`);
  for (const k of s.skipped) lines.push(`skipped ${label(k.file)}: ${k.why}`);
  if (s.attribution) lines.push(s.attribution);
  return lines.join('\n');
}

/** The rows as plain text: model, factor, the top 3 features with their best motif, the factor's rank. */
export function rowsText(rows: SummaryRow[], limit = 50): string {
  const cols = TABLE_COLUMNS.filter((c) => ['model', 'factor', 'top1', 'top2', 'top3', 'rank05', 'nonAdditive'].includes(c.key));
  const cells = [cols.map((c) => c.title), ...rows.slice(0, limit).map((r) => cols.map((c) => c.text(r)))];
  const widths = cols.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const lines = cells.map((row) => row.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd());
  if (rows.length > limit) lines.push(`… and ${rows.length - limit} more rows (the TSV has them all)`);
  return lines.join('\n');
}

/** Where each row links: the model's notebook (else its results), relative to `from`. */
function linkOf(s: Summary, r: SummaryRow, from: string): string {
  return relativeHref(path.relative(from, path.join(s.dir, r.notebook ?? r.result)));
}

export function summaryPayload(s: Summary, from: string): SummaryPayload {
  return {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    dir: s.dir,
    rows: s.rows.map((r) => ({ ...r, link: linkOf(s, r, from) })),
    counts: s.counts,
    ...(s.attribution ? { attribution: s.attribution } : {}),
  };
}

/** A static HTML table (JupyterLab, GitHub, nbviewer show it where the renderer is missing); every name escaped. */
export function summaryHtml(s: Summary, from: string): string {
  const head = TABLE_COLUMNS.map((c) => `<th>${escapeHtml(c.title)}</th>`).join('');
  const body = s.rows
    .map((r) => {
      const cells = TABLE_COLUMNS.map((c) => {
        const t = escapeHtml(c.text(r));
        return c.key === 'model' ? `<td><a href="${escapeHtml(linkOf(s, r, from))}">${t}</a></td>` : `<td>${t}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  const credit = s.attribution ? `\n<p>${escapeHtml(s.attribution)}</p>` : '';
  return `<table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>${credit}\n`;
}

/** The table's cell outputs: the interactive table first, then the fallbacks. */
export function summaryBundle(s: Summary, from: string): MimeBundle {
  return {
    [SUMMARY_MIME]: summaryPayload(s, from),
    'text/html': summaryHtml(s, from),
    'text/plain': `${countsText(s)}\n\n${rowsText(s.rows)}`,
  };
}
