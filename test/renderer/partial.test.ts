/**
 * The built renderer in headless Chromium on a partial result (a cancelled run, issue 14): the
 * dashboard's header line says "partial: K of N classes, cancelled", as the views' titles do; a
 * complete result's header does not.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromResults } from '../../renderers/data';
import { packView } from '../../renderers/pack';
import { syntheticResults } from './fixtures';
import { openPage, render, startHarness, type Harness } from './harness';

let h: Harness;

before(async () => {
  h = await startHarness();
  const partial = syntheticResults({ classes: 3, features: 8, seed: 6 });
  partial.partial = { reason: 'cancelled', classesDone: [0, 1, 2], classesRequested: [0, 1, 2, 3, 4], pairsDone: 30, pairsRequested: 50 };
  h.payloads.set('partial', JSON.stringify(packView(fromResults(partial), 'heatmap')));
  h.payloads.set('complete', JSON.stringify(packView(fromResults(syntheticResults({ classes: 3, features: 8, seed: 6 })), 'heatmap')));
});

after(async () => {
  await h?.close();
});

test("the dashboard's header says a result is partial", async () => {
  const { page, errors, close } = await openPage(h);
  try {
    await render(page, 'partial');
    assert.equal(await page.locator('.dr-title').textContent(), 'DeepResolve · synthetic · layer conv3 · partial: 3 of 5 classes, cancelled');
    await render(page, 'complete');
    assert.equal(await page.locator('.dr-title').last().textContent(), 'DeepResolve · synthetic · layer conv3');
    assert.deepEqual(errors, []);
  } finally {
    await close();
  }
});
