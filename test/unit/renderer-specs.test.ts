/** Spec builders, payload packing, the SVG fallback and the output bundle, in Node. */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFeatures } from '../../src/engine/resolve';
import { useBackend } from '../../src/engine/backend';
import type { Results } from '../../src/engine/results';
import { linearHeadModel, loaded } from '../helpers/models';
import { syntheticResults } from '../renderer/fixtures';
import { featureLabel, fromResults, attribution } from '../../renderers/data';
import { fromHalf, pack, packView, toHalf, unpack, unpackView, RESULT_MIME } from '../../renderers/pack';
import { renderSvg } from '../../renderers/svg';
import { VIEWS, toCsv } from '../../renderers/views/index';
import { heatmapSpec } from '../../renderers/views/heatmap';
import { importanceRows, importanceSpec } from '../../renderers/views/importance';
import { similaritySpec } from '../../renderers/views/similarity';
import { logoRows } from '../../renderers/views/logos';
import { outputBundle, makeNotebook, VEGALITE_MIME, textSummary } from '../../src/notebook/output-bundle';

let small: Results;

before(async () => {
  await useBackend('cpu');
  small = await resolveFeatures({ loaded: loaded(linearHeadModel(4)), settings: { layer: 'conv', restarts: 5, seed: 1, backend: 'cpu' } });
});

const layers = (spec: Record<string, unknown>) => spec.layer as { name?: string; data?: { values: Record<string, unknown>[] }; mark: { type: string } }[];

describe('payload', () => {
  test('float16 round trip keeps 3 significant digits; NaN stays null', () => {
    for (const v of [0, 1, -1, 0.5, 1 / 3, 65504, 6.1e-5, -2.5e-7]) assert.ok(Math.abs(fromHalf(toHalf(v)) - v) <= Math.abs(v) * 5e-4 + 6e-8, `${v}`);
    const xs = [0.001234, -12.5, 3.14159, null, 1e-4];
    const back = unpack(pack(xs));
    assert.equal(back[3], null);
    xs.forEach((v, i) => v !== null && assert.ok(Math.abs(back[i]! - v) <= Math.abs(v) * 5e-4 + 12.5 * 2 ** -24, `${v} → ${back[i]}`));
  });

  test('packView/unpackView keep every view input (engine result)', () => {
    const data = fromResults(small);
    const back = unpackView(JSON.parse(JSON.stringify(packView(data, 'importance'))));
    assert.equal(back.view, 'importance');
    assert.deepEqual(back.data.featureOrder, data.featureOrder);
    assert.deepEqual(back.data.similarity.order, data.similarity.order);
    data.classes.forEach((c, i) => {
      const b = back.data.classes[i];
      const scale = Math.max(...c.ofiv.map(Math.abs));
      c.ofiv.forEach((v, k) => assert.ok(Math.abs(b.ofiv[k] - v) <= 1e-3 * scale, `ofiv ${v} vs ${b.ofiv[k]}`));
      c.oniv.forEach((v, k) => assert.ok(Math.abs(b.oniv[k] - v) <= 1e-3 * scale));
      assert.deepEqual(b.nonAdditive, c.nonAdditive);
      assert.equal(b.traces?.length, 5);
    });
    assert.equal(back.data.features[0].pwm?.length, 5);
  });

  test('a 919 × 960 result with label correlation packs to under 9 MB and leaves out per-restart data', () => {
    const r = syntheticResults({ classes: 919, features: 960, labels: true, seed: 5 });
    r.classes[0].fiv = [[1, 2, 3]];
    r.classes[0].featureMaps = [[1, 2, 3]];
    const json = JSON.stringify(packView(fromResults(r)));
    console.log(`# 919 × 960 payload: ${(json.length / 1e6).toFixed(2)} MB (results JSON ${(JSON.stringify(r).length / 1e6).toFixed(0)} MB)`);
    assert.ok(json.length < 9e6, `${json.length}`);
    assert.ok(!json.includes('featureMaps') && !json.includes('"fiv"'));
  });
});

describe('spec builders', () => {
  test('heatmap: one cell per (feature, class), rows and columns in clustering order, symmetric colour domain', () => {
    const data = fromResults(small);
    const spec = heatmapSpec(data);
    const cells = layers(spec).find((l) => l.name === 'hm_cells')!;
    assert.equal(cells.data!.values.length, 12);
    const first = cells.data!.values.find((c) => c.r === 0 && c.c === 0)!;
    assert.equal(first.rk, data.featureOrder[0]);
    assert.equal(first.ck, data.similarity.order[0]);
    assert.equal(first.v, data.classes[data.similarity.order[0]].ofiv[data.featureOrder[0]]);
    const color = (cells as unknown as { encoding: { color: { scale: { domain: number[] } } } }).encoding.color.scale.domain;
    assert.equal(color[0], -color[1]);
    assert.equal(color[1], Math.max(...data.classes.flatMap((c) => c.ofiv.map(Math.abs))));
    const oniv = layers(heatmapSpec(data, { measure: 'oniv' })).find((l) => l.name === 'hm_cells')!;
    assert.equal((oniv as unknown as { encoding: { color: { title: string } } }).encoding.color.title, 'ONIV');
  });

  test('heatmap of a large matrix is one image whose pixels are pooled for static pictures', () => {
    const data = fromResults(syntheticResults({ classes: 120, features: 200, seed: 2 }));
    const spec = heatmapSpec(data, { maxPixels: 50, rasterAbove: 1000 });
    const raster = layers(spec).find((l) => l.name === 'hm_raster')!;
    const url = String(raster.data!.values[0].url);
    const png = Buffer.from(url.slice('data:image/png;base64,'.length), 'base64');
    assert.equal(png.readUInt32BE(16), 40); // width: 120 columns in blocks of 3
    assert.equal(png.readUInt32BE(20), 50); // height: 200 rows in blocks of 4
    assert.match(JSON.stringify((spec as { title: { subtitle: string[] } }).title.subtitle), /overview/);
  });

  test('importance bars: top N by |value| sorted by value, negatives kept, non-additive marked, selected feature added', () => {
    const r = syntheticResults({ classes: 3, features: 50, seed: 4 });
    const data = fromResults(r);
    const c = data.classes[1];
    const { rows, total } = importanceRows(data, { classPos: 1, topN: 10 });
    assert.equal(total, 50);
    assert.equal(rows.length, 10);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1].value >= rows[i].value);
    const strongest = [...c.ofiv].map((v, k) => [Math.abs(v), k]).sort((a, b) => b[0] - a[0]).slice(0, 10).map(([, k]) => k);
    assert.deepEqual(new Set(rows.map((r) => r.feature)), new Set(strongest));
    const mostNegative = c.ofiv.indexOf(Math.min(...c.ofiv));
    assert.ok(rows.some((r) => r.feature === mostNegative && r.kind !== 'positive' && r.value < 0));
    for (const row of rows) assert.equal(row.kind === 'non-additive', c.nonAdditive.includes(row.feature));
    const outside = c.ofiv.map((_, k) => k).find((k) => !strongest.includes(k))!;
    assert.equal(importanceRows(data, { classPos: 1, topN: 10, feature: outside }).rows.length, 11);
    const spec = importanceSpec(data, { classPos: 1, topN: 10 });
    assert.equal((spec.params as { name: string; value: unknown }[]).find((p) => p.name === 'barLabels')!.value instanceof Array, true);
  });

  test('similarity puts label correlation beside, in the same order; motif names label features with attribution', () => {
    const data = fromResults(syntheticResults({ classes: 6, features: 8, labels: true, matches: true, pwmWidth: 5, seed: 9 }));
    const spec = similaritySpec(data) as unknown as { hconcat: { layer: { name?: string; data?: { values: { r: number; c: number; v: number }[] } }[] }[] };
    assert.equal(spec.hconcat.length, 2);
    const left = spec.hconcat[0].layer.find((l) => l.name === 'sim_cells')!.data!.values;
    const right = spec.hconcat[1].layer.find((l) => l.name === 'lab_cells')!.data!.values;
    const o = data.similarity.order;
    const l = left.find((x) => x.r === 0 && x.c === 1)!;
    assert.equal(l.v, data.similarity.matrix[o[0]][o[1]]);
    assert.equal(right.find((x) => x.r === 0 && x.c === 1)!.v, data.labelCorrelation!.matrix[o[0]][o[1]]);
    assert.equal(featureLabel(data.features[0]), 'filter 0 · CTCF');
    assert.equal(featureLabel(data.features[1]), 'filter 1');
    assert.match(attribution(data.features)!, /^JASPAR 2024 \(CC BY 4\.0\)/);
  });

  test('logo letters are stacked by information content, largest on top', () => {
    const data = fromResults(small);
    const rows = logoRows(data, [0]);
    const f = data.features[0];
    for (let pos = 0; pos < f.pwm!.length; pos++) {
      const stack = rows.filter((r) => r.position === pos + 1);
      assert.equal(stack.length, 4);
      assert.ok(Math.abs(stack[3].y1 - f.ic![pos]) < 1e-9);
      for (let i = 1; i < 4; i++) assert.ok(stack[i].bits >= stack[i - 1].bits && stack[i].y0 === stack[i - 1].y1);
    }
  });

  test('CSV quotes commas and defuses formula-like names', () => {
    assert.equal(toCsv([{ a: 'x,y', b: '=1+1', c: 2 }]), 'a,b,c\n"x,y",\'=1+1,2\n');
  });
});

describe('SVG fallback and output bundle', () => {
  test('every view renders to SVG in plain Node', async () => {
    const data = fromResults(small);
    for (const [name, view] of Object.entries(VIEWS)) {
      const t0 = performance.now();
      const svg = await renderSvg(view.build(data, { feature: 1 }));
      console.log(`# SVG ${name}: ${(performance.now() - t0).toFixed(0)} ms, ${svg.length} chars`);
      assert.match(svg, /^<svg[^>]*width="\d+"/, name);
      // Classes are named after the model's output ('out', four units).
      assert.ok(svg.includes(name === 'convergence' ? 'restart' : 'out[0]') || name === 'logos', name);
    }
    const heat = await renderSvg(heatmapSpec(data));
    assert.equal((heat.match(/role-mark hm_cells_marks/g) ?? []).length, 1);
    // 12 cells and the outline of the selected class's column (the first class by default).
    assert.equal((heat.match(/aria-roledescription="rect mark"/g) ?? []).length, 12 + 1);
  });

  test('bundle: custom payload, SVG, Vega-Lite v5 and text summary; names escaped in SVG', async () => {
    const r = syntheticResults({ classes: 3, features: 5, seed: 11, names: (i) => (i === 0 ? '<img src=x onerror=alert(1)>' : `class ${i}`) });
    const bundle = await outputBundle(r, 'heatmap');
    assert.deepEqual(Object.keys(bundle).sort(), [RESULT_MIME, VEGALITE_MIME, 'image/svg+xml', 'text/plain'].sort());
    assert.equal((bundle[VEGALITE_MIME] as { $schema: string }).$schema, 'https://vega.github.io/schema/vega-lite/v5.json');
    const svg = bundle['image/svg+xml'] as string;
    assert.ok(!svg.includes('<img'), 'no raw markup from names');
    assert.ok(svg.includes('&lt;img src=x onerror=alert(1)&gt;'));
    const text = bundle['text/plain'] as string;
    assert.match(text, /Top features by OFIV/);
    assert.match(text, /Non-additive group/);
    assert.match(text, /Most similar class pairs \(pearson r of OFIV\)/);
    assert.equal(unpackView(bundle[RESULT_MIME]).data.classes.length, 3);
  });

  test('summary names the top features of a class with their values', () => {
    const data = fromResults(small);
    const c = data.classes[0];
    const best = c.ofiv.map((_, k) => k).sort((a, b) => Math.abs(c.ofiv[b]) - Math.abs(c.ofiv[a]))[0];
    assert.equal(c.name, 'out[0]');
    assert.ok(textSummary(data).includes(`  out[0]: filter ${best} `), textSummary(data));
  });

  test('919 × 960 bundle: SVG fallback is a pooled image, not 882,240 shapes', async () => {
    const r = syntheticResults({ classes: 919, features: 960, labels: true, seed: 5 });
    const t0 = performance.now();
    const bundle = await outputBundle(r, 'heatmap');
    const sizes = Object.fromEntries(Object.entries(bundle).map(([k, v]) => [k, (typeof v === 'string' ? v : JSON.stringify(v)).length]));
    console.log(`# 919 × 960 bundle in ${(performance.now() - t0).toFixed(0)} ms: ${JSON.stringify(sizes)}`);
    assert.ok(sizes['image/svg+xml'] < 300_000);
    assert.ok((sizes[VEGALITE_MIME] ?? 0) < 300_000, "the Vega-Lite fallback is small, or left out");
    assert.equal(((bundle['image/svg+xml'] as string).match(/<image /g) ?? []).length, 1);
  });

  test('notebook: nbformat 4.5 with display_data outputs, JSON kept as objects, text as lines', async () => {
    const bundle = await outputBundle(small, 'importance', { svg: false });
    const nb = makeNotebook([{ kind: 'markdown', source: '# t\nx' }, { kind: 'code', source: '%resolve', outputs: [bundle] }]);
    assert.equal(nb.nbformat, 4);
    assert.equal(nb.nbformat_minor, 5);
    const cell = nb.cells[1] as { outputs: { output_type: string; data: Record<string, unknown> }[]; id: string };
    assert.equal(cell.outputs[0].output_type, 'display_data');
    assert.equal(typeof cell.outputs[0].data[RESULT_MIME], 'object');
    assert.ok(Array.isArray(cell.outputs[0].data['text/plain']));
    assert.deepEqual((nb.cells[0] as { source: string[] }).source, ['# t\n', 'x']);
  });
});

test('the payload carries the class and feature a view opens on, and reads back', () => {
  const data = fromResults(syntheticResults({ classes: 4, features: 6 }));
  const packed = packView(data, 'interactions', { classPos: 2, feature: 5 });
  assert.deepEqual(unpackView(JSON.parse(JSON.stringify(packed))).focus, { classPos: 2, feature: 5 });
  assert.deepEqual(unpackView(packView(data, 'heatmap')).focus, {});
});
