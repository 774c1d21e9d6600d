/**
 * Model-derived logos of deeper features in the views (issue 15): the view data carries a
 * feature's logo where a filter carries its PWM, the logo view and its tooltips draw and name it
 * as they do filter logos (with where it comes from), the payload keeps it, a feature without a
 * logo says why, and names from files in it (layer, reason) reach the views through the one
 * escaping rule.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticResults } from '../renderer/fixtures';
import { displayData, fromResults, matchLines } from '../../renderers/data';
import { packView, unpackView } from '../../renderers/pack';
import { renderSvg } from '../../renderers/svg';
import { logoRows, logosSpec } from '../../renderers/views/logos';
import type { FeatureLogo, Results } from '../../src/engine/results';
import { shownLogo } from '../../src/shared/logo';
import { logosText } from '../../src/notebook/text-views';

/** A deeper layer's results: no filter PWMs; features 0–2 with model-derived logos (and matches), feature 3 a dead ReLU. */
function deepResults(layer = 'conv2'): Results {
  const r = syntheticResults({ classes: 3, features: 6, pwmWidth: 10, matches: true, seed: 4 });
  const ppm = (k: number) => Array.from({ length: 8 }, (_, i) => [0, 1, 2, 3].map((b) => (b === (i + k) % 4 ? 0.85 : 0.05)));
  const logo = (k: number): FeatureLogo => {
    const probabilities = ppm(k);
    return {
      method: 'sampled-peaks',
      layer,
      channel: k,
      probabilities,
      ic: probabilities.map((p) => 2 + p.reduce((a, q) => a + q * Math.log2(q), 0)),
      window: [3, 10],
      receptiveField: { size: 24, stride: 2, start: 0 },
      windows: 200,
      activeWindows: 200,
      rankedBy: 'output',
      activation: { max: 3, min: 0, kept: 1 },
      alignment: { maxShift: 2, strands: true, shifted: 10, flipped: 2 },
      settings: { sequences: 1000, top: 200, seed: 0, background: 'uniform', trimIc: 0.1 },
    };
  };
  r.features = r.features.map((f, k) => {
    const { pwm: _p, ic: _i, ...rest } = f;
    const base = { ...rest, name: `feature ${k}` };
    if (k < 3) return { ...base, logo: logo(k) };
    if (k === 3) return { ...base, matches: undefined, noLogo: 'never activates: its output is 0 at every position of 1000 random sequences (a dead ReLU)' };
    return { ...base, matches: undefined };
  });
  return r;
}

describe('model-derived logos in the views', () => {
  test('the view data shows the logo where a filter shows its PWM, says where it comes from, and keeps why a feature has none', () => {
    const r = deepResults();
    const data = fromResults(r);
    assert.deepEqual(data.features[0].pwm, r.features[0].logo!.probabilities);
    assert.deepEqual(data.features[0].derived, { layer: 'conv2', method: 'sampled-peaks', receptiveField: 24, window: [3, 10] });
    assert.equal(data.features[3].pwm, undefined);
    assert.match(data.features[3].noLogo!, /dead ReLU/);
    assert.deepEqual(matchLines(data.features[3]), ['no logo to match']);
    assert.equal(shownLogo(r.features[0])!.source, 'model');
    // A filter keeps its weight PWM in the views even when it has a derived logo too.
    const both = syntheticResults({ classes: 2, features: 3, pwmWidth: 10, seed: 1 });
    both.features[0].logo = r.features[1].logo;
    assert.deepEqual(fromResults(both).features[0].pwm, both.features[0].pwm);
    assert.equal(fromResults(both).features[0].derived, undefined);
  });

  test('the payload keeps the logo, its origin and the reason', () => {
    const back = unpackView(JSON.parse(JSON.stringify(packView(fromResults(deepResults()), 'logos')))).data;
    assert.equal(back.features[1].pwm!.length, 8);
    assert.equal(back.features[1].derived!.layer, 'conv2');
    assert.match(back.features[3].noLogo!, /dead ReLU/);
  });

  test('the logo view draws them like filter logos, with their motif under them and where they come from in the tooltip', () => {
    const data = fromResults(deepResults());
    const rows = logoRows(data, [0]);
    const own = rows.filter((x) => x.track === 'feature');
    assert.equal(own.length, 8 * 4);
    assert.match(own[0].source!, /^derived from the model: layer conv2, columns 4–11 of its 24-bp receptive field$/);
    assert.ok(rows.some((x) => x.track === 'motif'), 'the best significant match is drawn under it');
    const spec = logosSpec(data, { classPos: 0 }) as { title: { subtitle: string[] }; spec: { layer: { encoding: { tooltip: { field: string }[] } }[] } };
    assert.ok(spec.title.subtitle.some((s) => /logos derived from the model \(no data\): the most activating windows of random sequences at layer conv2/.test(s)), spec.title.subtitle.join(' | '));
    assert.ok(spec.spec.layer[0].encoding.tooltip.some((t) => t.field === 'source'));
  });

  test('a selected feature without a logo says why; a result without any logo says what to do', () => {
    const data = fromResults(deepResults());
    const spec = logosSpec(data, { feature: 3, classPos: 0 }) as { title: { subtitle: string[] } };
    assert.ok(spec.title.subtitle.some((s) => s.startsWith('feature 3: no logo — never activates')), spec.title.subtitle.join(' | '));
    const none = deepResults();
    none.features = none.features.map(({ logo: _l, ...f }) => f);
    const empty = logosSpec(fromResults(none), { feature: 1 }) as { title: { subtitle: string } };
    assert.match(String(empty.title.subtitle), /--feature-logos optimised/);
    const dead = logosSpec(fromResults(none), { feature: 3 }) as { title: { subtitle: string } };
    assert.match(String(dead.title.subtitle), /no sequence logo for feature 3: never activates/);
  });

  test('a hostile layer name reaches the view cleaned by the one escaping rule, and the SVG renders', async () => {
    const r = deepResults('conv\u0000<b>2</b>\u202e\nX');
    const shown = displayData(fromResults(r)).features[0].derived!.layer;
    assert.ok(!/[\u0000\u202e\n]/.test(shown), JSON.stringify(shown));
    const svg = await renderSvg(logosSpec(fromResults(r), { classPos: 0 }));
    assert.ok(svg.startsWith('<svg'));
    assert.ok(!svg.includes('\u0000') && !svg.includes('<b>'));
  });

  test('%logos text: consensus of the derived logo and where it comes from', () => {
    const t = logosText(deepResults(), [0, 3]);
    assert.match(t.plain, /feature 0\s+ACGTACGT\s+\d+\.\d\s+model, layer conv2/);
    assert.match(t.plain, /feature 3\s+—\s+—\s+no logo: never activates/);
  });
});
