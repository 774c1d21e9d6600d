/**
 * The built renderer in headless Chromium on a result full of hostile names (test/helpers/hostile.ts:
 * class names from a labels file, motif names and IDs from a MEME file, the model, layer and a
 * feature renamed in the results): every view first, every class picked, tooltips shown. No dialog
 * opens, no console error or CSP violation happens, no element the names spell is created, no event
 * attribute or non-data image link exists, and the page's text holds no control character.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { fromResults } from '../../renderers/data';
import { packView, VIEW_NAMES } from '../../renderers/pack';
import type { Results } from '../../src/engine/results';
import { readResults } from '../../src/engine/results-file';
import { CONTROL_CHARACTERS, HOSTILE_NAMES, writeHostileNotebook } from '../helpers/hostile';
import { shown } from '../helpers/output-checks';
import { combobox, cspViolations, idle, openPage, pick, pickerNames, render, startHarness, type Harness } from './harness';

let h: Harness;
let results: Results;

before(async () => {
  h = await startHarness();
  const nb = await writeHostileNotebook(fs.mkdtempSync(path.join(os.tmpdir(), 'hostile-renderer-')));
  // Through the reader: results.json keeps ONIV only at the non-additive features (schema 3).
  results = readResults(nb.results, { arrays: false });
  // Names a results file could hold though the engine never writes them.
  results.model.name = HOSTILE_NAMES[1];
  results.model.layer.name = HOSTILE_NAMES[16];
  results.features[0].name = HOSTILE_NAMES[13];
  for (const view of VIEW_NAMES) h.payloads.set(`hostile-${view}`, JSON.stringify(packView(fromResults(results), view, { feature: 1 })));
});

after(async () => {
  await h?.close();
});

/** Everything on the page that a name could have made, as a list of findings ([] when clean). */
async function injected(page: Page): Promise<string[]> {
  return page.evaluate((controls) => {
    const found: string[] = [];
    // The outputs and the tooltip (the harness page itself has its stylesheet link and script).
    const all = Array.from(document.querySelectorAll('#out *, #vg-tooltip-element, #vg-tooltip-element *, .dr-tip'));
    for (const e of all) {
      const tag = e.tagName.toLowerCase();
      if (/^(script|iframe|object|embed|img|foreignobject|a|b|i|style|link)$/.test(tag)) found.push(`<${tag}> element`);
      for (const a of Array.from(e.attributes)) {
        if (/^on/i.test(a.name)) found.push(`${tag} ${a.name}="${a.value}"`);
        if (/href$/i.test(a.name) && !/^data:image\/(png|svg\+xml);base64,/.test(a.value)) found.push(`${tag} ${a.name}="${a.value.slice(0, 60)}"`);
      }
    }
    // Anywhere in the document: no event attribute (a name must not add one to the page).
    for (const e of Array.from(document.querySelectorAll('*'))) for (const a of Array.from(e.attributes)) if (/^on/i.test(a.name)) found.push(`${e.tagName.toLowerCase()} ${a.name}`);
    const text = document.body.innerText;
    const m = new RegExp(controls).exec(text);
    if (m) found.push(`control character U+${m[0].charCodeAt(0).toString(16)} in the page text`);
    if ((window as unknown as { __pwned?: unknown }).__pwned !== undefined) found.push('a script ran');
    return found;
  }, CONTROL_CHARACTERS.source);
}

async function hostilePage() {
  const p = await openPage(h);
  const dialogs: string[] = [];
  p.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return { ...p, dialogs };
}

async function assertClean(page: Page, errors: string[], dialogs: string[], where: string) {
  assert.deepEqual(dialogs, [], `${where}: dialogs`);
  assert.deepEqual(errors, [], `${where}: console errors`);
  assert.deepEqual(await cspViolations(page), [], `${where}: CSP violations`);
  assert.deepEqual(await injected(page), [], where);
}

describe('the renderer with hostile names', () => {
  test('every view first: names are text (toolbar, options, axes, titles) and nothing runs', async () => {
    const { page, errors, dialogs, close } = await hostilePage();
    try {
      for (const view of VIEW_NAMES) {
        await render(page, `hostile-${view}`);
        await assertClean(page, errors, dialogs, view);
        assert.equal(await page.locator('.dr-title').textContent(), `DeepResolve · ${shown(HOSTILE_NAMES[1])} · layer ${shown(HOSTILE_NAMES[16])}`);
        // The class picker's list, open (so the injection check sees its entries).
        const options = await pickerNames(page, 'class');
        assert.deepEqual([...options].sort(), HOSTILE_NAMES.map(shown).sort(), 'class names as option text, controls shown as U+FFFD, long ones cut');
        await assertClean(page, errors, dialogs, `${view}: class list open`);
        await page.keyboard.press('Escape');
      }
    } finally {
      await close();
    }
  });

  test('every class picked: the per-class views retitle with its name as text', async () => {
    const { page, errors, dialogs, close } = await hostilePage();
    try {
      await render(page, 'hostile-importance');
      for (let pos = 0; pos < results.classes.length; pos++) {
        await pick(page, 'class', `#${results.classes[pos].index}`, `class:${pos}`);
        await page.waitForFunction((p) => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === String(p), pos);
        await idle(page);
        const titles = await page.$$eval('[data-panel="importance"] .role-title-text text, [data-panel="interactions"] .role-title-text text', (els) => els.map((e) => e.textContent ?? ''));
        // Vega cuts a title at its width limit with '…'; the start is the literal name.
        const want = `OFIV of class ${shown(results.classes[pos].name)}`;
        assert.ok(titles.some((t) => t === want || (t.endsWith('…') && want.startsWith(t.slice(0, -1)))), `${JSON.stringify(want.slice(0, 60))} in ${JSON.stringify(titles)}`);
        await assertClean(page, errors, dialogs, `class ${pos}`);
      }
    } finally {
      await close();
    }
  });

  test('search results show hostile class names, motif names and motif IDs as text; a hit picks the class', async () => {
    const { page, errors, dialogs, close } = await hostilePage();
    try {
      await render(page, 'hostile-heatmap');
      const label = 'search classes and features';
      const list = page.locator(`[role="listbox"][aria-label="${label}"]`);
      const hits = () => list.locator('[role="option"]').evaluateAll((els) => els.map((e) => ({ value: (e as HTMLElement).dataset.value ?? '', text: e.querySelector('.dr-combo-text')?.textContent ?? '', detail: e.querySelector('.dr-combo-detail')?.textContent ?? '' })));
      await combobox(page, label).fill('<img src');
      const found = await hits();
      // The class of that name (computed here from the results), as text.
      const pos = results.classes.findIndex((c) => c.name === HOSTILE_NAMES[1]);
      assert.ok(pos >= 0);
      assert.deepEqual(found.find((x) => x.value === `class:${pos}`)?.text, shown(HOSTILE_NAMES[1]), JSON.stringify(found));
      // The features whose motif is named so: the match, as text, says why they are listed.
      const byMotif = found.filter((x) => x.value.startsWith('feature:'));
      const want = results.features.filter((f) => (f.matches ?? []).some((m) => m.name.includes('<img src'))).map((f) => `feature:${f.index}`);
      assert.ok(want.length > 0, 'a feature matched by that motif name');
      assert.deepEqual(byMotif.map((x) => x.value).sort(), want.sort());
      assert.ok(byMotif.every((x) => /^feature · motif .*<img src=x onerror=alert\(1\)>/.test(x.detail)), JSON.stringify(byMotif));
      await assertClean(page, errors, dialogs, 'search <img src');
      // A motif ID carrying markup finds its feature, as text.
      await combobox(page, label).fill('<b>MX');
      const ids = await hits();
      assert.ok(ids.length > 0 && ids.every((x) => x.detail.includes('<b>MX')), JSON.stringify(ids));
      await assertClean(page, errors, dialogs, 'search <b>MX');
      // Picking the class hit selects it: the per-class views retitle with its name.
      await pick(page, label, '<img src', `class:${pos}`);
      await page.waitForFunction((p) => document.querySelector('.dr-root')?.getAttribute('data-class-pos') === String(p), pos, { timeout: 30_000 });
      await idle(page);
      assert.equal(await combobox(page, 'class').inputValue(), shown(HOSTILE_NAMES[1]));
      assert.ok((await page.$$eval('[data-panel="importance"] .role-title-text text', (els) => els.map((e) => e.textContent ?? ''))).includes(`OFIV of class ${shown(HOSTILE_NAMES[1])}`));
      await assertClean(page, errors, dialogs, 'picked');
    } finally {
      await close();
    }
  });

  test('tooltips of bars, points, cells and logo letters show motif names and IDs as text', async () => {
    const { page, errors, dialogs, close } = await hostilePage();
    try {
      await render(page, 'hostile-heatmap');
      const tip = page.locator('#vg-tooltip-element');
      // [selector, which one]: a logo column's letters stack smallest first, so the 4th is the tallest.
      const targets: [string, number][] = [
        ['[data-panel="main"] .hm_cells_marks path', 0],
        ['[data-panel="importance"] .mark-rect.role-mark path', 0],
        ['[data-panel="interactions"] .mark-symbol.role-mark path', 0],
        ['[data-panel="logos"] .mark-image image', 3],
      ];
      let seen = '';
      for (const [selector, nth] of targets) {
        await page.locator(selector).nth(nth).hover({ force: true });
        await tip.waitFor({ state: 'visible' });
        const tags = await tip.evaluate((el) => Array.from(el.querySelectorAll('*')).map((e) => e.tagName.toLowerCase()));
        // vega-tooltip's own table, and nothing a name spelled.
        assert.deepEqual([...new Set(tags)].filter((t) => !['table', 'tbody', 'tr', 'td', 'h2'].includes(t)), [], `${selector}: ${tags}`);
        seen += (await tip.textContent()) ?? '';
        await assertClean(page, errors, dialogs, selector);
        await page.mouse.move(0, 0);
      }
      // The motif IDs and names carry markup; the tooltip shows it as characters.
      assert.ok(seen.includes('<b>MX'), `motif ID as text in ${seen.slice(0, 300)}`);
      assert.ok(HOSTILE_NAMES.slice(0, 9).some((n) => seen.includes(n)), 'a hostile motif name as text');
    } finally {
      await close();
    }
  });
});
