/**
 * A notebook a biologist keeps (issue 14), in a real VS Code (code-server) through its UI:
 *   - "Resolve features" is offered on both files of a Keras pair (the authors' naming and a
 *     same-stem pair, through the extension's context key) and not on other .json files;
 *   - a notebook with a %resolve result is saved, closed, the window reloaded (a new extension
 *     host: no session left in memory), reopened, and `%features` runs without `%resolve`;
 *   - the notebook the CLI writes for a 919-class result (DeepSEA-sized: 919 × 960 features)
 *     opens without VS Code's large-file prompt and draws its dashboard.
 * Needs scripts/e2e-setup.sh (run by `npm run test:e2e`). Screenshots go to test-results/e2e/.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { RESULT_MIME } from '../../renderers/pack';
import { resultsNotebook } from '../../src/notebook/output-bundle';
import { syntheticResults } from '../renderer/fixtures';
import { launchBrowser, runCommand, screenshot, startCodeServer, waitForSelector, waitForText, type Server } from './harness';
import { NotebookUi } from './notebook-ui';

const ROOT = path.resolve(__dirname, '..', '..');
const cell = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: { vscode: { languageId: 'deepresolve' } }, outputs: [], source });
// A restored result does not know its output's name (the notebook does not keep it): 'output , unit 0'.
const FEATURES_TABLE = /Class CTCF \((output 0|class 0: output (out)?, unit 0)\): top 3 of 8 features by OFIV/;

let server: Server;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let page: Page;
let ui: NotebookUi;
let bigBytes = 0;

async function openWorkbench() {
  await page.goto(server.url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
}

/** The Explorer's context menu entries of a row (the menu is closed again). */
async function menuOffers(name: string): Promise<boolean> {
  const row = page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first();
  await row.waitFor();
  await row.click({ button: 'right' });
  // Every file's menu has Copy Path: the menu is open and complete when it shows.
  await page.locator('.monaco-menu .action-item').filter({ hasText: 'Copy Path' }).first().waitFor({ timeout: 10_000 });
  const offered = (await page.locator('.monaco-menu .action-item').filter({ hasText: 'Resolve features' }).count()) > 0;
  await page.keyboard.press('Escape');
  return offered;
}

describe('a notebook kept for later (code-server)', { timeout: 900_000 }, () => {
  before(async () => {
    server = await startCodeServer({
      prepare: async (ws) => {
        fs.writeFileSync(
          path.join(ws, 'kept.ipynb'),
          JSON.stringify({
            cells: [cell('%resolve models/tiny/model.json --restarts 4 --labels models/tiny/labels.txt --as quick'), cell('%features CTCF --top 3')],
            metadata: { kernelspec: { name: 'deepresolve', display_name: 'DeepResolve', language: 'deepresolve' }, language_info: { name: 'deepresolve' } },
            nbformat: 4,
            nbformat_minor: 5,
          }),
        );
        // The example pair (the authors' naming) and a same-stem pair beside a stray .json.
        fs.cpSync(path.join(ROOT, 'examples', 'ctcf-gm12878'), path.join(ws, 'keras', 'ctcf'), { recursive: true });
        fs.mkdirSync(path.join(ws, 'keras', 'cnn'));
        for (const f of ['cnn.json', 'cnn.h5', 'notes.json']) fs.writeFileSync(path.join(ws, 'keras', 'cnn', f), '{}');
        // The notebook `deepresolve resolve --notebook` writes for a DeepSEA-sized result.
        const big = await resultsNotebook(syntheticResults({ classes: 919, features: 960, labels: true, seed: 5 }));
        fs.writeFileSync(path.join(ws, 'deepsea-919.ipynb'), big);
        bigBytes = Buffer.byteLength(big);
      },
    });
    browser = await launchBrowser();
    page = browser.page;
    ui = new NotebookUi(page);
    await openWorkbench();
  });

  after(async () => {
    if (page) await screenshot(page, '49-persistence-final').catch(() => undefined);
    await browser?.close();
    await server?.stop();
  });

  test('Resolve features on both files of a Keras pair, not on other .json files', async () => {
    await ui.expand('keras');
    await ui.expand('ctcf');
    assert.ok(await menuOffers('16_G_best_archit.json'), 'architecture file of the example pair');
    assert.ok(await menuOffers('16_G_bestmodel_weights.h5'), 'weights file of the example pair');
    assert.equal(await menuOffers('labels.txt'), false, 'labels.txt');
    await ui.expand('cnn');
    // The same-stem pair needs the extension's context key (set after activation and a scan).
    let offered = false;
    for (let i = 0; i < 30 && !offered; i++) {
      offered = await menuOffers('cnn.json');
      if (!offered) await page.waitForTimeout(1000);
    }
    assert.ok(offered, 'cnn.json beside cnn.h5');
    assert.equal(await menuOffers('notes.json'), false, 'notes.json');
    await screenshot(page, '40-pair-menu');
  });

  test('save, close, reload, reopen: %features runs on the saved result without %resolve', async () => {
    const file = path.join(server.workspace, 'kept.ipynb');
    await ui.openFile('kept.ipynb');
    await ui.cell(0).waitFor({ timeout: 30_000 });
    await ui.selectKernel();
    await ui.runCell(0);
    await ui.waitForState(0, 'success', 120_000);
    await waitForSelector(page, 'svg, canvas', 30_000);
    await page.keyboard.press('Control+S');
    const deadline = Date.now() + 30_000;
    while (!fs.readFileSync(file, 'utf8').includes(RESULT_MIME)) {
      if (Date.now() > deadline) throw new Error('the notebook was not saved with its %resolve output');
      await page.waitForTimeout(250);
    }
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(saved.cells[1].outputs.length, 0, 'the %features cell was never run');
    assert.equal(saved.metadata.kernelspec?.name, 'deepresolve');
    await screenshot(page, '41-saved');
    await runCommand(page, 'View: Close All Editors');
    await page.locator('.tab').filter({ hasText: 'kept.ipynb' }).waitFor({ state: 'detached', timeout: 10_000 });
    // A new window and extension host: whatever the session held in memory is gone.
    await runCommand(page, 'Developer: Reload Window');
    await page.waitForTimeout(2000);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
    await ui.openFile('kept.ipynb');
    await ui.cell(1).waitFor({ timeout: 30_000 });
    await ui.selectKernel();
    await ui.runCell(1);
    await ui.waitForState(1, 'success', 60_000);
    await waitForText(page, FEATURES_TABLE, 30_000);
    await screenshot(page, '42-reopened-features');
    // The saved %resolve output is still there (the re-run cell was the other one).
    await page.keyboard.press('Control+S');
    const deadline2 = Date.now() + 30_000;
    for (;;) {
      const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (nb.cells[1].outputs.length > 0) {
        assert.ok(JSON.stringify(nb.cells[0].outputs).includes(RESULT_MIME), 'the %resolve output survived');
        break;
      }
      if (Date.now() > deadline2) throw new Error('the reopened notebook was not saved');
      await page.waitForTimeout(250);
    }
  });

  test('the 919-class notebook the CLI writes opens without the large-file prompt', async () => {
    process.stdout.write(`# deepsea-919.ipynb: ${(bigBytes / 1e6).toFixed(2)} MB\n`);
    // Only this notebook's outputs on screen.
    await runCommand(page, 'View: Close All Editors');
    await ui.openFile('deepsea-919.ipynb');
    await page.locator('.tab').filter({ hasText: 'deepsea-919.ipynb' }).first().waitFor({ timeout: 30_000 });
    // (The first cell is Markdown, whose row the list reports hidden: wait for the code cell.)
    await ui.cell(1).waitFor({ timeout: 60_000 });
    // The dashboard draws from the saved output (no kernel needed).
    await waitForSelector(page, 'svg, canvas', 120_000);
    await waitForText(page, /960 features × 919 classes/, 60_000);
    await screenshot(page, '43-deepsea-919');
    // VS Code's large-file placeholder ("… very large …" with "Open Anyway") never showed.
    assert.equal(await page.getByText('Open Anyway').count(), 0);
    assert.equal(await page.getByText(/not displayed .* because it is very large/i).count(), 0);
  });
});
