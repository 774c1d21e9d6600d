/**
 * The cross-model summary table in headless Chromium (the built renderer, VS Code's CSP): sorting by
 * a header, filtering by words and by recovery, links only to the rows' own relative notebooks —
 * with hostile model, factor and motif names and a hostile link in the payload.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { SUMMARY_MIME, type SummaryPayload, type SummaryRow } from '../../renderers/summary-data';
import { label } from '../../src/shared/escape';
import { CONTROL_CHARACTERS, HOSTILE_NAMES } from '../helpers/hostile';
import { cspViolations, openPage, render, startHarness, type Harness } from './harness';

let h: Harness;

function row(model: string, rank: number | null, motif: string, link: string): SummaryRow & { link: string } {
  return {
    model,
    class: 'c',
    classIndex: 0,
    classes: 1,
    factors: ['CTCF'],
    top: [{ feature: 'filter 7', index: 7, ofiv: 0.4, motif, motifId: 'MA0139.2', q: 0.02 }],
    factorRank: { q05: rank, q50: rank },
    recovered: { q05: [1, 3, 5].map((r) => rank !== null && rank <= r), q50: [1, 3, 5].map((r) => rank !== null && rank <= r) },
    nonAdditive: 0,
    negative: 0,
    layer: 'l',
    restarts: 4,
    motifsMatched: true,
    result: `${model}.json`,
    notebook: `${model}.ipynb`,
    modelPath: `/m/${model}`,
    link,
  };
}

const rows = [
  row('beta', 2, 'CTCF', 'out/beta.ipynb'),
  row('alpha', null, 'GATA1', 'out/alpha.ipynb'),
  row('gamma', 1, 'CTCFL', 'out/gamma.ipynb'),
  ...HOSTILE_NAMES.slice(0, 6).map((n, i) => row(n, i % 2 ? 4 : null, HOSTILE_NAMES[(i + 6) % HOSTILE_NAMES.length], i === 5 ? 'javascript:alert(1)' : `out/${encodeURIComponent(n)}.ipynb`)),
];
const payload: SummaryPayload = {
  format: 'deepresolve.summary',
  version: 1,
  dir: 'out',
  rows,
  counts: { models: rows.length, rows: rows.length, withFactor: rows.length, noFactor: 0, noMotifs: 0, recovered: { q05: [1, 2, 2], q50: [1, 2, 4] }, withNonAdditive: 0, nonAdditiveFeatures: 0 },
  attribution: 'JASPAR 2024 (CC BY 4.0)',
};

before(async () => {
  h = await startHarness();
  h.payloads.set('summary', JSON.stringify(payload));
});

after(async () => {
  await h?.close();
});

const models = (page: Page) => page.$$eval('.dr-table tbody tr td:first-child', (tds) => tds.map((td) => td.textContent ?? ''));

test('summary table: sorts by a header, filters by words and recovery, links only the rows\' relative notebooks; hostile names stay text', async () => {
  const { page, errors, close } = await openPage(h);
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  try {
    await render(page, 'summary', SUMMARY_MIME);
    assert.equal((await models(page)).length, rows.length);
    assert.equal(await page.$$eval('[data-view="recovery"] svg', (s) => s.length), 1, 'the recovery chart is drawn');
    // Sorted by model at first; a click on the factor-rank header sorts by rank, empty ranks last.
    const byName = rows.map((r) => r.model).sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).map((m) => label(m, 48));
    assert.deepEqual(await models(page), byName, 'by model name');
    await page.click('th button[data-sort="rank05"]');
    const byRank = await models(page);
    assert.deepEqual(byRank.slice(0, 2), ['gamma', 'beta']);
    assert.equal(await page.getAttribute('th:has(button[data-sort="rank05"])', 'aria-sort'), 'ascending');
    await page.click('th button[data-sort="rank05"]');
    assert.equal(await page.getAttribute('th:has(button[data-sort="rank05"])', 'aria-sort'), 'descending');
    assert.equal((await models(page))[rows.length - 1], byRank[rows.length - 1], 'empty ranks stay last');
    // Filter: every word must appear in a name.
    await page.fill('input[type="search"]', 'gata1 FILTER');
    assert.deepEqual(await models(page), ['alpha']);
    await page.fill('input[type="search"]', 'ctcfl');
    assert.deepEqual(await models(page), ['gamma']);
    await page.fill('input[type="search"]', '');
    await page.selectOption('select', 'recovered');
    assert.deepEqual((await models(page)).sort(), ['beta', 'gamma'], 'factor within the top 3 at q ≤ 0.05');
    await page.selectOption('select', 'missed');
    assert.equal((await models(page)).length, rows.length - 2);
    assert.match((await page.textContent('.dr-summary .dr-head')) ?? '', new RegExp(`${rows.length - 2} of ${rows.length} rows`));
    await page.selectOption('select', 'all');
    // Links: only the relative ones the payload's encoding made; the javascript: one is plain text.
    const hrefs = await page.$$eval('.dr-table a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    assert.equal(hrefs.length, rows.length - 1);
    for (const href of hrefs) assert.match(href, /^out\/[^:]+\.ipynb$/);
    assert.ok((await models(page)).includes(label(HOSTILE_NAMES[5], 48)), 'the row without a safe link still shows its name');
    // Names are text: shown as label cuts them, nothing they spell became markup.
    const cells = await models(page);
    for (const n of HOSTILE_NAMES.slice(0, 6)) assert.ok(cells.includes(label(n, 48)), n);
    assert.equal(await page.$$eval('#out script, #out img, #out iframe', (e) => e.length), 0);
    assert.equal(CONTROL_CHARACTERS.test(await page.innerText('#out')), false);
    assert.equal(dialogs, 0);
    assert.deepEqual(errors, []);
    assert.deepEqual(await cspViolations(page), []);
  } finally {
    await close();
  }
});
