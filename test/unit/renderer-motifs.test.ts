/** Motif matches in the views: what the payload keeps, the tooltips, and logos aligned with their matched motif. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticResults } from '../renderer/fixtures';
import { attribution, fromResults, matchLines, type ViewData } from '../../renderers/data';
import { packView, unpackView } from '../../renderers/pack';
import { renderSvg } from '../../renderers/svg';
import { heatmapSpec } from '../../renderers/views/heatmap';
import { importanceRows, importanceSpec } from '../../renderers/views/importance';
import { interactionRows, interactionsSpec } from '../../renderers/views/interactions';
import { logoRows, logosSpec } from '../../renderers/views/logos';
import { VIEWS } from '../../renderers/views/index';
import { matchPwm, reverseComplement } from '../../src/engine/motifs';
import { motifLibrary } from '../../src/notebook/motif-files';
import type { Results } from '../../src/engine/results';

const JASPAR_LINE = /^JASPAR 2024 \(CC BY 4\.0\), Rauluseviciute et al\./;
const withMatches = () => syntheticResults({ classes: 5, features: 8, pwmWidth: 10, matches: true, seed: 3 });
type Tip = { field: string; title: string };

/** The tooltip entries of the first layer with a tooltip, found anywhere in a spec. */
function tooltipOf(spec: unknown): Tip[] {
  const found: Tip[][] = [];
  const walk = (x: unknown) => {
    if (!x || typeof x !== 'object') return;
    const enc = (x as { encoding?: { tooltip?: Tip[] } }).encoding;
    if (Array.isArray(enc?.tooltip)) found.push(enc!.tooltip);
    Object.values(x).forEach(walk);
  };
  walk(spec);
  return found[0] ?? [];
}

describe('matches in the view data and the payload', () => {
  test('top three matches with offset and strand; the aligned motif only on the best significant one', () => {
    const r = withMatches();
    const data = fromResults(r);
    const f0 = data.features[0];
    assert.deepEqual(f0.matches!.map((m) => [m.id, m.name, m.offset, m.strand]), [['MA0139.2', 'CTCF', -2, '-'], ['MA1102.3', 'CTCFL', 0, '+'], ['MA0079.5', 'SP1', 2, '-']]);
    assert.deepEqual(f0.matches![0].pwm, r.features[0].matches![0].pwm);
    assert.equal(f0.matches![1].pwm, undefined);
    assert.equal(f0.matches![2].pwm, undefined);
    assert.equal(data.features[1].matches, undefined);
  });

  test('packing rounds p and q to two digits, stores the attribution once and restores it', () => {
    const r = withMatches();
    r.features[0].matches![0].qValue = 0.0012345;
    r.features[0].matches![0].pwm![0] = [0.123456, 0.2, 0.3, 0.376544];
    const packed = packView(fromResults(r));
    const json = JSON.stringify(packed);
    assert.equal(json.split('Rauluseviciute').length - 1, 1, 'attribution stored once');
    assert.deepEqual(packed.data.attributions?.length, 1);
    const back = unpackView(JSON.parse(json)).data;
    const m = back.features[0].matches![0];
    assert.equal(m.qValue, 0.0012);
    assert.deepEqual(m.pwm![0], [0.123, 0.2, 0.3, 0.377]);
    assert.match(m.attribution!, JASPAR_LINE);
    assert.match(back.features[2].matches![2].attribution!, JASPAR_LINE);
    assert.equal(back.features[2].matches![2].pwm, undefined);
  });

  test('a version-1 payload without the attribution list still reads (attribution on each match)', () => {
    const packed = JSON.parse(JSON.stringify(packView(fromResults(withMatches()))));
    const line = packed.data.attributions[0];
    delete packed.data.attributions;
    for (const f of packed.data.features) for (const m of f.matches ?? []) m.attribution = line;
    assert.equal(unpackView(packed).data.features[0].matches![0].attribution, line);
  });

  test('919 × 960 with three matches per feature (JASPAR-wide motifs): payload grows by under 0.6 MB', () => {
    const plain = syntheticResults({ classes: 919, features: 960, labels: true, seed: 5, pwmWidth: 19 });
    const annotated = syntheticResults({ classes: 919, features: 960, labels: true, seed: 5, pwmWidth: 19, matches: true });
    // Every feature matched (the fixture gives even ones matches), best with a 15-column motif.
    const donor = annotated.features[0].matches!;
    for (const f of annotated.features) f.matches = donor.map((m, i) => ({ ...m, ...(i === 0 ? { pwm: Array.from({ length: 15 }, () => [0.7, 0.1, 0.1, 0.1]) } : {}) }));
    const before = JSON.stringify(packView(fromResults(plain))).length;
    const after = JSON.stringify(packView(fromResults(annotated))).length;
    console.log(`# 919 × 960 payload: ${(before / 1e6).toFixed(2)} MB without matches, ${(after / 1e6).toFixed(2)} MB with 3 matches per feature (+${((after - before) / 1e3).toFixed(0)} kB)`);
    assert.ok(after - before < 600_000, `${after - before}`);
  });
});

describe('tooltips list the top three matches', () => {
  const data: ViewData = fromResults(withMatches());
  const lines0 = ['CTCF (MA0139.2), q = 0.001', 'CTCFL (MA1102.3), q = 0.01', 'SP1 (MA0079.5), q = 0.2'];

  test('match lines: name, ID and q; features without a match say so', () => {
    assert.deepEqual(matchLines(data.features[0]), lines0);
    assert.deepEqual(matchLines(data.features[1]), ['no match with q ≤ 0.5']);
  });

  test('heatmap cells carry the row feature’s lines under "motif matches"', () => {
    const spec = heatmapSpec(data) as Record<string, unknown>;
    const cells = (spec.layer as { name?: string; data?: { values: { rk: number; tip?: string[] }[] } }[]).find((l) => l.name === 'hm_cells')!.data!.values;
    assert.deepEqual(cells.find((c) => c.rk === 0)!.tip, lines0);
    assert.deepEqual(cells.find((c) => c.rk === 1)!.tip, ['no match with q ≤ 0.5']);
    assert.ok(tooltipOf(spec).some((t) => t.field === 'tip' && t.title === 'motif matches'));
  });

  test('bars, interaction points and logo letters carry them too', () => {
    const bar = importanceRows(data, { topN: 8 }).rows.find((r) => r.feature === 0)!;
    assert.deepEqual(bar.matches, lines0);
    assert.ok(tooltipOf(importanceSpec(data)).some((t) => t.field === 'matches' && t.title === 'motif matches'));
    assert.deepEqual(interactionRows(data).find((r) => r.feature === 2)!.matches, matchLines(data.features[2]));
    assert.ok(tooltipOf(interactionsSpec(data)).some((t) => t.field === 'matches'));
    const letter = logoRows(data, [0]).find((r) => r.track === 'feature')!;
    assert.deepEqual(letter.matches, lines0);
    assert.ok(tooltipOf(logosSpec(data, { feature: 0 })).some((t) => t.field === 'matches'));
  });

  test('without matches there is no motif row, and CSV tables leave the lines out', () => {
    const plain = fromResults(syntheticResults({ classes: 3, features: 6, pwmWidth: 8, seed: 2 }));
    assert.ok(!tooltipOf(heatmapSpec(plain)).some((t) => t.title === 'motif matches'));
    assert.ok(!tooltipOf(importanceSpec(plain)).some((t) => t.title === 'motif matches'));
    assert.ok(!('matches' in VIEWS.importance.table(data, {})[0]));
    assert.ok(!('matches' in VIEWS.interactions.table(data, {})[0]));
    const logoTable = VIEWS.logos.table(data, { feature: 0 });
    assert.ok(!('matches' in logoTable[0]));
    const motifRow = logoTable.find((r) => r.track === 'motif')!;
    assert.deepEqual(Object.keys(motifRow).sort(), ['bits', 'feature', 'label', 'letter', 'motif', 'position', 'probability', 'strand', 'track']);
    assert.deepEqual([motifRow.motif, motifRow.strand, motifRow.position], ['CTCF (MA0139.2), q = 0.001', '-', 1]);
  });

  test('attribution counts every match a tooltip shows, not only labels', () => {
    const r = withMatches();
    for (const f of r.features) for (const m of f.matches ?? []) m.qValue = 0.3;
    const d = fromResults(r);
    assert.match(attribution(d.features)!, JASPAR_LINE);
  });
});

describe('logos aligned with their matched motif', () => {
  test('motif column j lies under feature column j + offset; caption names motif, ID, q and strand', () => {
    const data = fromResults(withMatches());
    const rows = logoRows(data, [0, 2]);
    const m0 = data.features[0].matches![0];
    const motif0 = rows.filter((r) => r.feature === 0 && r.track === 'motif');
    assert.equal(motif0.length, m0.pwm!.length * 4);
    // offset −2: the motif starts two columns before the feature.
    assert.equal(Math.min(...motif0.map((r) => r.x0)), -2);
    assert.equal(Math.max(...motif0.map((r) => r.x1)), -2 + m0.pwm!.length);
    // The feature's logo sits above the motif's 2-bit track.
    assert.ok(rows.filter((r) => r.track === 'feature').every((r) => r.y0 >= 2));
    assert.ok(motif0.every((r) => r.y1 <= 2 + 1e-9));
    const spec = logosSpec(data, { feature: 0 }) as { data: { values: { caption?: string; feature: number }[] }; title: { subtitle: string[] }; spec: { layer: unknown[] } };
    const captions = spec.data.values.filter((v) => v.caption);
    assert.equal(captions.find((c) => c.feature === 0)!.caption, 'CTCF (MA0139.2), q = 0.001 · reverse complement');
    const spec2 = logosSpec(data, { feature: 2 }) as typeof spec;
    assert.equal(spec2.data.values.find((c) => c.caption && c.feature === 2)!.caption, 'CTCF (MA0139.2), q = 0.001 · forward strand');
    assert.equal(spec.spec.layer.length, 3);
    assert.match(spec.title.subtitle.at(-1)!, JASPAR_LINE);
  });

  test('with the real matcher: a reverse-complemented, shifted JASPAR motif lines up letter for letter', () => {
    const library = motifLibrary('jaspar')!;
    const ctcf = library.pwms[library.motifs.findIndex((m) => m.id === 'MA0139.2')];
    const flank = [0.25, 0.25, 0.25, 0.25];
    // The feature: three uninformative columns, then CTCF's reverse complement.
    const query = [flank, flank, flank, ...reverseComplement(ctcf)];
    const best = matchPwm(query, library, { withPwm: true, top: 3 })[0];
    assert.equal(best.id, 'MA0139.2');
    assert.equal(best.strand, '-');
    assert.equal(best.offset, 3);
    const r = syntheticResults({ classes: 2, features: 1, pwmWidth: query.length, seed: 1 }) as Results;
    r.features[0].pwm = query;
    r.features[0].ic = undefined;
    r.features[0].matches = [best];
    const data = fromResults(r);
    const rows = logoRows(data, [0]);
    for (let i = 3; i < query.length; i++) {
      const letters = (track: 'feature' | 'motif') => Object.fromEntries(rows.filter((x) => x.track === track && x.x0 === i).map((x) => [x.letter, x.probability]));
      const under = letters('motif');
      const over = letters('feature');
      for (const b of ['A', 'C', 'G', 'T']) assert.ok(Math.abs(under[b] - over[b]) < 1e-9, `column ${i} ${b}: ${under[b]} vs ${over[b]}`);
    }
  });

  test('the logo view renders to SVG with both logos of a matched feature', async () => {
    const data = fromResults(withMatches());
    const svg = await renderSvg(logosSpec(data, { feature: 0, classPos: 0 }));
    const letters = logoRows(data, [0]).length;
    assert.ok(letters > 10 * 4, 'feature and motif letters');
    assert.match(svg, /CTCF \(MA0139\.2\), q = 0\.001 · reverse complement/);
    assert.match(svg, /JASPAR 2024 \(CC BY 4\.0\)/);
  });
});
