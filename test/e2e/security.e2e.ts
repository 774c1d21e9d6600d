/**
 * The safety rules of docs/security.md in a real VS Code (code-server), through its UI:
 *   - a folder opened untrusted (Restricted Mode): "Resolve features" runs no cell before VS Code's
 *     trust question is answered, the same question a manual run gets;
 *   - %export outside the workspace asks first, and "Cancel" writes nothing there;
 *   - a notebook whose class and model names are HTML/script/Markdown payloads renders (saved
 *     outputs from the CLI and fresh ones from the kernel) without any of them running or adding
 *     elements, in any frame, the output webviews included.
 * Needs scripts/e2e-setup.sh (run by `npm run test:e2e`). Screenshots go to test-results/e2e/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, runCommand, screenshot, startCodeServer, waitForSelector, waitForText, type Server, type ServerOptions } from './harness';
import { quotePath } from '../../src/commands/starter-cells';
import { CONTROL_CHARACTERS, HOSTILE_NAMES, writeHostileNotebook } from '../helpers/hostile';
import { NotebookUi } from './notebook-ui';
import { framesWithText, injectedAnywhere, injectedElements, trapDialogs, watchScripts, type ScriptEvent } from './script-watch';

interface Session {
  server: Server;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
  page: Page;
  ui: NotebookUi;
  scripts: ReturnType<typeof watchScripts>;
}

async function open(options: ServerOptions): Promise<Session> {
  const server = await startCodeServer(options);
  const browser = await launchBrowser();
  await trapDialogs(browser.context);
  const page = browser.page;
  const scripts = watchScripts(page);
  await page.goto(server.url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
  return { server, browser, page, ui: new NotebookUi(page), scripts };
}

async function close(s: Session | undefined, shot: string) {
  if (s?.page) await screenshot(s.page, shot).catch(() => undefined);
  await s?.browser.close();
  await s?.server.stop();
}

function toast(page: Page, text: string | RegExp) {
  return page.locator('.notifications-toasts .notification-toast').filter({ hasText: text }).first();
}

describe('Restricted Mode (a folder opened untrusted)', { timeout: 600_000 }, () => {
  let s: Session;
  let question = '';
  before(async () => {
    s = await open({ trust: 'restricted' });
  });
  after(() => close(s, '29-restricted-final'));

  test('the folder is in Restricted Mode and the extension still offers Resolve features', async () => {
    const { page, ui } = s;
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    await ui.expand('models');
    await ui.expand('tiny');
    const model = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: /^model\.json$/ }).first();
    // An extension disabled by Restricted Mode would have no menu entry (however long it is waited for).
    await ui.menuEntry(model, 'Resolve features');
    await screenshot(page, '20-restricted-menu');
    await page.keyboard.press('Escape');
  });

  test('Resolve features asks to trust the folder before any cell runs; Cancel leaves every cell unrun', async () => {
    const { page, ui } = s;
    await ui.resolveFeaturesFromExplorer(['models', 'tiny'], 'model.json');
    await page.locator('.tab').filter({ hasText: /Untitled-\d+\.ipynb/ }).first().waitFor({ timeout: 30_000 });
    const dialog = ui.dialog();
    await dialog.waitFor({ timeout: 30_000 });
    question = (await dialog.innerText()).trim();
    assert.match(question, /trust/i);
    await screenshot(page, '21-restricted-trust-question');
    await dialog.locator('.monaco-button').filter({ hasText: /^Cancel$/ }).first().click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    // The command says so once VS Code's execution has given up: from here on nothing can run.
    await toast(page, 'the cells were not run (Restricted Mode)').waitFor({ timeout: 30_000 });
    for (const i of [1, 2, 3, 4]) assert.equal(await ui.cellState(i), 'none', `cell ${i + 1} ran`);
    assert.deepEqual(await framesWithText(page, 'Loaded tiny'), []);
    // No analysis ever started: the worker thread was not even created.
    await runCommand(page, 'DeepResolve: Show Analysis Status');
    await toast(page, 'DeepResolve: idle, worker not started.').waitFor({ timeout: 10_000 });
    await screenshot(page, '22-restricted-cells-unrun');
  });

  test('a manual run gets the same question; trusting the folder lets the cells run', async () => {
    const { page, ui } = s;
    await ui.runCell(1);
    const dialog = ui.dialog();
    await dialog.waitFor({ timeout: 30_000 });
    assert.equal((await dialog.innerText()).trim(), question);
    await dialog.locator('.monaco-button').filter({ hasText: /^Trust/ }).first().click();
    await ui.waitForState(1, 'success', 60_000);
    await waitForText(page, /Loaded tiny \(tfjs-layers\): 4 classes/, 30_000);
    await page.locator('.statusbar-item').filter({ hasText: 'Restricted Mode' }).first().waitFor({ state: 'detached', timeout: 10_000 });
    await screenshot(page, '23-trusted-cell-ran');
  });
});

/** Hostile names shown as they are (no control characters to be replaced, not cut), found as text or in tooltips. */
const SHOWN_NAMES = HOSTILE_NAMES.filter((n) => /alert|evil/.test(n) && !CONTROL_CHARACTERS.test(n) && n.length < 80);

/**
 * hostile/: test/helpers/hostile.ts's workspace (a model in a folder with a hostile name, class
 * names, layer names and motif names from its battery) and report.ipynb written from it by the
 * CLI (`deepresolve resolve --notebook`), with one more cell that runs the analysis in the kernel
 * and shows every text view. export.ipynb: %export cells. control.ipynb: the watch's control.
 */
async function prepareTrusted(workspace: string) {
  const dir = path.join(workspace, 'hostile');
  const hostile = await writeHostileNotebook(dir, 'report.ipynb');
  const nb = JSON.parse(fs.readFileSync(hostile.notebook, 'utf8'));
  nb.metadata.kernelspec = { name: 'deepresolve', display_name: 'DeepResolve', language: 'deepresolve' };
  // Paths relative to the notebook's folder, hostile/.
  const rel = (p: string) => quotePath(path.relative(dir, p).split(path.sep).join('/'));
  const magic = [
    `%resolve ${rel(hostile.model)} --labels ${rel(hostile.labels)} --motifs ${rel(hostile.motifs)} --restarts 2 --backend cpu --as h`,
    '%features 0 --top 3 h',
    '%similarity h',
    '%interactions 1 h',
    '%logos h',
    '%motifs h',
    '%layers',
  ];
  nb.cells.push({ cell_type: 'code', execution_count: null, metadata: { vscode: { languageId: 'deepresolve' } }, outputs: [], source: magic.join('\n') });
  fs.writeFileSync(hostile.notebook, JSON.stringify(nb, null, 1));
  // The watch's control: VS Code runs the script of a text/html output in a trusted notebook.
  fs.writeFileSync(
    path.join(workspace, 'control.ipynb'),
    JSON.stringify({
      cells: [{ cell_type: 'code', execution_count: 1, metadata: {}, source: '# control', outputs: [{ output_type: 'display_data', metadata: {}, data: { 'text/html': `<p>control</p><img src=x onerror="alert('deepresolve-control')">` } }] }],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
  const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: { vscode: { languageId: 'deepresolve' } }, outputs: [], source });
  fs.writeFileSync(
    path.join(workspace, 'export.ipynb'),
    JSON.stringify({
      cells: [cell('%resolve models/tiny/model.json --restarts 2 --as r'), cell('%export ../outside.json r'), cell('%export results/inside.json r')],
      metadata: { kernelspec: { name: 'deepresolve', display_name: 'DeepResolve', language: 'deepresolve' } },
      nbformat: 4,
      nbformat_minor: 5,
    }),
  );
}

/** Moves the pointer over a grid of points of every chart in view; counts the charts whose tooltip showed a hostile name. */
async function hoverCharts(page: Page, seen: Set<string>): Promise<number> {
  const view = page.viewportSize() ?? { width: 1600, height: 1000 };
  let shown = 0;
  for (const frame of page.frames().filter((f) => f !== page.mainFrame())) {
    // One round trip per frame: the charts' boxes in the frame, moved by the frame's place in the page.
    const at = await (await frame.frameElement().catch(() => null))?.boundingBox().catch(() => null);
    if (!at) continue;
    const charts = await frame
      .locator('svg.marks, canvas.marks')
      .evaluateAll((els) => els.map((el, i) => ({ id: `${el.closest('[id]')?.id ?? ''}#${i}`, r: el.getBoundingClientRect().toJSON() as DOMRect })))
      .catch(() => []);
    for (const { id, r } of charts) {
      // The part of the chart in view; each chart once (small ones, the logos, have no names in their tooltips).
      const top = Math.max(at.y + r.y, 80);
      const bottom = Math.min(at.y + r.y + r.height, view.height - 40);
      if (bottom - top < 120 || r.width < 250 || seen.has(id)) continue;
      seen.add(id);
      const box = { x: at.x + r.x, y: top, width: r.width, height: bottom - top };
      search: for (let gx = 1; gx < 5; gx++) {
        for (let gy = 1; gy < 5; gy++) {
          await page.mouse.move(box.x + (box.width * gx) / 5, box.y + (box.height * gy) / 5);
          await page.waitForTimeout(30);
          const tips = await frame.locator('#vg-tooltip-element.visible, [role="tooltip"]').allInnerTexts().catch(() => [] as string[]);
          if (tips.some((t) => SHOWN_NAMES.some((l) => t.includes(l)))) {
            shown++;
            break search;
          }
        }
      }
    }
  }
  return shown;
}

describe('a trusted workspace: writes outside it and hostile names', { timeout: 600_000 }, () => {
  let s: Session;
  before(async () => {
    s = await open({ trust: 'off', prepare: prepareTrusted });
  });
  after(() => close(s, '39-trusted-final'));

  test('%export ../outside.json asks first: Cancel writes nothing outside, the explicit choice writes it; inside needs no question', async () => {
    const { page, ui, server } = s;
    const parent = path.dirname(server.workspace);
    const outside = path.join(parent, 'outside.json');
    const before = fs.readdirSync(parent).sort();
    await ui.openFile('export.ipynb');
    await ui.cell(0).waitFor({ timeout: 60_000 });
    await ui.selectKernel();
    await ui.runCell(0);
    await ui.waitForState(0, 'success', 60_000);

    await ui.runCell(1);
    const dialog = ui.dialog();
    await dialog.waitFor({ timeout: 30_000 });
    const asked = await dialog.innerText();
    assert.match(asked, /write outside\.json outside the workspace\?/);
    assert.ok(asked.includes(`${outside} is outside the workspace folder ${server.workspace}`), asked);
    await screenshot(page, '30-export-outside-question');
    await dialog.locator('.monaco-button').filter({ hasText: /^Cancel$/ }).first().click();
    await ui.waitForState(1, 'failed', 30_000);
    await waitForText(page, /\.\.\/outside\.json: .*outside\.json is outside the workspace folder .*; nothing was written \(not confirmed\)/, 10_000);
    assert.equal(fs.existsSync(outside), false);
    // Nothing at all appeared beside the workspace (no temporary file either).
    assert.deepEqual(fs.readdirSync(parent).sort(), before);
    await screenshot(page, '31-export-outside-refused');

    await ui.runCell(1);
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.locator('.monaco-button').filter({ hasText: 'Write Outside the Workspace' }).first().click();
    await ui.waitForState(1, 'success', 30_000);
    const written = JSON.parse(fs.readFileSync(outside, 'utf8'));
    assert.equal(written.classes.length, 4);

    // Inside the workspace: no question (a dialog would keep the cell running).
    await ui.runCell(2);
    await ui.waitForState(2, 'success', 30_000);
    assert.equal(JSON.parse(fs.readFileSync(path.join(server.workspace, 'results', 'inside.json'), 'utf8')).classes.length, 4);
    assert.equal(await dialog.count(), 0);
  });

  test('a notebook with hostile names renders, saved and fresh outputs, and no name runs as script in any frame', async () => {
    const { page, ui, scripts } = s;
    await ui.openFile('report.ipynb');
    await ui.cell(1).waitFor({ timeout: 60_000 });
    // The CLI's saved outputs render in the output webview (the DeepResolve renderer).
    await waitForSelector(page, 'svg, canvas', 30_000);
    // Tooltips carry names too (vega-tooltip builds its box with innerHTML; the heatmap has its
    // own): hover the charts in view, the saved ones now (the notebook opens at the top), the
    // fresh ones after the run (the view follows the running cell).
    const hovered = new Set<string>();
    let tooltips = await hoverCharts(page, hovered);
    await ui.selectKernel();
    await ui.runCell(3);
    await ui.waitForState(3, 'success', 60_000);
    await waitForText(page, /top 3 of 3 features by OFIV/, 30_000);
    const t0 = Date.now();
    tooltips += await hoverCharts(page, hovered);
    // An <img src=x> fails to load and fires onerror a moment later: give it that moment.
    await page.waitForTimeout(2000);
    await screenshot(page, '32-hostile-rendered');

    const injected = await injectedAnywhere(page);
    const ran: ScriptEvent[] = [...scripts.events];
    const t1 = Date.now();

    // Controls, so the checks above cannot pass blind: the names are shown as text in output
    // frames, and in exactly those frames a dialog call and an injected element are seen.
    const showing = (await framesWithText(page, HOSTILE_NAMES[0])).filter((f) => f !== page.mainFrame());
    assert.ok(showing.length > 0, 'the hostile class name is shown as text in a notebook output');
    assert.ok(tooltips > 0, 'a chart tooltip showed a hostile name');
    for (const [i, frame] of showing.entries()) {
      await frame.evaluate((n) => alert(`deepresolve-probe-${n}`), i);
      const seen = () => scripts.events.some((e) => e.text.includes(`deepresolve-probe-${i}`));
      for (let k = 0; k < 50 && !seen(); k++) await page.waitForTimeout(100);
      assert.ok(seen(), `an alert() in output frame ${frame.url().slice(0, 80)} is seen`);
      await frame.evaluate(() => document.body.insertAdjacentHTML('beforeend', '<b id="deepresolve-probe" onclick="alert(0)"></b>'));
      assert.equal((await injectedElements(frame)).length, 1, 'an injected element is found');
      await frame.evaluate(() => document.getElementById('deepresolve-probe')?.remove());
    }

    process.stdout.write(`# hostile notebook: ${page.frames().length} frames scanned, names shown as text in ${showing.length} output frame(s), ${tooltips} of ${hovered.size} chart(s) hovered showed a hostile name in a tooltip, ${scripts.console.length} console lines; hover and scan ${t1 - t0} ms, probes ${Date.now() - t1} ms\n`);
    assert.deepEqual(injected, [], 'elements injected by names');
    assert.deepEqual(ran, [], 'dialogs or script run by names');
  });

  test('control: the watch sees the payload of an HTML output that VS Code itself runs', async () => {
    const { page, ui, scripts } = s;
    await ui.openFile('control.ipynb');
    await waitForText(page, /^control$/, 30_000);
    const seen = () => scripts.events.some((e) => e.text.includes('deepresolve-control'));
    for (let k = 0; k < 100 && !seen(); k++) await page.waitForTimeout(100);
    assert.ok(seen(), `the alert of the control output is seen (events: ${JSON.stringify(scripts.events)})`);
    const injected = await injectedAnywhere(page);
    assert.equal(injected.filter((i) => i.element.includes('deepresolve-control')).length, 1, JSON.stringify(injected));
  });
});
