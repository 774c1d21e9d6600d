import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFeatures } from '../../src/engine/resolve';
import { useBackend } from '../../src/engine/backend';
import { linearHeadModel, loaded } from '../helpers/models';

const L2 = 2.8;

test('linear head: OFIV equals the closed-form optimum w_c / (2λ) averaged over positions', async () => {
  await useBackend('cpu');
  const model = linearHeadModel(4);
  const kernel = (model.getLayer('out').getWeights()[0].arraySync() as number[][]); // [16*3, 4]
  const results = await resolveFeatures({ loaded: loaded(model), settings: { layer: 'conv', restarts: 4, seed: 1, backend: 'cpu' } });
  assert.equal(results.model.layer.name, 'conv');
  assert.deepEqual(results.model.layer.shape, [16, 3]);
  assert.equal(results.model.strippedActivation, 'sigmoid');
  assert.equal(results.classes.length, 4);
  for (const cls of results.classes) {
    const expected = [0, 1, 2].map((k) => {
      let sum = 0;
      for (let p = 0; p < 16; p++) sum += kernel[p * 3 + k][cls.index] / (2 * L2);
      return sum / 16;
    });
    // Relative to the class's largest importance: the ascent stops when J stops improving in
    // float32, which bounds the error of H, not of each (possibly near-zero) entry.
    const scale = Math.max(...expected.map(Math.abs));
    for (let k = 0; k < 3; k++) {
      const got = cls.ofiv[k];
      assert.ok(Math.abs(got - expected[k]) <= 1e-3 * scale, `class ${cls.index} feature ${k}: OFIV ${got} vs ${expected[k]}`);
      for (const row of cls.fiv) assert.ok(Math.abs(row[k] - expected[k]) <= 1e-3 * scale, `FIV ${row[k]} vs ${expected[k]}`);
    }
    assert.ok(Math.max(...cls.variance) < 1e-8, `variance ${cls.variance}`);
    assert.deepEqual(cls.nonAdditive, []);
    assert.equal(cls.gmmComponents, 1);
  }
});
