/** The built renderer in headless Chromium: what each view draws, linking, theme, export, escaping. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { resolveFeatures } from '../../src/engine/resolve';
import { useBackend } from '../../src/engine/backend';
import { linearHeadModel, loaded } from '../helpers/models';
import { displayData, featureLabel, fromResults } from '../../renderers/data';
import { packView, type ViewName } from '../../renderers/pack';
import type { Results } from '../../src/engine/results';
import { syntheticResults } from './fixtures';
import { SHOTS, combobox, cspViolations, idle, openPage, pick, pickerNames, render, startHarness, type Harness } from './harness';

let h: Harness;
let small: Results;
const XSS = '<img src=x onerror="window.__pwned=1">';

function addPayload(name: string, results: Results, view: ViewName = 'heatmap') {
  h.payloads.set(name, JSON.stringify(packView(fromResults(results), view)));
}

before(async () => {
  h = await startHarness();
  await useBackend('cpu');
  small = await resolveFeatures({ loaded: loaded(linearHeadModel(4)), settings: { layer: 'conv', restarts: 5, seed: 1, backend: 'cpu' } });
  addPayload('small', small);
  addPayload('medium', syntheticResults({ classes: 40, features: 64, pwmWidth: 10, labels: true, matches: true, traces: true, seed: 3 }));
  addPayload('large', syntheticResults({ classes: 919, features: 960, labels: true, seed: 5 }));
  const xss = syntheticResults({ classes: 3, features: 4, pwmWidth: 6, seed: 7, names: (i) => (i === 1 ? XSS : `class ${i}`) });
  xss.model.name = '<script>window.__pwned=2</script>';
  xss.features[2].name = '<b onmouseover=alert(1)>f2</b>';
  addPayload('xss', xss, 'importance');
});

after(async () => {
  await h?.close();
});

const panel = (page: Page, name: string) => page.locator(`.dr-panel[data-panel="${name}"]`);
const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));
const shot = (page: Page, name: string, file: string) => panel(page, name).screenshot({ path: path.join(SHOTS, `${file}.png`) });

async function checkClean(page: Page, errors: string[]) {
  assert.deepEqual(errors, [], 'console errors');
  assert.deepEqual(await cspViolations(page), [], 'CSP violations');
}

describe('small result from the engine (4 classes × 3 filters)', () => {
  test('draws every view with cells, axis labels, bars, logos and traces', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'small');
      // Heatmap: one rect per (feature, class) cell, axes named after features and classes.
      assert.equal(await page.locator('[data-panel="main"] .hm_cells_marks path').count(), 12);
      const axis = await texts(page, '[data-panel="main"] .role-axis-label text');
      for (const n of [small.classes[0].name, small.classes[3].name, 'filter 0', 'filter 2']) assert.ok(axis.includes(n), `axis label ${n} in ${axis}`);
      // Bars: one per feature of the first class in clustering order, with error bars.
      const first = small.classes[small.similarity.order[0]];
      assert.equal(await page.locator('.dr-root').getAttribute('data-class-pos'), String(small.similarity.order[0]));
      assert.equal(await panel(page, 'importance').locator('.role-mark path').first().count(), 1);
      const title = await texts(page, '[data-panel="importance"] .role-title-text text');
      assert.ok(title.includes(`OFIV of class ${first.name}`), `title ${title}`);
      assert.equal(await panel(page, 'importance').locator('.mark-rect.role-mark path').count(), 3);
      // Logos: three filters, each position a stack of four letter images.
      assert.equal(await panel(page, 'logos').locator('.mark-image image').count(), 3 * 5 * 4);
      // Convergence: one line per restart.
      assert.equal(await panel(page, 'convergence').locator('.mark-line path').count(), 5);
      for (const name of ['main', 'importance', 'interactions', 'logos', 'convergence']) await shot(page, name, `small-${name}`);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('tooltip of a heatmap cell names the feature and class and gives value and SD', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'small');
      const cell = page.locator('[data-panel="main"] .hm_cells_marks path').first();
      await cell.hover();
      const tip = page.locator('#vg-tooltip-element');
      await tip.waitFor({ state: 'visible' });
      const text = (await tip.textContent()) ?? '';
      assert.match(text, /feature\s*filter \d/);
      assert.match(text, /class\s*out\[\d\]/, 'the engine names a single output\'s classes OUTPUT[i]');
      assert.match(text, /OFIV\s*[−-]?\d/);
      assert.match(text, /SD across restarts/);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('clicking a class column re-draws the bars; clicking a bar highlights the feature everywhere', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'small');
      const barsBefore = await panel(page, 'importance').locator('.mark-rect.role-mark path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
      // The last column of the heatmap is the last class in clustering order.
      const target = small.similarity.order[small.classes.length - 1];
      const cells = page.locator('[data-panel="main"] .hm_cells_marks path');
      await cells.nth((await cells.count()) - 1).click();
      await page.waitForFunction((t) => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === String(t), target);
      await idle(page);
      const title = await texts(page, '[data-panel="importance"] .role-title-text text');
      assert.ok(title.includes(`OFIV of class ${small.classes[target].name}`), `title ${title}`);
      const barsAfter = await panel(page, 'importance').locator('.mark-rect.role-mark path').evaluateAll((ps) => ps.map((p) => p.getAttribute('d')));
      assert.notDeepEqual(barsAfter, barsBefore);
      assert.match(await texts(page, '[data-panel="interactions"] .role-title-text text').then((t) => t.join()), new RegExp(`Interactions in class ${small.classes[target].name.replace(/[[\]]/g, '\\$&')}`));
      // Select a feature through its bar: the selection shows in the state, the heatmap outline and the logos' order.
      await panel(page, 'importance').locator('.mark-rect.role-mark path').first().click();
      await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-feature') !== '-1');
      await idle(page);
      const feature = Number(await page.locator('.dr-root').getAttribute('data-feature'));
      assert.equal(await page.locator('[data-panel="main"] .hm_rowmark_marks path').count(), 1);
      const facets = await texts(page, '[data-panel="logos"] .role-axis-title text, [data-panel="logos"] .role-title text, [data-panel="logos"] .mark-group.role-facet-header text');
      assert.ok(facets.some((t) => t === `filter ${feature}`), `logo of filter ${feature} in ${facets}`);
      // The feature picker shows it, as the views name it.
      assert.equal(await combobox(page, 'feature').inputValue(), featureLabel(displayData(fromResults(small)).features[feature]));
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });
});

describe('medium synthetic result (40 classes × 64 filters, labels, motif matches)', () => {
  test('ONIV switch, show more, similarity beside label correlation, JASPAR names and attribution, CSV export', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'medium');
      assert.equal(await page.locator('[data-panel="main"] .hm_cells_marks path').count(), 40 * 64);
      const rows = await texts(page, '[data-panel="main"] .role-axis-label text');
      assert.ok(rows.includes('filter 0 · CTCF'), 'motif name with the filter index kept');
      assert.ok(!rows.includes('filter 1 · SP1'), 'non-significant match not used');
      const subtitle = (await texts(page, '[data-panel="main"] .role-title-subtitle text')).join(' ');
      assert.match(subtitle, /JASPAR 2024 \(CC BY 4\.0\)/);
      // 20 bars, then 40 after "show more".
      assert.equal(await panel(page, 'importance').locator('.mark-rect.role-mark path').count(), 20);
      await panel(page, 'importance').locator('button[data-action="more"]').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-panel="importance"] .mark-rect.role-mark path').length === 40);
      // Interactions: the non-additive group is a legend entry and its features are labelled.
      const legend = await texts(page, '[data-panel="interactions"] .role-legend-label text');
      assert.ok(legend.includes('non-additive'), `legend ${legend}`);
      assert.ok((await panel(page, 'interactions').locator('.mark-text text').count()) > 0);
      await shot(page, 'importance', 'medium-importance-40');
      await shot(page, 'interactions', 'medium-interactions');
      await shot(page, 'logos', 'medium-logos');
      // ONIV: legend title of the heatmap changes.
      await page.locator('button[data-measure="oniv"]').click();
      await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-measure') === 'oniv');
      await idle(page);
      assert.ok((await texts(page, '[data-panel="main"] .role-legend-title text')).includes('ONIV'));
      await shot(page, 'main', 'medium-heatmap-oniv');
      // Similarity with the label correlation beside it: two matrices of 40 × 40.
      await page.locator('button[data-main="similarity"]').click();
      await page.waitForFunction(() => document.querySelector('[data-panel="main"]')?.getAttribute('data-view') === 'similarity');
      await idle(page);
      assert.equal(await page.locator('[data-panel="main"] .sim_cells_marks path').count(), 40 * 40);
      assert.equal(await page.locator('[data-panel="main"] .lab_cells_marks path').count(), 40 * 40);
      await shot(page, 'main', 'medium-similarity');
      // CSV of the bars.
      const [csv] = await Promise.all([page.waitForEvent('download'), panel(page, 'importance').locator('button[data-action="csv"]').click()]);
      const text = fs.readFileSync((await csv.path())!, 'utf8');
      const lines = text.trim().split('\n');
      assert.equal(lines.length, 41);
      assert.match(lines[0], /^class,feature_label,feature,match,value,sd,lo,hi,kind,rank$/);
      assert.match(csv.suggestedFilename(), /^deepresolve-importance-.*-oniv\.csv$/);
      const [svg] = await Promise.all([page.waitForEvent('download'), panel(page, 'interactions').locator('button[data-action="svg"]').click()]);
      assert.match(fs.readFileSync((await svg.path())!, 'utf8'), /^<svg/);
      const [png] = await Promise.all([page.waitForEvent('download'), panel(page, 'logos').locator('button[data-action="png"]').click()]);
      assert.deepEqual([...fs.readFileSync((await png.path())!).subarray(1, 4)], [0x50, 0x4e, 0x47]);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('motif matches: a cell tooltip lists three; the selected feature’s logo is drawn above its JASPAR motif’s', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'medium');
      // Row of filter 0 (CTCF, CTCFL, SP1 in the fixture): hover one of its cells.
      await page.locator('[data-panel="main"] .hm_cells_marks path[aria-label*="filter 0 · CTCF"]').first().hover();
      const tip = page.locator('#vg-tooltip-element');
      await tip.waitFor({ state: 'visible' });
      const text = (await tip.innerText()) ?? '';
      assert.match(text, /motif matches\s+CTCF \(MA0139\.2\), q = 0\.001\nCTCFL \(MA1102\.3\), q = 0\.01\nSP1 \(MA0079\.5\), q = 0\.2/);
      assert.ok(!text.includes('SPI1'), 'only the top three');
      // Select filter 0: its logo comes first, with the motif's letters under it and the caption.
      await pick(page, 'feature', 'filter 0', 'feature:0');
      await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-feature') === '0');
      await idle(page);
      const logos = panel(page, 'logos');
      const feature = await logos.locator('.mark-image image').evaluateAll((els) => els.length);
      const medium = 10 * 4; // a 10-column feature and an 8-column motif: 4 letters a column
      assert.ok(feature >= medium + 8 * 4, `${feature} letter images`);
      const caption = await texts(page, '[data-panel="logos"] .mark-text text');
      assert.ok(caption.includes('CTCF (MA0139.2), q = 0.001 · reverse complement'), `captions ${caption}`);
      const subtitle = (await texts(page, '[data-panel="logos"] .role-title-subtitle text')).join(' ');
      assert.match(subtitle, /JASPAR 2024 \(CC BY 4\.0\), Rauluseviciute et al\./);
      // The first facet (filter 0) holds two logos: letters above 2 bits (feature) and below (motif).
      const firstCell = logos.locator('.mark-group.role-scope.cell > g').first();
      const top = (await firstCell.locator('path.background').first().boundingBox())!;
      const ys = await firstCell.locator('.mark-image image').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().bottom));
      const mid = top.y + top.height / 2;
      assert.equal(ys.filter((y) => y <= mid).length, 10 * 4, 'feature letters in the upper half');
      assert.equal(ys.filter((y) => y > mid).length, 8 * 4, 'motif letters in the lower half');
      // The tallest letter of the feature's first column (letters stack smallest first).
      await firstCell.locator('.mark-image image').nth(3).hover();
      await tip.waitFor({ state: 'visible' });
      assert.match((await tip.innerText()) ?? '', /motif matches/);
      await shot(page, 'logos', 'medium-logos-aligned');
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('follows the VS Code theme: dark and high contrast re-render with the theme colours', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'medium');
      const labelFill = () => page.locator('[data-panel="importance"] .role-axis-label text').first().getAttribute('fill');
      assert.equal(await labelFill(), '#3b3b3b');
      await page.evaluate(() => (document.body.className = 'vscode-dark'));
      await page.waitForFunction(() => document.querySelector('[data-panel="importance"] .role-axis-label text')?.getAttribute('fill') === '#cccccc');
      await idle(page);
      await shot(page, 'importance', 'medium-importance-dark');
      await page.evaluate(() => (document.body.className = 'vscode-high-contrast'));
      await page.waitForFunction(() => document.querySelector('[data-panel="importance"] .role-axis-label text')?.getAttribute('fill') === '#ffffff');
      await idle(page);
      await shot(page, 'main', 'medium-heatmap-high-contrast');
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });
});

describe('large synthetic result (919 classes × 960 features)', () => {
  test('heatmap is one image in the SVG; hover names the cell; click selects the class', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      // Reported, not asserted (no timing assertions): time until the heatmap is on screen.
      // A string, not a function: tsx would add helpers (__name) the page does not have.
      const firstPaint = Number(
        await page.evaluate(`new Promise((resolve) => {
          const t0 = performance.now();
          void window.renderPayload('large');
          (function check() { document.querySelector('[data-panel="main"][data-rendered]') ? resolve(performance.now() - t0) : requestAnimationFrame(check); })();
        })`),
      );
      await idle(page);
      console.log(`# 919 × 960 heatmap first paint (fetch + decode + draw): ${firstPaint.toFixed(0)} ms`);
      // SVG (axis labels stay text as a zoom redraws them), the 882,240 cells one <image> in it.
      assert.equal(await page.locator('[data-panel="main"] canvas').count(), 0);
      const image = page.locator('[data-panel="main"] svg.marks .hm_raster_marks image');
      assert.equal(await image.count(), 1);
      const box = (await image.boundingBox())!;
      // Hover in the middle of the plot: the cell tooltip names a feature and a class.
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
      const tip = page.locator('.dr-tip');
      await tip.waitFor({ state: 'visible' });
      const text = (await tip.textContent()) ?? '';
      assert.match(text, /^feature: feature \d+\nclass: class \d+\nOFIV: [−-]?[\d.e-]+\nSD across restarts: /);
      const cls = /class: class (\d+)/.exec(text)![1];
      await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.5);
      await page.waitForFunction((c) => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === c, cls);
      await idle(page);
      assert.ok((await texts(page, '[data-panel="importance"] .role-title-text text')).includes(`OFIV of class class ${cls}`));
      // The clicked cell's feature is selected too: its bar is added when it is not among the top 20.
      const feature = await page.locator('.dr-root').getAttribute('data-feature');
      const barLabels = await texts(page, '[data-panel="importance"] .role-axis-label text');
      assert.ok(barLabels.includes(`feature ${feature}`), `feature ${feature} among ${barLabels}`);
      assert.ok([20, 21].includes(await panel(page, 'importance').locator('.mark-rect.role-mark path').count()));
      // The heatmap's SVG export holds the picture as one image, not 882,240 shapes.
      const [svg] = await Promise.all([page.waitForEvent('download'), panel(page, 'main').locator('button[data-action="svg"]').click()]);
      const content = fs.readFileSync((await svg.path())!, 'utf8');
      assert.equal((content.match(/<image /g) ?? []).length, 1);
      assert.match(content, /feature \(960, clustering order\)/);
      assert.match(content, /class \(919, clustering order\)/);
      await shot(page, 'main', 'large-heatmap');
      await page.locator('button[data-main="similarity"]').click();
      await page.waitForFunction(() => document.querySelector('[data-panel="main"]')?.getAttribute('data-view') === 'similarity');
      await idle(page);
      assert.equal(await page.locator('[data-panel="main"] svg.marks image').count(), 2, 'the similarity and the label correlation, one image each');
      await shot(page, 'main', 'large-similarity');
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });
});

describe('names are data', () => {
  test('a class named <img src=x onerror=…> shows as text and runs nothing', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'xss');
      assert.equal(await page.locator('#out img').count(), 0, 'no <img> element created');
      assert.equal(await page.locator('#out script').count(), 0);
      assert.equal(await page.locator('#out b').count(), 0);
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      const options = await pickerNames(page, 'class');
      assert.deepEqual([...options].sort(), ['class 0', XSS, 'class 2'].sort(), 'the picker lists the names as text');
      assert.equal(await page.locator('#out img').count(), 0, 'no <img> element in the open list');
      const labels = await texts(page, '[data-panel="main"] .role-axis-label text');
      // Long labels are shortened with an ellipsis; the start is the literal text.
      assert.ok(labels.some((l) => l.startsWith('<img src=x')), `axis labels ${labels}`);
      assert.ok(labels.some((l) => l.startsWith('<b onmouseover')), `axis labels ${labels}`);
      assert.match((await page.locator('.dr-title').textContent()) ?? '', /<script>window.__pwned=2<\/script>/);
      // Its bars, tooltip included.
      await page.locator('[role="listbox"][aria-label="class"] [role="option"]').filter({ hasText: XSS }).click();
      await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === '1');
      await idle(page);
      assert.ok((await texts(page, '[data-panel="importance"] .role-title-text text')).includes(`OFIV of class ${XSS}`));
      await page.locator('[data-panel="main"] .hm_cells_marks path[aria-label*="onerror"]').first().hover();
      await page.locator('#vg-tooltip-element').waitFor({ state: 'visible' });
      assert.equal(await page.locator('#vg-tooltip-element img, #vg-tooltip-element b').count(), 0);
      assert.ok(((await page.locator('#vg-tooltip-element').textContent()) ?? '').includes(XSS), 'tooltip shows the name as text');
      await shot(page, 'importance', 'xss-importance');
      assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('an unknown payload version shows a message instead of a chart', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      h.payloads.set('future', JSON.stringify({ format: 'deepresolve.view', version: 99, view: 'heatmap', data: {} }));
      await page.evaluate(() => (window as unknown as { renderPayload(n: string): Promise<number> }).renderPayload('future'));
      assert.match((await page.locator('.dr-error').textContent()) ?? '', /payload version 99 is not supported/);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });
});
