/**
 * Text forms of results for the cell (text/plain, and Markdown tables VS Code renders natively):
 * what a reader sees without the interactive renderer, and what a saved notebook shows elsewhere.
 * Names from files go through src/shared/escape.ts: `label` in plain text, `mdText` in Markdown.
 */
import type { LayerInfo } from '../engine/layers';
import type { OutputListing } from '../engine/outputs';
import type { ClassResult, Results } from '../engine/results';
import { csvCell, label, mdText, visible } from '../shared/escape';
import { float32Text } from '../engine/results-file';
import { shownLogo } from '../shared/logo';
import { partialText } from '../shared/partial';

const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 || (Math.abs(v) < 0.001 && v !== 0) ? v.toExponential(2) : v.toFixed(3)) : String(v));

/** A table of names and numbers, as aligned plain text and as a Markdown table; every cell is escaped here. */
export function table(header: string[], rows: string[][]): { plain: string; markdown: string } {
  const shown = [header, ...rows].map((r) => r.map((c) => label(c)));
  const widths = header.map((_, i) => Math.max(...shown.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const plain = shown.map(line).join('\n');
  const row = (r: string[]) => `| ${r.map((c) => mdText(c)).join(' | ')} |`;
  const markdown = [row(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(row)].join('\n');
  return { plain, markdown };
}

/**
 * A line of our own words with names in it (a list of names is joined with commas), as plain text
 * and as Markdown: the words stay as written, each name is escaped for its form.
 */
export function sentence(parts: TemplateStringsArray, ...names: (string | string[])[]): { plain: string; markdown: string } {
  const join = (f: (s: string) => string) =>
    parts.reduce((out, p, i) => {
      const n = names[i];
      return out + p + (n === undefined ? '' : Array.isArray(n) ? n.map((x) => f(x)).join(', ') : f(n));
    }, '');
  return { plain: join((s) => label(s)), markdown: join((s) => mdText(s)) };
}

export function resultSummary(name: string, r: Results): string {
  const classes = r.classes.length === 1 ? `class ${label(r.classes[0].name)}` : `${r.classes.length} classes`;
  const lines = [
    `${name}: ${label(r.model.name)}, ${classes} × ${r.settings.restarts} restarts on layer '${label(r.model.layer.name)}' (${r.model.layer.channels} features), ${r.backend} backend, ${r.timing.seconds.toFixed(1)} s${r.partial ? ` (${partialText(r.partial)})` : ''}`,
  ];
  for (const c of r.classes.slice(0, 8)) {
    const top = topFeatures(c, 3).map((k) => `${label(r.features[k].name)} ${fmt(c.ofiv[k])}`);
    lines.push(`  ${label(c.name)}: top ${top.join(', ')}${c.nonAdditive.length && c.gmmComponents > 1 ? `; non-additive: ${c.nonAdditive.length}` : ''}${c.negative.length ? `; negative: ${c.negative.length}` : ''}`);
  }
  if (r.classes.length > 8) lines.push(`  … ${r.classes.length - 8} more classes (%features CLASS ${name})`);
  for (const n of r.notes) lines.push(`  note: ${visible(n)}`);
  return lines.join('\n');
}

export function topFeatures(c: ClassResult, n: number): number[] {
  return c.ofiv.map((_, k) => k).sort((a, b) => Math.abs(c.ofiv[b]) - Math.abs(c.ofiv[a]) || a - b).slice(0, n);
}

export function featuresTable(r: Results, c: ClassResult, top: number) {
  const neg = new Set(c.negative);
  const na = new Set(c.gmmComponents > 1 ? c.nonAdditive : []);
  const ks = c.ofiv.map((_, k) => k).sort((a, b) => c.ofiv[b] - c.ofiv[a] || a - b);
  // The strongest positive features, then the negative ones (they lower the class score).
  const chosen = [...ks.filter((k) => !neg.has(k)).slice(0, top), ...ks.filter((k) => neg.has(k)).slice(-top)];
  const rows = chosen.map((k) => [
    r.features[k].name,
    fmt(c.ofiv[k]),
    fmt(c.oniv[k]),
    fmt(c.sd[k]),
    [neg.has(k) ? 'negative' : '', na.has(k) ? 'non-additive' : ''].filter(Boolean).join(', '),
  ]);
  const t = table(['feature', 'OFIV', 'ONIV', 'sd', 'role'], rows);
  const [shown, of] = [String(Math.min(top, c.ofiv.length)), String(c.ofiv.length)];
  // Results before schema 1.1 have no output names: their class index was the output unit. A
  // notebook saved before its payload kept the outputs restores '' (restore.ts): the index alone.
  const title =
    c.output === undefined
      ? sentence`Class ${c.name} (output ${String(c.index)}): top ${shown} of ${of} features by OFIV`
      : c.output === ''
        ? sentence`Class ${c.name} (class ${String(c.index)}): top ${shown} of ${of} features by OFIV`
        : sentence`Class ${c.name} (class ${String(c.index)}: output ${c.output}, unit ${String(c.unit)}): top ${shown} of ${of} features by OFIV`;
  return { plain: `${title.plain}\n${t.plain}`, markdown: `**${title.markdown}**\n\n${t.markdown}` };
}

export function interactionsText(r: Results, c: ClassResult) {
  const order = c.variance.map((_, k) => k).sort((a, b) => c.variance[b] - c.variance[a]);
  const na = new Set(c.nonAdditive);
  const head =
    c.gmmComponents > 1
      ? sentence`Class ${c.name}: the mixture keeps ${String(c.gmmComponents)} components; ${String(c.nonAdditive.length)} non-additive feature(s) (highest-variance group), ONIV differs from OFIV for them.`
      : sentence`Class ${c.name}: one mixture component — every feature contributes additively (ONIV = OFIV).`;
  const rows = order.slice(0, 15).map((k) => [r.features[k].name, fmt(c.variance[k]), fmt(c.ofiv[k]), fmt(c.oniv[k]), na.has(k) && c.gmmComponents > 1 ? 'non-additive' : '']);
  const t = table(['feature', 'variance', 'OFIV', 'ONIV', 'group'], rows);
  return { plain: `${head.plain}\n${t.plain}`, markdown: `${head.markdown}\n\n${t.markdown}` };
}

export function similarityText(r: Results) {
  const m = r.similarity;
  const names = m.classes.map((ci) => r.classes.find((c) => c.index === ci)?.name ?? String(ci));
  const order = m.order;
  const rows = order.map((i) => [names[i], ...order.map((j) => fmt(m.matrix[i][j]))]);
  const t = table(['', ...order.map((i) => names[i])], rows);
  const title = `Class similarity (${m.method} correlation of OFIV vectors), clustered order`;
  if (m.classes.length > 20) return { plain: `${title}: ${m.classes.length} classes (too many for a text table; see the chart)`, markdown: `**${title}**: ${m.classes.length} classes` };
  return { plain: `${title}\n${t.plain}`, markdown: `**${title}**\n\n${t.markdown}` };
}

export function layersTable(layers: LayerInfo[], defaultLayer: number | null, modelName: string, outputs?: OutputListing[]) {
  const rows = layers.map((l) => [l.index === defaultLayer ? '*' : '', String(l.index), l.name, l.className, `(${l.outputShape.map((x) => x ?? 'None').join(', ')})`]);
  const t = table(['', 'index', 'name', 'class', 'output shape'], rows);
  const title = sentence`Layers of ${modelName} (${'*'} = default analysis layer)`;
  const o = outputs?.length ? outputsTable(outputs) : null;
  return {
    plain: `${title.plain}\n${t.plain}${o ? `\n\n${o.plain}` : ''}`,
    markdown: `**${title.markdown}**\n\n${t.markdown}${o ? `\n\n${o.markdown}` : ''}`,
  };
}

/** The model's outputs, as `layers` lists them: what --output takes, and the classes each makes. */
export function outputsTable(outputs: OutputListing[]) {
  const rows = outputs.map((o) => [o.name, o.layer, `(${o.shape.join(', ')})`, String(o.units), o.shape.length > 1 ? 'profile: summed over positions' : '', o.activation ?? '']);
  const t = table(['output', 'layer', 'shape', 'classes', 'scores', 'final activation (removed)'], rows);
  return { plain: `Outputs (--output NAME or all)\n${t.plain}`, markdown: `**Outputs** (\`--output NAME\` or \`all\`)\n\n${t.markdown}` };
}

const PREVIEW_ROWS = 10;
const PREVIEW_COLUMNS = 8;

/** The first rows of a prediction TSV as a table (at most PREVIEW_COLUMNS output columns), titled with what it holds. */
export function predictionTable(tsv: string, columns: string[], rows: number, modelName: string, fasta: string, outFile?: string) {
  const lines = tsv.split('\n', PREVIEW_ROWS + 1).slice(1).filter((l) => l !== '');
  const cut = columns.length > PREVIEW_COLUMNS;
  const header = ['id', ...columns.slice(0, PREVIEW_COLUMNS), ...(cut ? [`… ${columns.length - PREVIEW_COLUMNS} more`] : [])];
  const body = lines.map((l) => {
    const cells = l.split('\t');
    return [cells[0], ...cells.slice(1, PREVIEW_COLUMNS + 1), ...(cut ? ['…'] : [])];
  });
  const t = table(header, body);
  const counts = `${rows} sequence${rows === 1 ? '' : 's'} × ${columns.length} output column${columns.length === 1 ? '' : 's'}${rows > lines.length ? ` (first ${lines.length} shown)` : ''}`;
  const named = sentence`Predictions of ${modelName} for ${fasta}: `;
  const title = { plain: named.plain + counts, markdown: named.markdown + counts };
  const where = outFile ? sentence`The TSV was written to ${outFile}.` : sentence`The whole TSV is this output's text/tab-separated-values item (--out FILE writes it to a file).`;
  return { plain: `${title.plain}\n${t.plain}\n${where.plain}`, markdown: `**${title.markdown}**\n\n${t.markdown}\n\n${where.markdown}` };
}

/** Consensus letters of a PWM (uppercase when the position carries ≥ 1 bit). */
export function consensus(pwm: number[][], ic?: number[]): string {
  return pwm
    .map((row, i) => {
      const b = row.indexOf(Math.max(...row));
      const letter = 'ACGT'[b];
      return (ic?.[i] ?? 2) >= 1 ? letter : letter.toLowerCase();
    })
    .join('');
}

export function logosText(r: Results, features: number[]) {
  const derived = features.some((k) => shownLogo(r.features[k])?.source === 'model');
  const rows = features.map((k) => {
    const f = r.features[k];
    const shown = shownLogo(f);
    const bits = shown?.ic ? shown.ic.reduce((a, b) => a + b, 0) : 0;
    const from = shown ? (shown.source === 'filter' ? 'filter weights' : `model, layer ${f.logo!.layer}`) : f.noLogo ? `no logo: ${f.noLogo}` : '—';
    return [f.name, shown ? consensus(shown.matrix, shown.ic) : '—', shown ? bits.toFixed(1) : '—', ...(derived ? [from] : [])];
  });
  const t = table(['feature', 'consensus', 'bits', ...(derived ? ['logo from'] : [])], rows);
  return { plain: t.plain, markdown: t.markdown };
}

/** OFIV matrix as CSV: one row per feature, one column per analysed class; values at float32 precision (shortest round trip, as the results file). */
export function ofivCsv(r: Results): string {
  const header = ['feature', ...r.classes.map((c) => c.name)].map(csvCell).join(',');
  const rows = r.features.map((f, k) => [csvCell(f.name), ...r.classes.map((c) => (Number.isFinite(c.ofiv[k]) ? float32Text(c.ofiv[k]) : ''))].join(','));
  return [header, ...rows].join('\n') + '\n';
}
