/**
 * The heatmap at DeepSEA scale (919 classes × 960 features) in Node: label thinning (the rule and
 * the static SVG fallback that applies it), the top-N feature filter, the zoom binding.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticResults } from '../renderer/fixtures';
import { featureLabel, fromResults, type ViewData } from '../../renderers/data';
import { renderSvg } from '../../renderers/svg';
import { heatmapFeatures, heatmapSpec } from '../../renderers/views/heatmap';
import { similaritySpec } from '../../renderers/views/similarity';
import { labelPitch, labelStride, labelledCells } from '../../renderers/views/axis-labels';
import { VIEWS } from '../../renderers/views/index';
import { LIGHT } from '../../renderers/views/theme';

const big: ViewData = fromResults(syntheticResults({ classes: 919, features: 960, seed: 5 }));
const PITCH = labelPitch(LIGHT.fontSize);

/** Axis labels of an SVG: [text, x, y] of each, from Vega's translate(x,y). */
function axisLabels(svg: string): { text: string; x: number; y: number }[][] {
  const groups = [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g)].map((g) => g[1]);
  return groups.map((g) => [...g.matchAll(/<text[^>]*transform="translate\(([-\d.e]+),([-\d.e]+)\)[^"]*"[^>]*>([^<]*)<\/text>/g)].map((t) => ({ text: t[3], x: Number(t[1]), y: Number(t[2]) })));
}

const params = (spec: Record<string, unknown>) => new Map((spec.params as { name: string; value?: unknown }[]).map((p) => [p.name, p.value]));

describe('label thinning', () => {
  test('the rule: neighbours at least one line apart, and no sparser than that needs', () => {
    for (const [span, extent] of [[919, 860], [960, 720], [40, 450], [3, 54], [100, 200], [7, 7]]) {
      const s = labelStride(span, extent, PITCH);
      const cell = extent / span;
      assert.ok(s * cell >= PITCH, `${span} in ${extent} px: every ${s} → ${s * cell} px apart`);
      if (s > 1) assert.ok((s - 1) * cell < PITCH, `${span} in ${extent} px: every ${s - 1} would have fitted`);
    }
    // Zoomed to cells [100, 160) of the 919: labelled cells are the stride's multiples inside.
    const cells = labelledCells(919, 100, 160, 860, PITCH);
    const s = labelStride(60, 860, PITCH);
    assert.equal(s, Math.ceil((PITCH * 60) / 860));
    assert.deepEqual(cells, Array.from({ length: 160 }, (_, i) => i).filter((i) => i >= 100 && i % s === 0));
  });

  test('the static SVG of the 919 × 960 heatmap draws the labels the rule gives, none overlapping, each its own row or class', async () => {
    const spec = heatmapSpec(big, { maxPixels: 300 });
    const width = (spec as unknown as Record<string, unknown>).width as number;
    const height = (spec as unknown as Record<string, unknown>).height as number;
    const svg = await renderSvg(spec);
    const [cols, rows] = axisLabels(svg);
    const order = big.similarity.order;
    const expectedCols = labelledCells(919, 0, 919, width, PITCH);
    const expectedRows = labelledCells(960, 0, 960, height, PITCH);
    console.log(`# 919 × 960 heatmap (${width} × ${height} px): ${cols.length} class labels, ${rows.length} feature labels`);
    assert.deepEqual(cols.map((l) => l.text), expectedCols.map((j) => big.classes[order[j]].name));
    assert.deepEqual(rows.map((l) => l.text), expectedRows.map((i) => featureLabel(big.features[big.featureOrder[i]])));
    // Column labels are vertical, row labels horizontal: one line (PITCH px) between neighbours.
    for (let i = 1; i < cols.length; i++) assert.ok(cols[i].x - cols[i - 1].x >= PITCH - 1e-9, `class labels ${i - 1}, ${i}: ${cols[i].x - cols[i - 1].x} px`);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i].y - rows[i - 1].y >= PITCH - 1e-9, `feature labels ${i - 1}, ${i}: ${rows[i].y - rows[i - 1].y} px`);
    // Each label at its cell's centre (Vega shifts every label by the same baseline offset).
    rows.forEach((l, i) => assert.ok(Math.abs(l.y - rows[0].y - (expectedRows[i] - expectedRows[0]) * (height / 960)) < 0.01, `row label ${i} at ${l.y}`));
    cols.forEach((l, i) => assert.ok(Math.abs(l.x - cols[0].x - (expectedCols[i] - expectedCols[0]) * (width / 919)) < 0.01, `class label ${i} at ${l.x}`));
    assert.ok(Math.abs(cols[0].x - 0.5 * (width / 919)) < 0.01, 'first class label at the first column\'s centre');
    assert.match(svg, /class \(919, clustering order\)/);
    assert.match(svg, /feature \(960, clustering order\)/);
  });

  test('small matrices keep every label; similarity thins the same way', async () => {
    const small = fromResults(syntheticResults({ classes: 4, features: 3, seed: 2 }));
    const [cols, rows] = axisLabels(await renderSvg(heatmapSpec(small)));
    assert.equal(cols.length, 4);
    assert.equal(rows.length, 3);
    const sim = similaritySpec(big, { maxPixels: 300 });
    const [sc, sr] = axisLabels(await renderSvg(sim));
    assert.equal(sc.length, labelledCells(919, 0, 919, (sim as unknown as Record<string, unknown>).width as number, PITCH).length);
    assert.equal(sr.length, labelledCells(919, 0, 919, (sim as unknown as Record<string, unknown>).height as number, PITCH).length);
    assert.ok(sc.length > 10 && sc.length < 919 / 5);
  });
});

describe('top-N filter of the heatmap', () => {
  test('keeps the N features with the largest |OFIV| in any class, in clustering order, plus the selected one', () => {
    const N = 50;
    const strongest = big.features
      .map((_, k) => [Math.max(...big.classes.map((c) => Math.abs(c.ofiv[k]))), k] as const)
      .sort((a, b) => b[0] - a[0] || a[1] - b[1])
      .slice(0, N)
      .map(([, k]) => k);
    const { features, total } = heatmapFeatures(big, { heatmapTop: N });
    assert.equal(total, 960);
    assert.deepEqual(new Set(features), new Set(strongest));
    assert.deepEqual(features, big.featureOrder.filter((k) => strongest.includes(k)), 'clustering order kept');
    const spec = heatmapSpec(big, { heatmapTop: N });
    assert.deepEqual(params(spec).get('hmRows'), features.map((k) => featureLabel(big.features[k])));
    assert.match(JSON.stringify((spec as { title: { subtitle: string[] } }).title.subtitle), /top 50 of 960 features by largest \|OFIV\| in any class/);
    const weak = big.featureOrder.find((k) => !strongest.includes(k))!;
    assert.equal(heatmapFeatures(big, { heatmapTop: N, feature: weak }).features.length, N + 1);
    // The CSV holds what is shown: 50 features × 919 classes.
    assert.equal(VIEWS.heatmap.table(big, { heatmapTop: N }).length, N * 919);
    // Few enough cells: one mark per cell again.
    const cells = ((heatmapSpec(big, { heatmapTop: 20 }) as unknown as Record<string, unknown>).layer as { name?: string; data?: { values: unknown[] } }[]).find((l) => l.name === 'hm_cells');
    assert.equal(cells?.data?.values.length, 20 * 919);
    // N at or above the count: everything.
    assert.equal(heatmapFeatures(big, { heatmapTop: 5000 }).features.length, 960);
  });
});

describe('zoom', () => {
  test('the heatmap and similarity bind an interval selection to their scales (wheel with a modifier, drag, double-click)', async () => {
    const vl = await import('vega-lite');
    for (const [spec, id] of [[heatmapSpec(big, { maxPixels: 300 }), 'hm'], [similaritySpec(big, { maxPixels: 300 }), 'sim']] as const) {
      const compiled = JSON.stringify(vl.compile(spec as unknown as Parameters<typeof vl.compile>[0]).spec);
      assert.ok(compiled.includes(`"domainRaw":{"signal":"${id}Zoom[\\"c\\"]"}`), `${id}: x scale follows the zoom`);
      assert.ok(compiled.includes(`"domainRaw":{"signal":"${id}Zoom[\\"r\\"]"}`), `${id}: y scale follows the zoom`);
      assert.ok(compiled.includes('event.ctrlKey || event.metaKey || event.altKey'), 'a plain wheel still scrolls the notebook');
    }
  });
});
