/**
 * A page that stands in for VS Code's notebook webview: the built dist/renderer.js loaded as an
 * ES module under a strict content security policy, VS Code's theme variables on <body>, and an
 * activation context. Served from a local HTTP server; Chromium is Debian's, never downloaded.
 */
import * as http from 'node:http';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { AddressInfo } from 'node:net';
import { themeCss } from './vscode-themes';

export const ROOT = path.resolve(__dirname, '../..');
export const SHOTS = path.join(ROOT, 'test-results', 'renderer');
const CHROMIUM = '/usr/bin/chromium';

export const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'";

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<link rel="stylesheet" href="/theme.css">
</head><body class="vscode-light"><div id="out"></div><script type="module" src="/harness.js"></script></body></html>`;

// VS Code sets these on the webview; the values are those of the default themes (vscode-themes.ts).
const THEME_CSS = themeCss();

const HARNESS = `
import { activate } from '/renderer.js';
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
const api = activate({ getState() {}, setState() {}, workspace: { isTrusted: true }, settings: { lineLimit: 30 } });
window.renderPayload = async (name, id = 'cell-1', mime = 'application/vnd.deepresolve.result+json') => {
  const text = await (await fetch('/payload/' + name + '.json')).text();
  const item = { id, mime, metadata: {}, text: () => text, json: () => JSON.parse(text), data: () => new TextEncoder().encode(text) };
  const t0 = performance.now();
  await api.renderOutputItem(item, document.getElementById('out'));
  return performance.now() - t0;
};
window.disposeOutput = (id) => api.disposeOutputItem(id);
window.harnessReady = true;
`;

export interface Harness {
  browser: Browser;
  url: string;
  payloads: Map<string, string>;
  close(): Promise<void>;
}

/** Builds dist/renderer.js when it is missing or older than the renderer sources (renderers/ and src/shared/, which it bundles). */
export function ensureBuilt() {
  const out = path.join(ROOT, 'dist', 'renderer.js');
  const newest = (dir: string): number =>
    fs.readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0);
  const sources = Math.max(newest(path.join(ROOT, 'renderers')), newest(path.join(ROOT, 'src', 'shared')));
  if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < sources) {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  }
}

export async function startHarness(): Promise<Harness> {
  ensureBuilt();
  fs.mkdirSync(SHOTS, { recursive: true });
  const payloads = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (type: string, body: string | Buffer) => {
      res.writeHead(200, { 'content-type': type });
      res.end(body);
    };
    if (url.pathname === '/') return send('text/html', PAGE);
    if (url.pathname === '/favicon.ico') return send('image/x-icon', Buffer.alloc(0));
    if (url.pathname === '/theme.css') return send('text/css', THEME_CSS);
    if (url.pathname === '/harness.js') return send('text/javascript', HARNESS);
    if (url.pathname === '/renderer.js') return send('text/javascript', fs.readFileSync(path.join(ROOT, 'dist', 'renderer.js')));
    const m = /^\/payload\/([\w-]+)\.json$/.exec(url.pathname);
    if (m && payloads.has(m[1])) return send('application/json', payloads.get(m[1])!);
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  // launch() starts Chromium with a fresh temporary profile (user-data dir) of its own.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    url: `http://127.0.0.1:${port}/`,
    payloads,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A fresh page with console errors, page errors and CSP violations collected. */
export async function openPage(h: Harness, viewport = { width: 1400, height: 1000 }) {
  const context = await h.browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(h.url);
  await page.waitForFunction(() => (window as unknown as { harnessReady?: boolean }).harnessReady === true);
  return { page, errors, close: () => context.close() };
}

export async function render(page: Page, name: string, mime?: string): Promise<number> {
  const ms = await page.evaluate(([n, m]) => (window as unknown as { renderPayload(n: string, id?: string, mime?: string): Promise<number> }).renderPayload(n, undefined, m), [name, mime] as const);
  await idle(page);
  return ms;
}

/** Waits until no panel is drawing. */
export async function idle(page: Page) {
  await page.waitForFunction(() => document.querySelector('.dr-root')?.getAttribute('data-busy') === '0');
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);
}

/** The combobox (searchable picker) labelled `label`: "class", "feature", "search classes and features". */
export const combobox = (page: Page, label: string) => page.locator(`input[role="combobox"][aria-label="${label}"]`);

/**
 * Picks the option with `value` ("class:3", "feature:-1") in the picker labelled `label`: types
 * `query` (an empty one lists the first entries), then clicks that option.
 */
export async function pick(page: Page, label: string, query: string, value: string) {
  await combobox(page, label).fill(query);
  await page.locator(`[role="listbox"][aria-label="${label}"] [role="option"][data-value="${value}"]`).click({ timeout: 30_000 });
}

/** The names a picker lists for `query` (the list stays open); without the dimmer detail (kind, index, why). */
export async function pickerNames(page: Page, label: string, query = ''): Promise<string[]> {
  await combobox(page, label).fill(query);
  await page.locator(`[role="listbox"][aria-label="${label}"]`).waitFor({ state: 'visible', timeout: 30_000 });
  return page.$$eval(`[role="listbox"][aria-label="${label}"] [role="option"] .dr-combo-text`, (els) => els.map((e) => e.textContent ?? ''));
}
