/**
 * Legible in VS Code's default themes, in a real VS Code (code-server): the notebook the CLI
 * writes is opened, the colour theme is switched with Preferences: Color Theme as a user would (this
 * VS Code's default Light/Dark 2026, Light/Dark Modern and both High Contrast themes), and in
 * the real output webview — with the variables VS Code itself sets there — the dashboard follows:
 * its background turns dark or light with the theme, every chart text has WCAG contrast ≥ 4.5 and
 * every legend symbol ≥ 3 against the background it is drawn on. A screenshot per theme goes to
 * test-results/e2e (50-theme-*.png). The Chromium test (test/renderer/themes.test.ts) measures more
 * (marks, letters, buttons, focus, exports) with copies of these variables; this one checks that the
 * real ones reach the renderer.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { resultsNotebook } from '../../src/notebook/output-bundle';
import { MEASURE, blend, lum, ratio, rgb, type Drawn } from '../helpers/drawn';
import { syntheticResults } from '../renderer/fixtures';
import { launchBrowser, screenshot, startCodeServer, waitForSelector, type Server } from './harness';
import { NotebookUi } from './notebook-ui';

// This VS Code's own defaults (Light/Dark 2026), the Modern pair the Chromium test copies, and both
// High Contrast themes.
const THEMES = [
  { label: 'Light 2026', workbench: 'vs', dark: false, shot: 'light-2026' },
  { label: 'Dark 2026', workbench: 'vs-dark', dark: true, shot: 'dark-2026' },
  { label: 'Light Modern', workbench: 'vs', dark: false, shot: 'light-modern' },
  { label: 'Dark Modern', workbench: 'vs-dark', dark: true, shot: 'dark-modern' },
  { label: 'Dark High Contrast', workbench: 'hc-black', dark: true, shot: 'hc-dark' },
  { label: 'Light High Contrast', workbench: 'hc-light', dark: false, shot: 'hc-light' },
];
const PANELS = ['main', 'importance', 'interactions'];
const SVG_MAIN = '.dr-root [data-panel="main"] svg';

/** The colour a panel's SVG is painted on: the first opaque background from it up, else the editor's. */
const BACKGROUND = `(selector) => {
  const svg = document.querySelector(selector);
  if (!svg) return null;
  for (let e = svg; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (c && c !== 'transparent' && !/rgba\\([^)]*,\\s*0\\)$/.test(c)) return c;
  }
  return getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim() || null;
}`;

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let frame: Frame;

/** As a user does: the command palette's Preferences: Color Theme, the theme's name, a click. */
async function setTheme(label: string) {
  await page.keyboard.press('F1');
  const palette = page.locator('.quick-input-widget input');
  await palette.waitFor({ state: 'visible' });
  await palette.fill('>Preferences: Color Theme');
  // Not Enter: the first row of that query is "Browse Color Themes in Marketplace".
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: /^Preferences: Color Theme/ }).first().click();
  const input = page.locator('.quick-input-widget input[placeholder*="Color Theme" i]');
  await input.waitFor({ state: 'visible', timeout: 30_000 });
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: new RegExp(`^${label}`) }).first().click();
}

async function measure(panel: string): Promise<{ drawn: Drawn; background: string } | null> {
  const selector = JSON.stringify(`[data-panel="${panel}"] svg`);
  const drawn = (await frame.evaluate(`(${MEASURE})(${selector})`)) as Drawn | null;
  const background = (await frame.evaluate(`(${BACKGROUND})(${selector})`)) as string | null;
  return drawn && background ? { drawn, background } : null;
}

describe('the dashboard in VS Code’s default themes (code-server)', { timeout: 900_000 }, () => {
  before(async () => {
    server = await startCodeServer({
      prepare: async (ws) => {
        fs.writeFileSync(path.join(ws, 'themes.ipynb'), await resultsNotebook(syntheticResults({ classes: 40, features: 64, pwmWidth: 10, labels: true, matches: true, traces: true, seed: 3 })));
      },
    });
    browser = await launchBrowser();
    page = browser.page;
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
    const ui = new NotebookUi(page);
    await ui.openFile('themes.ipynb');
    await ui.cell(1).waitFor({ timeout: 60_000 });
    frame = await waitForSelector(page, SVG_MAIN, 120_000);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  for (const theme of THEMES) {
    test(`${theme.label}: the dashboard follows (background ${theme.dark ? 'dark' : 'light'}), text ≥ 4.5, legend symbols ≥ 3`, async () => {
      await setTheme(theme.label);
      await page.locator(`.monaco-workbench.${theme.workbench}`).waitFor({ timeout: 60_000 });
      // The renderer redraws when the webview's theme variables change: wait for a background of
      // the theme's kind and text drawn for it (the first redraw may still be under way).
      const deadline = Date.now() + 60_000;
      let worstText = Infinity;
      let worstSymbol = Infinity;
      let symbols = 0;
      for (;;) {
        const problems: string[] = [];
        // (Found again each round: a webview VS Code rebuilds is a new frame.)
        frame = await waitForSelector(page, SVG_MAIN, 30_000);
        worstText = Infinity;
        worstSymbol = Infinity;
        symbols = 0;
        for (const panel of PANELS) {
          const m = await measure(panel).catch(() => null);
          if (!m) {
            problems.push(`${panel}: no SVG`);
            continue;
          }
          const bg = blend(rgb(m.background), [255, 255, 255, 1]);
          if (theme.dark ? lum(bg) > 0.2 : lum(bg) < 0.5) problems.push(`${panel}: background ${m.background} is not ${theme.dark ? 'dark' : 'light'}`);
          for (const t of m.drawn.texts.filter((x) => x.alpha > 0)) {
            const r = ratio(blend(rgb(t.color), bg, t.alpha), bg);
            worstText = Math.min(worstText, r);
            if (r < 4.5) problems.push(`${panel}: text "${t.text}" ${t.color} on ${m.background}: ${r.toFixed(2)}`);
          }
          for (const s of m.drawn.symbols) {
            const fill = s.fillAlpha > 0 ? blend(rgb(s.fill), bg, s.alpha * s.fillAlpha) : undefined;
            const stroke = s.stroke !== 'none' && s.strokeWidth > 0 ? blend(rgb(s.stroke), bg, s.alpha) : undefined;
            const r = Math.max(fill ? ratio(fill, bg) : 1, stroke ? ratio(stroke, bg) : 1);
            worstSymbol = Math.min(worstSymbol, r);
            symbols++;
            if (r < 3) problems.push(`${panel}: legend symbol ${s.fill}/${s.stroke} on ${m.background}: ${r.toFixed(2)}`);
          }
        }
        if (problems.length === 0) break;
        if (Date.now() > deadline) assert.fail(`${theme.label}:\n${problems.slice(0, 12).join('\n')}`);
        await page.waitForTimeout(500);
      }
      assert.ok(symbols >= 4, `${theme.label}: legend symbols measured (${symbols})`);
      process.stdout.write(`# ${theme.label}: worst text contrast ${worstText.toFixed(2)}, worst legend symbol ${worstSymbol.toFixed(2)} (${symbols} symbols)\n`);
      await screenshot(page, `50-theme-${theme.shot}`);
    });
  }
});
