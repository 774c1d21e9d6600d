/**
 * Legibility in VS Code's four default themes (Light Modern, Dark Modern, Dark and Light High
 * Contrast, with the variables VS Code sets: vscode-themes.ts), measured in Chromium on what the
 * built renderer drew: the WCAG contrast ratio of every chart text (≥ 4.5), legend symbol, data
 * mark and logo letter (≥ 3) against the chart's background; every button has a fill or a border
 * that stands out from the page (≥ 3) and text on it (≥ 4.5); keyboard focus draws a ring (≥ 3).
 * Exports: the default SVG/PNG is white with no selection outline; "keep theme" keeps the
 * theme's background and the outline. A screenshot per theme goes to test-results/renderer.
 * The contrast formula here is written out again on purpose, independent of the renderer's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { fromResults } from '../../renderers/data';
import { SUMMARY_MIME, type SummaryPayload, type SummaryRow } from '../../renderers/summary-data';
import { packView } from '../../renderers/pack';
import { syntheticResults } from './fixtures';
import { SHOTS, cspViolations, idle, openPage, render, startHarness, type Harness } from './harness';
import { THEMES, type VsCodeTheme } from './vscode-themes';
import { MEASURE, blend, ratio, rgb, type Drawn } from '../helpers/drawn';

const BUTTONS = `() => [...document.querySelectorAll('.dr-root button')].filter((b) => b.offsetParent).map((b) => {
  const cs = getComputedStyle(b);
  return { label: b.textContent, background: cs.backgroundColor, color: cs.color, border: cs.borderTopColor, borderWidth: parseFloat(cs.borderTopWidth), pressed: b.getAttribute('aria-pressed') === 'true' };
})`;

let h: Harness;

const summaryRow = (model: string, rank: number | null): SummaryRow & { link?: string } => ({
  model,
  class: 'c',
  classIndex: 0,
  classes: 1,
  factors: ['CTCF'],
  top: [{ feature: 'filter 7', index: 7, ofiv: 0.4, motif: 'CTCF', motifId: 'MA0139.2', q: 0.02 }],
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
  link: `out/${model}.ipynb`,
});
const SUMMARY: SummaryPayload = {
  format: 'deepresolve.summary',
  version: 1,
  dir: 'out',
  rows: [summaryRow('alpha', 1), summaryRow('beta', 3), summaryRow('gamma', null)],
  counts: { models: 3, rows: 3, withFactor: 3, noFactor: 0, noMotifs: 0, recovered: { q05: [1, 2, 2], q50: [1, 2, 2] }, withNonAdditive: 0, nonAdditiveFeatures: 0 },
  attribution: 'JASPAR 2024 (CC BY 4.0)',
};

before(async () => {
  h = await startHarness();
  // 40 classes × 64 features: negative and non-additive features, logos with motif matches, traces.
  h.payloads.set('medium', JSON.stringify(packView(fromResults(syntheticResults({ classes: 40, features: 64, pwmWidth: 10, labels: true, matches: true, traces: true, seed: 3 })), 'heatmap')));
  h.payloads.set('summary', JSON.stringify(SUMMARY));
  h.payloads.set('raster', JSON.stringify(packView(fromResults(syntheticResults({ classes: 300, features: 200, seed: 4 })), 'heatmap')));
});

after(async () => {
  await h?.close();
});

async function useTheme(page: Page, theme: VsCodeTheme) {
  await page.evaluate((cls) => (document.body.className = cls), theme.bodyClass);
}

async function download(page: Page, panel: string, action: 'svg' | 'png'): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(`.dr-panel[data-panel="${panel}"] button[data-action="${action}"]`).click()]);
  return fs.readFileSync((await file.path())!);
}

/** The background colour of an SVG exported by Vega: its first rect, filling the picture. */
function svgBackground(svg: string): string | undefined {
  return /^<svg[^>]*>\s*<rect[^>]*fill="([^"]+)"/.exec(svg)?.[1];
}

/** Strokes of the heatmap's selection outlines in an exported SVG (the marks named hm_rowmark / hm_colmark). */
function outlineStrokes(svg: string): string[] {
  const groups = [...svg.matchAll(/<g class="mark-rect role-mark hm_(?:row|col)mark_marks"[^>]*>(.*?)<\/g>/g)].map((m) => m[1]);
  return groups.flatMap((g) => [...g.matchAll(/<path[^>]*>/g)].map((p) => /stroke="([^"]+)"/.exec(p[0])?.[1] ?? 'none'));
}

const summary: string[] = [];

describe('legible in every VS Code default theme', () => {
  for (const theme of THEMES) {
    test(`${theme.name}: text ≥ 4.5, legend symbols, marks and letters ≥ 3, buttons and focus visible, exports neutral`, async () => {
      const { page, errors, close } = await openPage(h);
      try {
        await useTheme(page, theme);
        await render(page, 'medium');
        const worst = { text: Infinity, symbol: Infinity, mark: Infinity, glyph: Infinity, button: Infinity, buttonText: Infinity, focus: Infinity };
        for (const panel of ['main', 'importance', 'interactions', 'logos', 'convergence']) {
          const d = (await page.evaluate(`(${MEASURE})(${JSON.stringify(`[data-panel="${panel}"] svg`)})`)) as Drawn | null;
          assert.ok(d, `${panel} drew an SVG`);
          const page_ = rgb(d.page);
          const bgRaw = rgb(d.background);
          const bg = bgRaw[3] === 0 ? page_ : blend(bgRaw, page_);
          assert.equal(ratio(bg, rgb(theme.vars['editor-background'])), 1, `${panel}: the chart sits on the editor background`);
          // Labels Vega hid for overlapping (opacity 0) are not shown, so not measured.
          for (const t of d.texts.filter((x) => x.alpha > 0)) {
            const r = ratio(blend(rgb(t.color), bg, t.alpha), bg);
            worst.text = Math.min(worst.text, r);
            assert.ok(r >= 4.5, `${theme.name} ${panel}: text "${t.text}" ${t.color} at ${t.alpha}: contrast ${r.toFixed(2)}`);
          }
          for (const s of d.symbols) {
            const fill = s.fillAlpha > 0 ? blend(rgb(s.fill), bg, s.alpha * s.fillAlpha) : undefined;
            const stroke = s.stroke !== 'none' && s.strokeWidth > 0 ? blend(rgb(s.stroke), bg, s.alpha) : undefined;
            const r = Math.max(fill ? ratio(fill, bg) : 1, stroke ? ratio(stroke, bg) : 1);
            worst.symbol = Math.min(worst.symbol, r);
            assert.ok(r >= 3, `${theme.name} ${panel}: legend symbol fill ${s.fill} stroke ${s.stroke}: contrast ${r.toFixed(2)}`);
          }
          for (const m of d.marks) {
            const r = ratio(blend(rgb(m.color), bg, m.alpha), bg);
            worst.mark = Math.min(worst.mark, r);
            assert.ok(r >= 3, `${theme.name} ${panel}: ${m.kind} mark ${m.color} at ${m.alpha}: contrast ${r.toFixed(2)}`);
          }
          for (const g of d.glyphs) {
            const r = ratio(rgb(g), bg);
            worst.glyph = Math.min(worst.glyph, r);
            assert.ok(r >= 3, `${theme.name} ${panel}: logo letter ${g}: contrast ${r.toFixed(2)}`);
          }
          if (panel === 'interactions') assert.ok(d.symbols.length >= 4, 'interactions: mixture-group and negative-feature legends drawn');
          if (panel === 'logos') assert.equal(d.glyphs.length, 4, 'logos: one glyph colour per letter');
          if (panel !== 'main' && panel !== 'logos') assert.ok(d.marks.length > 0, `${panel}: marks measured`);
        }

        // Buttons: a fill or a border that stands out from the page, and readable labels.
        const pageBg = rgb(theme.vars['editor-background']);
        const buttons = (await page.evaluate(`(${BUTTONS})()`)) as { label: string; background: string; color: string; border: string; borderWidth: number; pressed: boolean }[];
        assert.ok(buttons.length >= 10, `buttons found: ${buttons.length}`);
        for (const b of buttons) {
          const fill = blend(rgb(b.background), pageBg);
          const edge = b.borderWidth >= 1 ? ratio(blend(rgb(b.border), fill), pageBg) : 1;
          const r = Math.max(ratio(fill, pageBg), edge);
          worst.button = Math.min(worst.button, r);
          assert.ok(r >= 3, `${theme.name}: button "${b.label}" background ${b.background}, border ${b.borderWidth}px ${b.border}: contrast ${r.toFixed(2)} with the page`);
          const t = ratio(blend(rgb(b.color), fill), fill);
          worst.buttonText = Math.min(worst.buttonText, t);
          assert.ok(t >= 4.5, `${theme.name}: button "${b.label}" text ${b.color} on ${b.background}: contrast ${t.toFixed(2)}`);
        }
        // A pressed toggle looks different from a resting one.
        const pressed = buttons.find((b) => b.pressed)!;
        const resting = buttons.find((b) => !b.pressed && b.label === 'ONIV')!;
        assert.ok(pressed.background !== resting.background || pressed.border !== resting.border, `${theme.name}: pressed and resting toggles differ`);

        // Keyboard focus: a solid ring that stands out from the page.
        const svgButton = page.locator('.dr-panel[data-panel="importance"] button[data-action="svg"]');
        await svgButton.focus();
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('Tab');
        const ring = await svgButton.evaluate((b) => {
          const cs = getComputedStyle(b);
          return { focused: document.activeElement === b, style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor };
        });
        assert.ok(ring.focused && ring.style === 'solid' && ring.width >= 1, `${theme.name}: focus ring ${JSON.stringify(ring)}`);
        worst.focus = ratio(blend(rgb(ring.color), pageBg), pageBg);
        assert.ok(worst.focus >= 3, `${theme.name}: focus ring ${ring.color}: contrast ${worst.focus.toFixed(2)}`);

        fs.mkdirSync(SHOTS, { recursive: true });
        await page.locator('.dr-root').screenshot({ path: path.join(SHOTS, `theme-${theme.name}.png`) });

        // Exports. Select a feature first, so that the heatmap outlines its row and the class's column.
        await page.locator('.dr-panel[data-panel="importance"] .mark-rect.role-mark path').first().click();
        await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-feature') !== '-1');
        await idle(page);
        const accent = (await page.evaluate(`[...document.querySelectorAll('[data-panel="main"] .hm_rowmark_marks path, [data-panel="main"] .hm_colmark_marks path')].map((p) => p.getAttribute('stroke'))`)) as string[];
        assert.equal(accent.length, 2, 'the selected feature (row) and class (column) are outlined on screen');
        assert.ok(ratio(rgb(accent[0]), pageBg) >= 3, `${theme.name}: the outline ${accent[0]} stands out`);
        const printSvg = (await download(page, 'main', 'svg')).toString('utf8');
        assert.equal(svgBackground(printSvg), '#ffffff', `${theme.name}: the exported SVG is white`);
        assert.deepEqual(outlineStrokes(printSvg).filter((s) => s !== 'transparent' && s !== 'none'), [], `${theme.name}: no selection outline in the exported SVG`);
        for (const m of printSvg.matchAll(/<text[^>]*fill="([^"]+)"/g)) assert.ok(ratio(rgb(m[1]), [255, 255, 255, 1]) >= 4.5, `${theme.name}: exported text ${m[1]} on white`);
        const printPng = await download(page, 'importance', 'png');
        const corner = (await page.evaluate(
          `new Promise((resolve) => { const img = new Image(); img.onload = () => { const c = document.createElement('canvas'); c.width = img.width; c.height = img.height; const g = c.getContext('2d'); g.drawImage(img, 0, 0); resolve([...g.getImageData(1, 1, 1, 1).data]); }; img.src = 'data:image/png;base64,${printPng.toString('base64')}'; })`,
        )) as number[];
        assert.deepEqual(corner, [255, 255, 255, 255], `${theme.name}: the exported PNG is white`);

        // "keep theme": the picture as on screen, theme background and outline included.
        await page.locator('.dr-panel[data-panel="main"] input[data-action="keep-theme"]').check();
        assert.equal(await page.locator('.dr-panel[data-panel="importance"] input[data-action="keep-theme"]').isChecked(), true, 'one choice for every panel');
        const keptSvg = (await download(page, 'main', 'svg')).toString('utf8');
        assert.equal(ratio(rgb(svgBackground(keptSvg)!), pageBg), 1, `${theme.name}: the kept-theme SVG has the editor background`);
        assert.deepEqual(outlineStrokes(keptSvg).filter((s) => s !== 'transparent' && s !== 'none'), accent.filter(Boolean), `${theme.name}: the kept-theme SVG outlines the selection`);

        summary.push(`# ${theme.name.padEnd(8)} min contrast: text ${worst.text.toFixed(2)}, legend symbols ${worst.symbol.toFixed(2)}, marks ${worst.mark.toFixed(2)}, logo letters ${worst.glyph.toFixed(2)}, buttons ${worst.button.toFixed(2)} (labels ${worst.buttonText.toFixed(2)}), focus ring ${worst.focus.toFixed(2)}`);
        assert.deepEqual(errors, [], 'console errors');
        assert.deepEqual(await cspViolations(page), [], 'CSP violations');
      } finally {
        await close();
      }
    });
  }

  for (const theme of THEMES) {
    test(`${theme.name}: the pickers, the search box and the top-N input: text and placeholder ≥ 4.5, edges ≥ 3, the open list and its active option readable`, async () => {
      const { page, errors, close } = await openPage(h);
      try {
        await useTheme(page, theme);
        await render(page, 'medium');
        const pageBg = rgb(theme.vars['editor-background']);
        const field = (selector: string) =>
          page.locator(selector).evaluate((e) => {
            const cs = getComputedStyle(e);
            return { color: cs.color, background: cs.backgroundColor, border: cs.borderTopColor, borderWidth: parseFloat(cs.borderTopWidth), placeholder: getComputedStyle(e, '::placeholder').color };
          });
        const check = (what: string, f: { color: string; background: string; border: string; borderWidth: number }, placeholder?: string) => {
          const fill = blend(rgb(f.background), pageBg);
          const edge = Math.max(ratio(fill, pageBg), f.borderWidth >= 1 ? ratio(blend(rgb(f.border), pageBg), pageBg) : 1);
          assert.ok(edge >= 3, `${theme.name} ${what}: fill ${f.background}, border ${f.border}: edge contrast ${edge.toFixed(2)}`);
          const text = ratio(blend(rgb(f.color), fill), fill);
          assert.ok(text >= 4.5, `${theme.name} ${what}: text ${f.color} on ${f.background}: ${text.toFixed(2)}`);
          if (placeholder) {
            const p = ratio(blend(rgb(placeholder), fill), fill);
            assert.ok(p >= 4.5, `${theme.name} ${what}: placeholder ${placeholder}: ${p.toFixed(2)}`);
          }
          return Math.min(edge, text);
        };
        for (const [what, selector] of [
          ['class picker', 'input[role="combobox"][aria-label="class"]'],
          ['feature picker', 'input[role="combobox"][aria-label="feature"]'],
          ['search box', 'input[role="combobox"][aria-label="search classes and features"]'],
          ['top-N input', 'input[aria-label="heatmap: top N features by largest |value|"]'],
        ] as const) {
          const f = await field(selector);
          check(what, f, what === 'search box' || what === 'top-N input' ? f.placeholder : undefined);
        }
        // The open list: its entries on its background, the active one in the pressed button's colours.
        await page.locator('input[role="combobox"][aria-label="class"]').focus();
        await page.keyboard.press('ArrowDown');
        await page.keyboard.press('ArrowDown');
        const list = await field('[role="listbox"][aria-label="class"]');
        check('class list', list);
        const option = await page.locator('[role="listbox"][aria-label="class"] [role="option"][aria-selected="false"]').first().evaluate((e) => getComputedStyle(e).color);
        const onList = ratio(blend(rgb(option), blend(rgb(list.background), pageBg)), blend(rgb(list.background), pageBg));
        assert.ok(onList >= 4.5, `${theme.name}: option text ${option} on ${list.background}: ${onList.toFixed(2)}`);
        const active = await page.locator('[role="listbox"][aria-label="class"] [role="option"][aria-selected="true"]').evaluate((e) => {
          const cs = getComputedStyle(e);
          return { color: cs.color, background: cs.backgroundColor, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1 ? cs.outlineColor : null };
        });
        const listFill = blend(rgb(list.background), pageBg);
        const activeFill = blend(rgb(active.background), listFill);
        const activeText = ratio(blend(rgb(active.color), activeFill), activeFill);
        assert.ok(activeText >= 4.5, `${theme.name}: active option ${active.color} on ${active.background}: ${activeText.toFixed(2)}`);
        // It stands out from the other entries by its fill or its outline.
        const standsOut = Math.max(ratio(activeFill, listFill), active.outline ? ratio(blend(rgb(active.outline), listFill), listFill) : 1);
        assert.ok(standsOut >= 3, `${theme.name}: the active option (fill ${active.background}, outline ${active.outline}) stands out from the list by ${standsOut.toFixed(2)}`);
        await page.locator('.dr-root').screenshot({ path: path.join(SHOTS, `theme-${theme.name}-picker.png`) });
        assert.deepEqual(errors, [], 'console errors');
      } finally {
        await close();
      }
    });
  }

  test('the print picture of a zoomed heatmap shows the zoomed part, as the screen does', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await render(page, 'medium');
      const labels = async () => (await page.$$eval('[data-panel="main"] .role-axis-label text', (els) => els.filter((e) => Number(getComputedStyle(e).opacity) > 0).map((e) => e.textContent ?? ''))).sort();
      const before = await labels();
      await page.locator('button[data-action="zoom-in"]').click();
      await page.locator('button[data-action="zoom-in"]').click();
      await idle(page);
      const zoomed = await labels();
      assert.ok(zoomed.length < before.length, `zoomed in: ${zoomed.length} labels of ${before.length}`);
      const svg = (await download(page, 'main', 'svg')).toString('utf8');
      assert.equal(svgBackground(svg), '#ffffff');
      // Axis labels of the exported picture: the text inside its role-axis-label groups.
      const exported = [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/g)]
        .flatMap((g) => [...g[1].matchAll(/<text[^>]*?(?:opacity="([\d.]+)")?[^>]*>([^<]*)<\/text>/g)].filter((t) => t[1] === undefined || Number(t[1]) > 0).map((t) => t[2]))
        .map((t) => t.replace(/&amp;/g, '&'))
        .sort();
      assert.deepEqual(exported, zoomed);
      assert.deepEqual(errors, [], 'console errors');
    } finally {
      await close();
    }
  });

  test('a matrix drawn as one image (300 classes × 200 features) exports in the print style as one image', async () => {
    const { page, errors, close } = await openPage(h);
    try {
      await useTheme(page, THEMES.find((t) => t.name === 'dark')!);
      await render(page, 'raster');
      const svg = (await download(page, 'main', 'svg')).toString('utf8');
      assert.equal(svgBackground(svg), '#ffffff');
      assert.equal((svg.match(/<image /g) ?? []).length, 1, 'the matrix is one image, not 60,000 shapes');
      const png = await download(page, 'main', 'png');
      // PNG signature, and 2× the picture's size: width and height from the IHDR chunk.
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      const width = png.readUInt32BE(16);
      const svgWidth = Number(/^<svg[^>]*width="(\d+)"/.exec(svg)![1]);
      assert.equal(width, 2 * svgWidth);
      assert.deepEqual(errors, [], 'console errors');
    } finally {
      await close();
    }
  });

  for (const theme of THEMES) {
    test(`${theme.name}: the cross-model summary's chart, table text and links`, async () => {
      const { page, errors, close } = await openPage(h);
      try {
        await useTheme(page, theme);
        await render(page, 'summary', SUMMARY_MIME);
        const pageBg = rgb(theme.vars['editor-background']);
        const d = (await page.evaluate(`(${MEASURE})('.dr-summary [data-view="recovery"] svg')`)) as Drawn;
        assert.ok(d.texts.length > 5 && d.marks.length === 6, `chart drawn: ${d.texts.length} texts, ${d.marks.length} bars`);
        for (const t of d.texts.filter((x) => x.alpha > 0)) assert.ok(ratio(blend(rgb(t.color), pageBg, t.alpha), pageBg) >= 4.5, `${theme.name}: chart text "${t.text}" ${t.color}`);
        for (const m of [...d.marks, ...d.symbols.map((s) => ({ kind: 'symbol', color: s.fill, alpha: s.alpha * s.fillAlpha }))]) {
          const r = ratio(blend(rgb(m.color), pageBg, m.alpha), pageBg);
          assert.ok(r >= 3, `${theme.name}: chart ${m.kind} ${m.color}: ${r.toFixed(2)}`);
        }
        const cells = (await page.$$eval('.dr-summary td, .dr-summary th button, .dr-summary a, .dr-summary .dr-note', (els) => els.map((e) => getComputedStyle(e).color))) as string[];
        assert.ok(cells.length > 20);
        for (const c of new Set(cells)) assert.ok(ratio(blend(rgb(c), pageBg), pageBg) >= 4.5, `${theme.name}: table text ${c}`);
        assert.deepEqual(errors, [], 'console errors');
      } finally {
        await close();
      }
    });
  }

  test('report', () => {
    for (const line of summary) console.log(line);
  });
});
