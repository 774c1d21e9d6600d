/**
 * End-to-end harness: a real VS Code (code-server, with the packaged .vsix installed by
 * scripts/e2e-setup.sh) on localhost, driven by playwright-core with Debian's chromium.
 * Each run gets fresh copies of the fixture workspace and of the user-data folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '..', '..');
export const RESULTS_DIR = path.join(ROOT, 'test-results', 'e2e');

interface SetupEnv {
  node24Bin: string;
  codeServer: string;
  extensionsDir: string;
}

function setupEnv(): SetupEnv {
  const file = path.join(ROOT, '.tools', 'e2e', 'env.json');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run scripts/e2e-setup.sh first (npm run test:e2e does)`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as SetupEnv;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Server {
  url: string;
  workspace: string;
  log: string[];
  stop(): Promise<void>;
}

export interface ServerOptions {
  /**
   * 'off' (default): workspace trust is switched off, so every folder counts as trusted and cells
   * run without VS Code's trust question. 'restricted': trust is on and the fresh folder is not
   * trusted, so it opens in Restricted Mode (without the start-up question, as after "Don't Trust").
   */
  trust?: 'off' | 'restricted';
  /** Adds files to the fresh workspace copy before code-server opens it. */
  prepare?: (workspace: string) => void | Promise<void>;
}

export async function startCodeServer(options: ServerOptions = {}): Promise<Server> {
  const env = setupEnv();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-e2e-'));
  const workspace = path.join(tmp, 'workspace');
  fs.cpSync(path.join(ROOT, 'test', 'fixtures', 'e2e', 'workspace'), workspace, { recursive: true });
  try {
    await options.prepare?.(workspace);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const restricted = options.trust === 'restricted';
  const userData = path.join(tmp, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify({
      // The extension works in Restricted Mode too (package.json capabilities.untrustedWorkspaces),
      // but VS Code asks to trust the folder before any notebook cell runs (docs/security.md).
      // Most tests switch trust off so cells just run; security.e2e.ts opens a folder restricted.
      'security.workspace.trust.enabled': restricted,
      ...(restricted ? { 'security.workspace.trust.startupPrompt': 'never' } : {}),
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'telemetry.telemetryLevel': 'off',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'extensions.ignoreRecommendations': true,
      'files.autoSave': 'off',
      'notebook.output.scrolling': false,
      'workbench.welcomePage.walkthroughs.openOnInstall': false,
      'chat.disableAIFeatures': true,
      // One Explorer row per folder, so the test can click its way to the model.
      'explorer.compactFolders': false,
    }),
  );
  const port = await freePort();
  const log: string[] = [];
  const child: ChildProcess = spawn(
    env.codeServer,
    ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--user-data-dir', userData, '--extensions-dir', env.extensionsDir, '--disable-telemetry', '--disable-update-check', workspace],
    // Node 24 first on PATH for code-server only.
    // Its own process group, so stop() ends code-server and everything it started.
    { env: { ...process.env, PATH: `${env.node24Bin}${path.delimiter}${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  // If the test run is interrupted, do not leave a server behind.
  process.once('exit', () => killGroup('SIGKILL'));
  child.stdout!.on('data', (d) => log.push(String(d)));
  child.stderr!.on('data', (d) => log.push(String(d)));
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}): ${log.join('').slice(-2000)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`code-server did not start within 60 s: ${log.join('').slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    workspace,
    log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        killGroup('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      killGroup('SIGKILL');
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'deepresolve-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** All frames (notebook outputs live in nested webview iframes). */
function frames(page: Page): Frame[] {
  return page.frames();
}

/** Waits until some frame's text matches; returns the frame and the matched text. */
export async function waitForText(page: Page, pattern: RegExp, timeoutMs = 30_000): Promise<{ frame: Frame; text: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of frames(page)) {
      try {
        const text = await frame.evaluate(() => document.body?.innerText ?? '');
        const m = pattern.exec(text);
        if (m) return { frame, text: m[0] };
        // Markdown outputs render inside shadow roots, which innerText does not enter; locators do.
        const hit = frame.getByText(pattern).first();
        if ((await hit.count()) > 0) {
          const inner = (await hit.textContent()) ?? '';
          return { frame, text: pattern.exec(inner)?.[0] ?? inner };
        }
      } catch {
        // frame navigated or detached
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}`);
    await page.waitForTimeout(100);
  }
}

/** Waits for an element matching `selector` inside a notebook output (a webview frame, not the workbench). */
export async function waitForSelector(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const frame of frames(page)) {
      if (frame === page.mainFrame()) continue;
      try {
        if ((await frame.locator(`.output ${selector}, .output-plaintext ~ ${selector}, [id^="output"] ${selector}`).count()) > 0) return frame;
      } catch {
        // detached
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${selector} in a notebook output`);
    await page.waitForTimeout(100);
  }
}

/** Runs a command through the command palette, as a user would. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
}
