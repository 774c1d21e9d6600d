/**
 * Issue 15's check on the three real Keras 1.2 ENCODE models (test/fixtures/keras1), the same as
 * `npm run validate` runs (test/validation/encode-logos.ts): with --feature-logos optimised at the
 * pooled first-layer features (the default layer), the top feature by OFIV gets a logo derived from
 * the model alone that matches the filter's own weight PWM (the validation suite's similarity,
 * ≥ 0.7), and for CTCF and REST the project's JASPAR matcher names the logo by the same factor as
 * the weight PWM. The numbers are printed (docs/motifs.md quotes them). Engine defaults otherwise
 * (10 restarts; 20,000 random sequences, the default cap, 200 windows, the 60 s budget).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeTopLogo, ENCODE_LOGO_SIMILARITY, shownMatch } from '../validation/encode-logos';

async function topFeature(folder: string) {
  const t = await encodeTopLogo(folder);
  assert.equal(t.layer, 'convolution2d_27', 'computed at the convolution under the global max pooling');
  console.log(`# ${folder}: filter ${t.filter}, logo ${t.columns} columns, similarity to the weight PWM ${t.similarity.toFixed(3)}; weights: ${shownMatch(t.weights)}; logo: ${shownMatch(t.logo)}`);
  return t;
}

test('CTCF GM12878: the top filter\'s model-derived logo matches its weight PWM and is named CTCF like it', async () => {
  const t = await topFeature('ctcf-gm12878');
  assert.ok(t.similarity >= ENCODE_LOGO_SIMILARITY, `similarity ${t.similarity}`);
  assert.equal(t.weights?.name, 'CTCF');
  assert.equal(t.logo?.name, 'CTCF');
});

test('REST GM12878: the top filter\'s model-derived logo matches its weight PWM and is named REST like it', async () => {
  const t = await topFeature('rest-gm12878');
  assert.ok(t.similarity >= ENCODE_LOGO_SIMILARITY, `similarity ${t.similarity}`);
  assert.equal(t.weights?.name, 'REST');
  assert.equal(t.logo?.name, 'REST');
});

test('FOXA1 A549: the top filter\'s model-derived logo matches its weight PWM; both are named by forkhead factors', async () => {
  const t = await topFeature('foxa1-a549');
  assert.ok(t.similarity >= ENCODE_LOGO_SIMILARITY, `similarity ${t.similarity}`);
  assert.match(t.weights?.name ?? '', /^FOX/i);
  assert.match(t.logo?.name ?? '', /^FOX/i);
});
