/**
 * Driving VS Code's notebook editor and Explorer through the UI, as a user would (shared by the
 * end-to-end suites): cells, run buttons, cell states, quick open, Explorer rows, kernel picker.
 */
import type { Locator, Page } from 'playwright-core';

export class NotebookUi {
  constructor(readonly page: Page) {}

  cell(index: number): Locator {
    return this.page.locator(`.notebook-editor:visible .cell-list-container .monaco-list-row[data-index="${index}"]`);
  }

  /**
   * The notebook list renders only the rows near the view: scroll until the cell's row is rendered
   * and its top is visible. The wheel goes to the cell gutter, left of the output webviews.
   */
  async showCell(index: number) {
    const page = this.page;
    const list = await page.locator('.notebook-editor:visible .cell-list-container').first().boundingBox();
    if (!list) throw new Error('no notebook editor');
    await page.mouse.move(list.x + 8, list.y + list.height / 2);
    const wheel = async (dy: number) => {
      await page.mouse.wheel(0, dy);
      await page.waitForTimeout(120);
    };
    const rendered = () => page.locator('.notebook-editor:visible .cell-list-container .monaco-list-row[data-index]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-index'))));
    for (let i = 0; i < 60; i++) {
      const indices = await rendered();
      if (indices.includes(index)) break;
      await wheel(indices.length && Math.min(...indices) > index ? -500 : 500);
    }
    for (let i = 0; i < 40; i++) {
      if ((await this.cell(index).count()) === 0) return;
      const box = await this.cell(index).boundingBox({ timeout: 2000 }).catch(() => null);
      if (!box) return;
      const top = box.y;
      const bottom = box.y + Math.min(box.height, 120);
      if (top < list.y) await wheel(Math.max(-500, top - list.y - 20));
      else if (bottom > list.y + list.height) await wheel(Math.min(500, bottom - (list.y + list.height) + 20));
      else return;
    }
  }

  /** Expands an Explorer folder row (clicking a selected row does not always toggle it). */
  async expand(name: string) {
    const row = this.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: new RegExp(`^${name}$`) }).first();
    await row.waitFor();
    for (let i = 0; i < 20 && (await row.getAttribute('aria-expanded')) !== 'true'; i++) {
      await row.locator('.monaco-tl-twistie').click();
      await this.page.waitForTimeout(150);
    }
  }

  /** Clicks the cell's Run button. Rows are re-laid out while outputs grow, so a miss is retried. */
  async runCell(index: number) {
    let last: unknown;
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        await this.showCell(index);
        const c = this.cell(index);
        await c.hover({ timeout: 3000 });
        await c.locator('.run-button-container .codicon-notebook-execute').first().click({ timeout: 3000 });
        return;
      } catch (err) {
        last = err;
        await this.page.waitForTimeout(300);
      }
    }
    throw last;
  }

  /** The cell's execution state from its status bar: 'success', 'failed' or 'running'/'none'. */
  async cellState(index: number): Promise<string> {
    await this.showCell(index);
    const c = this.cell(index);
    if ((await c.locator('.cell-status-left .codicon-notebook-state-success, .cell-status-left .codicon-check').count()) > 0) return 'success';
    if ((await c.locator('.cell-status-left .codicon-notebook-state-error, .cell-status-left .codicon-error').count()) > 0) return 'failed';
    if ((await c.locator('.codicon-notebook-stop, .codicon-sync.codicon-modifier-spin, .codicon-loading').count()) > 0) return 'running';
    return 'none';
  }

  async waitForState(index: number, want: string, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    let state = '';
    while (Date.now() < deadline) {
      state = await this.cellState(index);
      if (state === want) return;
      await this.page.waitForTimeout(100);
    }
    throw new Error(`cell ${index + 1} is '${state}', expected '${want}'`);
  }

  /** Quick open (Ctrl+P) a workspace file by name. */
  async openFile(name: string) {
    const page = this.page;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(name);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
  }

  /** Picks the DeepResolve kernel in the notebook toolbar's kernel picker. */
  async selectKernel() {
    const page = this.page;
    // The visible editor's toolbar: other open notebooks keep theirs, hidden.
    const toolbar = page.locator('.notebook-editor:visible .notebook-toolbar-container');
    const picker = toolbar.locator('.kernel-label, [class*="kernel"]').first();
    await picker.waitFor({ timeout: 30_000 });
    await picker.click();
    const item = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'DeepResolve' }).first();
    await item.waitFor({ timeout: 30_000 });
    await item.click();
    await toolbar.filter({ hasText: 'DeepResolve' }).waitFor({ timeout: 30_000 });
  }

  /** Right-click a file in the Explorer and choose "Resolve features". */
  async resolveFeaturesFromExplorer(folders: string[], file: string) {
    for (const f of folders) await this.expand(f);
    const model = this.page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first();
    await model.waitFor();
    const entry = await this.menuEntry(model, 'Resolve features');
    // A menu ignores a click that comes right after it opened (so that the right-click's own
    // mouse-up does not pick an entry); seen once: the menu stayed open, the entry highlighted.
    // So click until the menu closes.
    const menu = this.page.locator('.context-view .monaco-menu');
    for (let i = 0; ; i++) {
      await entry.click();
      try {
        await menu.first().waitFor({ state: 'hidden', timeout: 3_000 });
        return;
      } catch (e) {
        if (i >= 4) throw e;
      }
    }
  }

  /**
   * Opens `row`'s context menu until it lists `label` and returns that entry (the menu stays open).
   * A menu is built when it opens: on a loaded machine the workbench may still be registering the
   * extension's contributions at the first right-click, and that menu never gains the entry, so a
   * menu without it is closed and opened again, up to `timeoutMs`.
   */
  async menuEntry(row: Locator, label: string, timeoutMs = 60_000): Promise<Locator> {
    const entry = this.page.locator('.monaco-menu .action-item').filter({ hasText: label }).first();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await row.click({ button: 'right' });
      try {
        await entry.waitFor({ timeout: 5_000 });
        return entry;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await this.page.keyboard.press('Escape');
      }
    }
  }

  /** A modal dialog of the workbench (VS Code's own dialogs, not browser ones). */
  dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }
}
