/**
 * The notebook payload, version 3 (renderers/pack.ts): OFIV, SD and matrices as integers of a
 * per-class step, read back within one step and with no decimal the step does not support;
 * negative features and ONIV as the engine has them; the coarser steps only in a large dashboard;
 * payloads saved by version 2 still read; many-mark SVG fallbacks compacted without losing a mark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { dequantize, packView, quantize, sealPayload, unpackView, PAYLOAD_VERSION } from '../../renderers/pack';
import { fromResults, type ViewData } from '../../renderers/data';
import { compactMarks, renderSvg } from '../../renderers/svg';
import { VIEWS } from '../../renderers/views/index';
import { correlation } from '../../src/engine/cluster';
import { syntheticResults } from '../renderer/fixtures';

const maxAbs = (xs: number[]) => xs.reduce((m, v) => (Number.isFinite(v) ? Math.max(m, Math.abs(v)) : m), 0);
/** Decimals of a number as JSON prints it (exponent form counted by its exponent). */
function decimals(v: number): number {
  const [mant, exp] = String(v).split('e');
  return Math.max(0, (mant.split('.')[1]?.length ?? 0) - Number(exp ?? 0));
}

test('quantize: every value within one step of its row (step = row max / (2^(bits-1) - 1)), NaN kept, no digit finer than the step', () => {
  const rows = [
    [0.5, -0.25, 1e-4, 0.12345678, NaN, -0.5],
    [0, 0, 0, 0, 0, 0],
    [1234.5, -3, 7, 0.001, 99, -1000],
  ];
  for (const bits of [8, 11, 16]) {
    const q = quantize(rows, bits);
    const back = dequantize(JSON.parse(JSON.stringify(q)));
    rows.forEach((row, i) => {
      const step = maxAbs(row) / (2 ** (bits - 1) - 1) || 1;
      assert.ok(Math.abs(q.steps[i] - step) <= step * 1e-7, `step ${q.steps[i]} vs ${step}`);
      row.forEach((v, k) => {
        const b = back[i][k];
        if (Number.isNaN(v)) return assert.ok(Number.isNaN(b), `row ${i} ${k}: NaN`);
        assert.ok(Math.abs(b - v) <= step * (1 + 1e-6), `bits ${bits}: ${v} → ${b} (step ${step})`);
        // The decimals the step supports: 10^-d ≤ step.
        assert.ok(decimals(b) <= Math.max(0, Math.ceil(-Math.log10(step))), `${b} has more decimals than step ${step} supports`);
      });
      // The largest |value| reads back as itself, up to float32 rounding of the step.
      const top = row.findIndex((v) => Math.abs(v) === maxAbs(row));
      if (maxAbs(row) > 0) assert.ok(Math.abs(back[i][top] - row[top]) <= Math.abs(row[top]) * 1e-6 + 10 ** -Math.ceil(-Math.log10(step)), `max ${row[top]} → ${back[i][top]}`);
    });
  }
  assert.throws(() => quantize([[1, 2], [3]], 8), /row 1 has 1 values, not 2/);
});

/** A dashboard payload, as saved (sealed, through JSON), decoded. */
const roundTrip = (data: ViewData, ...args: Parameters<typeof packView> extends [unknown, ...infer R] ? R : never) => unpackView(JSON.parse(JSON.stringify(sealPayload(packView(data, ...args)))));

test('a large dashboard (150 classes × 700 features): OFIV to 1/1023 and SD to 1/127 of the class maximum, negatives and the non-additive ONIV exact to the step', () => {
  const r = syntheticResults({ classes: 150, features: 700, seed: 11 });
  const data = fromResults(r);
  const back = roundTrip(data, 'heatmap');
  assert.equal(back.data.classes.length, 150);
  data.classes.forEach((c, i) => {
    const b = back.data.classes[i];
    const step = maxAbs(c.ofiv) / 1023;
    const sdStep = maxAbs(c.sd) / 127;
    c.ofiv.forEach((v, k) => assert.ok(Math.abs(b.ofiv[k] - v) <= step * 1.000001, `class ${i} ofiv ${k}: ${v} → ${b.ofiv[k]}`));
    c.sd.forEach((v, k) => assert.ok(Math.abs(b.sd[k] - v) <= sdStep * 1.000001, `class ${i} sd ${k}: ${v} → ${b.sd[k]}`));
    c.oniv.forEach((v, k) => assert.ok(Math.abs(b.oniv[k] - v) <= step * 1.000001, `class ${i} oniv ${k}`));
    // The engine's negative features, exactly (recomputed from the stored OFIV, the few the rounding moves listed).
    assert.deepEqual(b.negative, c.negative, `class ${i} negative`);
    assert.deepEqual(b.nonAdditive, c.nonAdditive);
  });
  // The similarity is recomputed from the stored OFIV: Pearson r within 1e-3 of the engine's.
  for (const [i, j] of [[0, 1], [3, 140], [149, 75]]) {
    const engine = correlation(r.classes[i].ofiv, r.classes[j].ofiv);
    assert.ok(Math.abs((back.data.similarity.matrix[i][j] as number) - engine) < 1e-3, `${i},${j}: ${back.data.similarity.matrix[i][j]} vs ${engine}`);
  }
});

test('payloads of one class keep 1/32767 of the class maximum; %similarity keeps r to 1/511 (large) and the class names', () => {
  const r = syntheticResults({ classes: 600, features: 50, seed: 12, labels: true });
  const data = fromResults(r);
  const one = roundTrip(data, 'importance', { classPos: 7 }, { only: true });
  const c = data.classes[7];
  assert.equal(one.data.classes[0].name, c.name);
  c.ofiv.forEach((v, k) => assert.ok(Math.abs(one.data.classes[0].ofiv[k] - v) <= maxAbs(c.ofiv) / 32767 + 1e-12, `ofiv ${k}`));
  c.sd.forEach((v, k) => assert.ok(Math.abs(one.data.classes[0].sd[k] - v) <= maxAbs(c.sd) / 32767 + 1e-12, `sd ${k}`));
  const sim = roundTrip(data, 'similarity', {}, { only: true });
  assert.deepEqual(sim.data.classes.map((x) => x.name), data.classes.map((x) => x.name));
  for (const m of ['similarity', 'labelCorrelation'] as const) {
    const want = data[m]!.matrix;
    const got = sim.data[m]!.matrix;
    const scale = maxAbs(want.flat().map((v) => v ?? NaN));
    for (const [i, j] of [[0, 1], [10, 599], [599, 10], [300, 300], [42, 17]]) {
      const w = want[i][j];
      if (w === null) assert.equal(got[i][j], null);
      else assert.ok(Math.abs((got[i][j] as number) - w) <= scale / 511 + 1e-9, `${m} ${i},${j}: ${w} → ${got[i][j]}`);
    }
  }
  assert.equal(PAYLOAD_VERSION, 3);
});

test('payloads saved by version 2 (float16, commit 3ae5e58) still read: values within float16 precision of what they were made from', () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/payloads/version2.json'), 'utf8'));
  const { source, payloads } = fixture;
  assert.equal(payloads.dashboard.version, 2);
  const dash = unpackView(payloads.dashboard);
  assert.equal(dash.only, false);
  dash.data.classes.forEach((c, i) => {
    assert.equal(c.name, source.names[i]);
    const scale = maxAbs(source.ofiv.flat());
    c.ofiv.forEach((v, k) => assert.ok(Math.abs(v - source.ofiv[i][k]) <= Math.abs(source.ofiv[i][k]) * 1e-3 + scale * 2 ** -24, `ofiv ${i} ${k}`));
    // float16 at 4 mantissa bits: 1/32 relative.
    c.sd.forEach((v, k) => assert.ok(Math.abs(v - source.sd[i][k]) <= source.sd[i][k] / 32 + 1e-7, `sd ${i} ${k}: ${source.sd[i][k]} → ${v}`));
    assert.deepEqual(c.negative, source.negative[i]);
    c.nonAdditive.forEach((k) => assert.ok(Math.abs(c.oniv[k] - source.oniv[i][k]) <= Math.abs(source.oniv[i][k]) * 1e-3));
  });
  assert.deepEqual(dash.data.classes[0].traces!.map((t) => t.stride), source.traces.map((t: { stride: number }) => t.stride));
  const sim = unpackView(payloads.similarity);
  assert.equal(sim.view, 'similarity');
  sim.data.labelCorrelation!.matrix.forEach((row, i) => row.forEach((v, j) => assert.ok(Math.abs((v as number) - source.labelCorrelation[i][j]) <= 1e-3, `label r ${i},${j}`)));
  const inter = unpackView(payloads.interactions);
  assert.deepEqual(inter.data.classes.map((c) => c.name), [source.names[2]]);
});

test('SVG fallbacks with many marks: per-mark ARIA labels dropped, one circle defined and placed by <use>, every point kept', async () => {
  const r = syntheticResults({ classes: 3, features: 960, seed: 13 });
  const data = fromResults(r);
  const spec = VIEWS.interactions.build(data, { classPos: 1, maxPixels: 300, rasterAbove: 6000 });
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const view = new vega.View(vega.parse(vl.compile(spec as never).spec), { renderer: 'none' });
  const raw = await view.toSVG();
  view.finalize();
  const compact = await renderSvg(spec);
  assert.equal(compact, compactMarks(raw), 'renderSvg compacts');
  // Every drawn path of the raw picture is a path or a <use> of the compact one, at the same place to 0.005 px.
  const placed = (svg: string, tags: string) => [...svg.matchAll(new RegExp(`<(?:${tags})\\b[^>]*\\stransform="translate\\(([-\\d.e]+),([-\\d.e]+)\\)"`, 'g'))].map((m) => [Number(m[1]), Number(m[2])]);
  const a = placed(raw, 'path');
  const b = placed(compact, 'path|use');
  assert.ok(a.length >= 960, `${a.length} marks`);
  assert.ok(compact.length < raw.length / 3, `${compact.length} of ${raw.length}`);
  assert.ok(!/<(?:path|use)\b[^>]*aria-label/.test(compact), 'no per-mark labels');
  assert.ok((compact.match(/<use\b/g) ?? []).length >= 900, 'the circles are placed by <use>');
  assert.equal(b.length, a.length);
  a.forEach(([x, y], i) => assert.ok(Math.abs(b[i][0] - x) <= 0.005 + 1e-9 && Math.abs(b[i][1] - y) <= 0.005 + 1e-9, `mark ${i}`));
  // A picture with few marks keeps its labels.
  const small = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><path aria-label="x" role="graphics-symbol" transform="translate(1.23456,2)" d="M0,0"/></svg>';
  assert.equal(compactMarks(small), small);
});
