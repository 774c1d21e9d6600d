/**
 * Issue 15's check on the three real Keras 1.2 ENCODE models (test/fixtures/keras1): with
 * --feature-logos optimised at the pooled first-layer features (the default layer), the top
 * feature by OFIV gets a logo derived from the model alone that matches the filter's own weight
 * PWM (the validation suite's similarity, ≥ 0.7), and for CTCF and REST the project's JASPAR
 * matcher names the logo by the same factor as the weight PWM. The numbers are printed (docs/motifs.md
 * quotes them). Engine defaults otherwise (10 restarts; 20,000 random sequences, the default cap, 200 windows).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useBackend } from '../../src/engine/backend';
import { loadModel } from '../../src/engine/load';
import { resolveFeatures } from '../../src/engine/resolve';
import { annotateFeatures, bestSignificantMatch, loadLibrary, parseMotifs } from '../../src/engine/motifs';
import { comparePwms } from '../validation/compare';

const JASPAR = path.join(__dirname, '..', '..', 'motifs', 'JASPAR2024_CORE_vertebrates_non-redundant_pfms_transfac.txt');
const library = loadLibrary(parseMotifs(fs.readFileSync(JASPAR, 'utf8'), JASPAR));

async function topFeature(folder: string) {
  await useBackend('wasm');
  const loaded = await loadModel(path.join(__dirname, '..', 'fixtures', 'keras1', folder, '16_G_best_archit.json'));
  const results = annotateFeatures(await resolveFeatures({ loaded, settings: { seed: 1, backend: 'wasm', featureLogos: 'optimised', logoTop: 2 } }), library);
  const ofiv = results.classes[0].ofiv;
  const k = ofiv.indexOf(Math.max(...ofiv));
  const f = results.features[k];
  assert.ok(f.pwm, 'the filter keeps its weight PWM');
  assert.ok(f.logo, `filter ${k} has a model-derived logo (${f.noLogo})`);
  assert.equal(f.logo!.layer, 'convolution2d_27', 'computed at the convolution under the global max pooling');
  const similarity = comparePwms(f.logo!.probabilities, f.pwm!).similarity;
  const weights = bestSignificantMatch(f);
  const logo = bestSignificantMatch({ matches: f.logo!.matches });
  const shown = (m: typeof weights) => (m ? `${m.name} ${m.id} q=${m.qValue.toPrecision(2)}` : 'none with q ≤ 0.05');
  console.log(`# ${folder}: filter ${k}, logo ${f.logo!.probabilities.length} columns, similarity to the weight PWM ${similarity.toFixed(3)}; weights: ${shown(weights)}; logo: ${shown(logo)}`);
  return { k, similarity, weights, logo };
}

test('CTCF GM12878: the top filter\'s model-derived logo matches its weight PWM and is named CTCF like it', async () => {
  const t = await topFeature('ctcf-gm12878');
  assert.ok(t.similarity >= 0.7, `similarity ${t.similarity}`);
  assert.equal(t.weights?.name, 'CTCF');
  assert.equal(t.logo?.name, 'CTCF');
});

test('REST GM12878: the top filter\'s model-derived logo matches its weight PWM and is named REST like it', async () => {
  const t = await topFeature('rest-gm12878');
  assert.ok(t.similarity >= 0.7, `similarity ${t.similarity}`);
  assert.equal(t.weights?.name, 'REST');
  assert.equal(t.logo?.name, 'REST');
});

test('FOXA1 A549: the top filter\'s model-derived logo matches its weight PWM; both are named by forkhead factors', async () => {
  const t = await topFeature('foxa1-a549');
  assert.ok(t.similarity >= 0.7, `similarity ${t.similarity}`);
  assert.match(t.weights?.name ?? '', /^FOX/i);
  assert.match(t.logo?.name ?? '', /^FOX/i);
});
