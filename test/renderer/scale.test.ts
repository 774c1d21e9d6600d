/**
 * The renderer at DeepSEA scale (919 classes × 960 features) in Chromium: axis labels that do not
 * overlap (also after zooming), zoom and pan, the searchable class picker (typing narrows it,
 * the keyboard picks, the linked views follow), the search box (by motif name and by index), the
 * heatmap's top-N filter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { featureLabel, fromResults, type ViewData } from '../../renderers/data';
import { packView } from '../../renderers/pack';
import type { Results } from '../../src/engine/results';
import { syntheticResults } from './fixtures';
import { SHOTS, cspViolations, idle, openPage, pick, render, startHarness, type Harness } from './harness';

let h: Harness;
let big: Results;
/** The views' data of `big`, converted once (fromResults walks all 919 × 960 values). */
let data: ViewData;
/** Every wait in this file is bounded: a missed event fails the test with a message instead of hanging. */
const WAIT = { timeout: 60_000 };
// DeepSEA-style class names: cell type | factor | treatment.
const CELLS = ['GM12878', 'K562', 'HepG2', 'HeLa-S3', 'A549', 'H1-hESC', 'IMR-90'];
const FACTORS = ['CTCF', 'FOXA1', 'REST', 'POL2', 'DNase', 'H3K4me3', 'EP300', 'YY1', 'MAX'];
const className = (i: number) => `${CELLS[i % CELLS.length]}|${FACTORS[Math.floor(i / CELLS.length) % FACTORS.length]}|${i < 460 ? 'None' : `treated ${i}`}`;

before(async () => {
  h = await startHarness();
  big = syntheticResults({ classes: 919, features: 960, labels: true, seed: 5, names: className });
  // Motif matches on a few features only (the fixture's matches are CTCF on every other one).
  big.features[321].matches = [{ id: 'MA0114.5', name: 'HNF4A', offset: 0, strand: '+', pValue: 1e-7, qValue: 1e-4 } as never];
  big.features[654].matches = [{ id: 'MA0148.5', name: 'FOXA1', offset: 1, strand: '-', pValue: 1e-6, qValue: 2e-3 } as never];
  data = fromResults(big);
  h.payloads.set('deepsea', JSON.stringify(packView(data, 'heatmap')));
});

after(async () => {
  await h?.close();
});

const root = (page: Page, attr: string) => page.locator('.dr-root').getAttribute(attr);
const texts = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ''));

/**
 * Bounding boxes of the heatmap's drawn axis labels, per axis (x: class, y: feature), each axis in
 * screen order (left to right, top to bottom): Vega reuses text elements when a zoom redraws the
 * labels, so their order in the DOM is not the order on screen.
 */
async function labelBoxes(page: Page) {
  const axes = await page.$$eval('[data-panel="main"] .role-axis', (axes) =>
    axes.map((a) => Array.from(a.querySelectorAll('.role-axis-label text')).map((t) => {
      const r = t.getBoundingClientRect();
      return { text: t.textContent ?? '', x: r.x, y: r.y, w: r.width, h: r.height };
    })),
  );
  return axes.map((boxes) => {
    const spread = (f: (b: (typeof boxes)[number]) => number) => Math.max(...boxes.map(f)) - Math.min(...boxes.map(f));
    const cx = (b: (typeof boxes)[number]) => b.x + b.w / 2;
    const cy = (b: (typeof boxes)[number]) => b.y + b.h / 2;
    const along = spread(cx) >= spread(cy) ? cx : cy;
    return [...boxes].sort((a, b) => along(a) - along(b));
  });
}

/** The names listed in a list box (without the dimmer detail: kind, index, why it matched). */
const optionNames = (page: Page, label: string) => texts(page, `[role="listbox"][aria-label="${label}"] [role="option"] .dr-combo-text`);
/** The values ("class:POS", "feature:K") of the options listed. */
const optionValues = (page: Page, label: string) => page.$$eval(`[role="listbox"][aria-label="${label}"] [role="option"]`, (els) => els.map((e) => (e as HTMLElement).dataset.value ?? ''));
/** The heatmap image's box on screen (its full extent: zoomed in, it reaches outside the plot, clipped). */
const imageBox = async (page: Page) => (await page.locator('[data-panel="main"] .hm_raster_marks image').boundingBox({ timeout: 30_000 }))!;

/** Polls `read` until `ok` holds (a redraw settles a moment after the click), failing after 30 s with `what`. */
async function until<T>(page: Page, read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what} (last ${JSON.stringify(v)})`);
    await page.waitForTimeout(100);
  }
}
const waitClass = (page: Page, pos: number) => page.waitForFunction((p) => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === String(p), pos, WAIT);

function overlaps(boxes: { text: string; x: number; y: number; w: number; h: number }[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) out.push(`${a.text} / ${b.text}`);
    }
  }
  return out;
}

async function waitMain(page: Page, before: string | null) {
  await page.waitForFunction((b) => document.querySelector('[data-panel="main"]')?.getAttribute('data-rendered') !== b, before, WAIT);
  await idle(page);
}

describe('919 classes × 960 features', { timeout: 300_000 }, () => {
  test('axis labels do not overlap; zooming in draws more of them, still apart; reset shows all again', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'deepsea');
      const [cols, rows] = await labelBoxes(page);
      console.log(`# heatmap 919 × 960: ${cols.length} class labels and ${rows.length} feature labels drawn`);
      assert.ok(cols.length >= 30 && cols.length < 919 / 5, `${cols.length} class labels`);
      assert.ok(rows.length >= 30 && rows.length < 960 / 5, `${rows.length} feature labels`);
      assert.deepEqual(overlaps(cols), [], 'class labels overlap');
      assert.deepEqual(overlaps(rows), [], 'feature labels overlap');
      // The first row label is the first feature in clustering order.
      const order = big.featureOrder;
      assert.equal(rows[0].text, featureLabel(data.features[order[0]]));
      await page.locator('[data-panel="main"]').screenshot({ path: path.join(SHOTS, 'deepsea-heatmap-labels.png') });
      // Ctrl + wheel over the plot zooms about the pointer: fewer cells, more room, more of their labels.
      const canvas = (await page.locator('[data-panel="main"] .hm_raster_marks image').boundingBox())!;
      await page.mouse.move(canvas.x + canvas.width * 0.4, canvas.y + canvas.height * 0.4);
      await page.keyboard.down('Control');
      for (let i = 0; i < 6; i++) await page.mouse.wheel(0, -200);
      await page.keyboard.up('Control');
      await page.waitForFunction(() => {
        const labels = Array.from(document.querySelectorAll('[data-panel="main"] .role-axis')).map((a) => a.querySelectorAll('.role-axis-label text').length);
        return labels.length === 2 && labels[0] > 0 && labels[1] > 0;
      }, undefined, WAIT);
      await page.waitForTimeout(300);
      const [zc, zr] = await labelBoxes(page);
      const byText = (b: { text: string }[]) => b.map((x) => x.text);
      assert.notDeepEqual(byText(zr), byText(rows), 'zoomed rows are labelled differently');
      assert.deepEqual(overlaps(zc), [], 'zoomed class labels overlap');
      assert.deepEqual(overlaps(zr), [], 'zoomed feature labels overlap');
      // Labels of consecutive drawn rows are closer in the clustering order than before: the zoom thinned less.
      const rowOf = new Map(order.map((k, i) => [featureLabel(data.features[k]), i]));
      const step = (b: { text: string }[]) => {
        const idx = b.map((x) => rowOf.get(x.text));
        assert.ok(idx[0] !== undefined && idx[1] !== undefined, `row labels ${b[0]?.text}, ${b[1]?.text} are features`);
        return idx[1]! - idx[0]!;
      };
      assert.ok(step(zr) < step(rows), `every ${step(zr)} rows zoomed vs every ${step(rows)}`);
      await page.locator('[data-panel="main"]').screenshot({ path: path.join(SHOTS, 'deepsea-heatmap-zoomed.png') });
      // A plain wheel is the notebook's scroll, not a zoom.
      const zoomedLabels = byText(await labelBoxes(page).then((b) => b[1]));
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(300);
      assert.deepEqual(byText((await labelBoxes(page))[1]), zoomedLabels);
      // Reset: the whole matrix with the first labels again.
      await page.locator('button[data-action="zoom-reset"]').click();
      await page.waitForFunction((n) => document.querySelectorAll('[data-panel="main"] .role-axis')[1]?.querySelectorAll('.role-axis-label text').length === n, rows.length, WAIT);
      assert.deepEqual(byText((await labelBoxes(page))[1]), byText(rows));
      // The zoom-in button zooms about the centre.
      await page.locator('button[data-action="zoom-in"]').click();
      await page.waitForTimeout(300);
      assert.notDeepEqual(byText((await labelBoxes(page))[1]), byText(rows));
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('zoom buttons narrow the scale domains about the centre; a search hit outside the zoomed part pans it into view', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'deepsea');
      const nc = big.classes.length;
      const nr = big.features.length;
      // The plot's box: the image fills it while nothing is zoomed.
      const plot = await imageBox(page);
      const domains = async () => {
        const img = await imageBox(page);
        // Columns run left to right, rows top to bottom (the first row is the first feature in clustering order).
        return {
          c: [((plot.x - img.x) / img.width) * nc, ((plot.x + plot.width - img.x) / img.width) * nc],
          r: [((plot.y - img.y) / img.height) * nr, ((plot.y + plot.height - img.y) / img.height) * nr],
        };
      };
      const near = (got: number[], want: number[], what: string) => assert.ok(Math.abs(got[0] - want[0]) < 0.05 && Math.abs(got[1] - want[1]) < 0.05, `${what}: [${got}] is not [${want}]`);
      near((await domains()).c, [0, nc], 'columns at first');
      // Each + halves both domains about their centres.
      await page.locator('button[data-action="zoom-in"]').click();
      await page.locator('button[data-action="zoom-in"]').click();
      const zoomed = await until(page, domains, (d) => d.c[1] - d.c[0] < nc / 3, 'zoomed in twice');
      near(zoomed.c, [(nc * 3) / 8, (nc * 5) / 8], 'columns zoomed in twice');
      near(zoomed.r, [(nr * 3) / 8, (nr * 5) / 8], 'rows zoomed in twice');
      // The search box picks the class in the first column and the feature in the last row, both outside:
      // the zoom keeps its size and moves so that they show.
      const col0 = data.similarity.order[0];
      const lastRow = data.featureOrder[nr - 1];
      await pick(page, 'search classes and features', `#${big.classes[col0].index}`, `class:${col0}`);
      await waitClass(page, col0);
      const revealed = await until(page, domains, (d) => d.c[0] < 1, 'columns moved to the first class');
      near(revealed.c, [0, nc / 4], 'columns after picking the first class');
      near(revealed.r, zoomed.r, 'rows unchanged by a class pick');
      await pick(page, 'search classes and features', `#${lastRow}`, `feature:${lastRow}`);
      await page.waitForFunction((k) => document.querySelector('.dr-root')?.getAttribute('data-feature') === String(k), lastRow, WAIT);
      const both = await until(page, domains, (d) => d.r[1] > nr - 1, 'rows moved to the last feature');
      near(both.r, [(nr * 3) / 4, nr], 'rows after picking the last feature');
      near(both.c, [0, nc / 4], 'columns unchanged by a feature pick');
      // The outline of the picked row and column is inside the plot.
      for (const mark of ['rowmark', 'colmark']) {
        const b = (await page.locator(`[data-panel="main"] .hm_${mark}_marks path`).boundingBox())!;
        assert.ok(b.x + b.width / 2 >= plot.x && b.x + b.width / 2 <= plot.x + plot.width && b.y + b.height / 2 >= plot.y && b.y + b.height / 2 <= plot.y + plot.height, `${mark} in view`);
      }
      // −: twice as wide; Reset: everything.
      await page.locator('button[data-action="zoom-out"]').click();
      const out = await until(page, domains, (d) => d.c[1] - d.c[0] > nc / 3, 'zoomed out');
      near(out.c, [0, nc / 2], 'columns zoomed out (kept inside the matrix)');
      await page.locator('button[data-action="zoom-reset"]').click();
      near((await until(page, domains, (d) => d.c[1] - d.c[0] > nc - 1, 'reset')).r, [0, nr], 'rows after reset');
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('class picker: typing narrows 919 classes to the matches; arrows and Enter pick one; the linked views follow', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'deepsea');
      assert.equal(await page.locator('select[aria-label="class"]').count(), 0, 'no 919-entry drop-down');
      const picker = page.locator('input[role="combobox"][aria-label="class"]');
      await picker.focus();
      await page.keyboard.press('ArrowDown');
      const list = page.locator('[role="listbox"][aria-label="class"]');
      await list.waitFor({ state: 'visible', ...WAIT });
      assert.equal(await picker.getAttribute('aria-expanded'), 'true');
      // Unfiltered: the first 100 in clustering order, and a note of how many more.
      assert.deepEqual(await optionValues(page, 'class'), data.similarity.order.slice(0, 100).map((pos) => `class:${pos}`));
      assert.match((await list.locator('.dr-combo-note').textContent()) ?? '', /^819 more: type to narrow$/);
      // Typing narrows to the classes whose names contain every word (computed here from the names).
      // (The time from the input event to the list drawn, measured in the page, is a note for the report, not a check.)
      const ms = await picker.evaluate((input: HTMLInputElement) => {
        const t0 = performance.now();
        input.value = 'hepg2 rest';
        input.dispatchEvent(new Event('input', { bubbles: true }));
        return performance.now() - t0;
      });
      const values = await optionValues(page, 'class');
      console.log(`# class picker: 'hepg2 rest' narrows 919 classes to ${values.length} in ${ms.toFixed(1)} ms (search and list drawn)`);
      const expected = big.classes.flatMap((c, pos) => (/hepg2/i.test(c.name) && /rest/i.test(c.name) ? [`class:${pos}`] : []));
      assert.ok(expected.length > 3 && expected.length < 100, `${expected.length} expected`);
      assert.deepEqual([...values].sort(), [...expected].sort());
      const names = await optionNames(page, 'class');
      assert.deepEqual(names, values.map((v) => big.classes[Number(v.split(':')[1])].name));
      // Names repeat (as in DeepSEA's label set): each entry says its index.
      const details = await list.locator('[role="option"] .dr-combo-detail').allTextContents();
      assert.deepEqual(details, values.map((v) => `#${big.classes[Number(v.split(':')[1])].index}`));
      // Keyboard: down twice, Enter: the third match is picked.
      const before = await root(page, 'data-class-pos');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      const activeId = await picker.getAttribute('aria-activedescendant');
      assert.equal(await page.locator(`#${activeId}`).getAttribute('data-value'), values[2]);
      assert.equal(await page.locator(`#${activeId}`).getAttribute('aria-selected'), 'true');
      await page.keyboard.press('Enter');
      const pos = Number(values[2].split(':')[1]);
      await waitClass(page, pos);
      assert.notEqual(before, String(pos));
      await idle(page);
      assert.equal(await picker.getAttribute('aria-expanded'), 'false');
      assert.equal(await picker.inputValue(), big.classes[pos].name);
      // The per-class views now show that class.
      assert.ok((await texts(page, '[data-panel="importance"] .role-title-text text')).includes(`OFIV of class ${big.classes[pos].name}`));
      assert.ok((await texts(page, '[data-panel="interactions"] .role-title-text text')).some((t) => t.includes(big.classes[pos].name)));
      // By index: "17" puts class 17 first; Escape closes without picking.
      await picker.focus();
      await picker.fill('17');
      assert.equal((await optionValues(page, 'class'))[0], 'class:17');
      assert.equal((await optionNames(page, 'class'))[0], big.classes[17].name);
      await page.keyboard.press('Escape');
      assert.equal(await picker.getAttribute('aria-expanded'), 'false');
      assert.equal(await root(page, 'data-class-pos'), String(pos));
      assert.equal(await picker.inputValue(), big.classes[pos].name, 'Escape restores the current class');
      // Opened without a query, the list starts on the current class (as a drop-down would): here the
      // 51st in clustering order, picked by its index.
      const fiftieth = data.similarity.order[50];
      await picker.fill(`#${big.classes[fiftieth].index}`);
      await page.keyboard.press('Enter');
      await waitClass(page, fiftieth);
      await idle(page);
      await picker.fill('');
      const current = await picker.getAttribute('aria-activedescendant');
      assert.equal(await page.locator(`#${current}`).getAttribute('data-value'), `class:${fiftieth}`);
      await page.keyboard.press('ArrowDown');
      assert.equal(await page.locator(`#${await picker.getAttribute('aria-activedescendant')}`).getAttribute('data-value'), `class:${data.similarity.order[51]}`);
      await page.keyboard.press('Escape');
      // A click on an option picks it too.
      await picker.fill('a549 max treated');
      const clicked = (await optionValues(page, 'class'))[0];
      assert.match(big.classes[Number(clicked.split(':')[1])].name, /^A549\|MAX\|treated \d+$/);
      await list.locator('[role="option"]').first().click();
      await waitClass(page, Number(clicked.split(':')[1]));
      await idle(page);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('search box: a motif name finds its feature, an index its class and feature; a hit selects it in the linked views', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'deepsea');
      const search = page.locator('input[role="combobox"][aria-label="search classes and features"]');
      await search.fill('HNF4A');
      const list = page.locator('[role="listbox"][aria-label="search classes and features"]');
      const options = await texts(page, '[role="listbox"][aria-label="search classes and features"] [role="option"]');
      assert.deepEqual(options, ['feature 321 · HNF4Afeature · motif HNF4A (MA0114.5), q = 0.0001']);
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-feature') === '321', undefined, WAIT);
      await idle(page);
      // Linked: the feature picker shows it, the bars include it, its logo panel and the heatmap outline follow.
      assert.equal(await page.locator('input[role="combobox"][aria-label="feature"]').inputValue(), 'feature 321 · HNF4A');
      assert.ok((await texts(page, '[data-panel="importance"] .role-axis-label text')).includes('feature 321 · HNF4A'));
      assert.equal(await page.locator('[data-panel="main"] .hm_rowmark_marks path').count(), 1);
      // By the motif's ID as well.
      await search.fill('MA0148');
      assert.match((await list.locator('[role="option"]').first().textContent()) ?? '', /^feature 654 · FOXA1/);
      // A class name's factor finds classes and the feature whose motif has that name.
      await search.fill('FOXA1');
      const kinds = await list.locator('[role="option"] .dr-combo-detail').evaluateAll((els) => els.map((e) => e.textContent ?? ''));
      assert.ok(kinds.some((k) => k.startsWith('class')) && kinds.some((k) => k.startsWith('feature · motif FOXA1')), `${kinds}`);
      // An index: class 17 and feature 17, both listed first.
      await search.fill('#17');
      const hits = await list.locator('[role="option"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.value));
      assert.deepEqual(hits.slice(0, 2), ['class:17', 'feature:17']);
      await list.locator('[role="option"]').nth(0).click();
      await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === '17', undefined, WAIT);
      await idle(page);
      assert.ok((await texts(page, '[data-panel="importance"] .role-title-text text')).includes(`OFIV of class ${big.classes[17].name}`));
      assert.equal(await page.locator('input[role="combobox"][aria-label="class"]').inputValue(), big.classes[17].name);
      await search.fill('no such thing at all');
      assert.equal(await list.locator('.dr-combo-note').textContent(), 'no match');
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });

  test('top-N filter: the heatmap draws N feature rows (by largest |OFIV|), one mark per cell when few enough; a selected feature outside is added', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'deepsea');
      const input = page.locator('input[aria-label="heatmap: top N features by largest |value|"]');
      let rendered = await page.locator('[data-panel="main"]').getAttribute('data-rendered');
      await input.fill('20');
      await input.press('Enter');
      await waitMain(page, rendered);
      // 20 × 919 = 18,380 cells: under the image threshold, so one rect per cell.
      assert.equal(await page.locator('[data-panel="main"] .hm_cells_marks path').count(), 20 * 919);
      const rowLabels = (await labelBoxes(page))[1].map((b) => b.text);
      const strongest = data.features
        .map((_, k) => [Math.max(...data.classes.map((c) => Math.abs(c.ofiv[k]))), k] as const)
        .sort((a, b) => b[0] - a[0] || a[1] - b[1])
        .slice(0, 20)
        .map(([, k]) => featureLabel(data.features[k]));
      for (const l of rowLabels) assert.ok(strongest.includes(l), `${l} is one of the 20 strongest`);
      assert.equal(rowLabels.length, 20, 'every one of 20 rows labelled');
      assert.match((await texts(page, '[data-panel="main"] .role-title-subtitle text')).join(' '), /top 20 of 960 features/);
      // Select a weak feature through the picker: its row is added.
      const weak = data.featureOrder.find((k) => !strongest.includes(featureLabel(data.features[k])))!;
      rendered = await page.locator('[data-panel="main"]').getAttribute('data-rendered');
      const picker = page.locator('input[role="combobox"][aria-label="feature"]');
      await picker.fill(`#${weak}`);
      await page.keyboard.press('Enter');
      await waitMain(page, rendered);
      assert.equal(await page.locator('[data-panel="main"] .hm_cells_marks path').count(), 21 * 919);
      await page.locator('[data-panel="main"]').screenshot({ path: path.join(SHOTS, 'deepsea-heatmap-top20.png') });
      // 200: an image again, 200 rows.
      rendered = await page.locator('[data-panel="main"]').getAttribute('data-rendered');
      await input.fill('200');
      await input.press('Enter');
      await waitMain(page, rendered);
      assert.equal(await page.locator('[data-panel="main"] .hm_raster_marks image').count(), 1);
      assert.match((await page.locator('[data-panel="main"] .role-axis-title text').allTextContents()).join(' '), /feature \(201, clustering order\)/);
      // Cleared: all 960.
      rendered = await page.locator('[data-panel="main"]').getAttribute('data-rendered');
      await input.fill('');
      await input.press('Enter');
      await waitMain(page, rendered);
      assert.match((await page.locator('[data-panel="main"] .role-axis-title text').allTextContents()).join(' '), /feature \(960, clustering order\)/);
      await checkClean(page, errors);
    } finally {
      await close();
    }
  });
});

async function checkClean(page: Page, errors: string[]) {
  assert.deepEqual(errors, [], 'console errors');
  assert.deepEqual(await cspViolations(page), [], 'CSP violations');
}
