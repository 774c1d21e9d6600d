/**
 * Watching a browser page for script that a hostile name made run, in every frame (the workbench
 * and the notebook output webviews, which are nested iframes, some of them sandboxed without
 * `allow-modals`, where a real alert() would be dropped silently):
 *   - an init script in every frame turns alert/confirm/prompt into a console line that names the
 *     call, so a call is seen even where no dialog could open;
 *   - page 'dialog' events (a frame the init script missed), dismissed at once;
 *   - page 'console' lines from that trap, and Content-Security-Policy refusals of inline script
 *     (an injected handler that the policy stopped is still an injection);
 *   - a scan of every frame's DOM, open shadow roots included, for elements a payload would add.
 */
import type { BrowserContext, Frame, Page } from 'playwright-core';

/** Prefix of the console lines written by the trapped alert/confirm/prompt. */
export const TRAP = '[deepresolve-script-watch]';

export interface ScriptEvent {
  kind: 'dialog' | 'console';
  text: string;
  frame?: string;
}

/** Installs the trap in every frame created from now on (call before opening the page). */
export async function trapDialogs(context: BrowserContext): Promise<void> {
  // Source text, as the page-side code below (see FIND_INJECTED).
  await context.addInitScript(`(() => {
    for (const name of ['alert', 'confirm', 'prompt']) {
      window[name] = (...args) => {
        console.log(${JSON.stringify(TRAP)} + ' ' + name + '(' + args.map(String).join(', ') + ') in ' + location.href.slice(0, 120));
        return name === 'confirm' ? false : name === 'prompt' ? null : undefined;
      };
    }
  })()`);
}

/** Records dialogs and console lines that show script ran (or was stopped by a policy). */
export function watchScripts(page: Page): { events: ScriptEvent[]; console: string[] } {
  const events: ScriptEvent[] = [];
  const all: string[] = [];
  page.on('dialog', (d) => {
    events.push({ kind: 'dialog', text: `${d.type()}: ${d.message()}` });
    void d.dismiss().catch(() => undefined);
  });
  page.on('console', (m) => {
    const text = m.text();
    all.push(text);
    if (text.includes(TRAP) || /Refused to execute inline (script|event handler)|javascript: URL/i.test(text)) {
      events.push({ kind: 'console', text, frame: m.location()?.url });
    }
  });
  return { events, console: all };
}

export interface Injected {
  frame: string;
  element: string;
}

/**
 * Page-side code as source text: tsx compiles this file with esbuild's keepNames, which wraps
 * functions declared inside an evaluated function in a `__name` helper that the page lacks.
 *
 * FIND_INJECTED: elements a payload would have added, in the document and its open shadow roots:
 * a <script> or an element with an on* handler whose code calls alert, an <img src=x>, a
 * javascript: link or a link or image to an "evil" host (Markdown links, autolinks, linkified
 * domains), an iframe with srcdoc. VS Code's own elements carry no such attributes.
 */
const FIND_INJECTED = `(() => {
  const hits = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll('*')) {
      const tag = el.tagName.toLowerCase();
      const html = el.outerHTML.slice(0, 160);
      if (tag === 'script' && /alert\\(/.test(el.textContent || '')) hits.push(html);
      for (const a of el.attributes) {
        const name = a.name.toLowerCase();
        if (name.startsWith('on') && /alert\\(/.test(a.value)) hits.push(html);
        else if ((name === 'href' || name === 'src' || name === 'xlink:href') && /^\\s*javascript:|evil/i.test(a.value)) hits.push(html);
        else if (name === 'srcdoc' && /alert\\(/.test(a.value)) hits.push(html);
      }
      if (tag === 'img' && el.getAttribute('src') === 'x') hits.push(html);
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return [...new Set(hits)];
})()`;

/** HAS_TEXT(needle): whether a text node of the document or an open shadow root contains it. */
const HAS_TEXT = (needle: string) => `(() => {
  const needle = ${JSON.stringify(needle)};
  const visit = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) if ((n.textContent || '').includes(needle)) return true;
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot && visit(el.shadowRoot)) return true;
    return false;
  };
  return visit(document);
})()`;

/** A frame that went away while being read is skipped; any other failure is the test's. */
function gone(err: unknown): boolean {
  return /detached|closed|destroyed|navigat/i.test(String((err as Error)?.message ?? err));
}

export async function injectedElements(frame: Frame): Promise<Injected[]> {
  const found = (await frame.evaluate(FIND_INJECTED)) as string[];
  return found.map((element) => ({ frame: frame.url().slice(0, 120), element }));
}

/** injectedElements over every frame of the page. */
export async function injectedAnywhere(page: Page): Promise<Injected[]> {
  const out: Injected[] = [];
  for (const frame of page.frames()) {
    try {
      out.push(...(await injectedElements(frame)));
    } catch (err) {
      if (!gone(err)) throw err;
    }
  }
  return out;
}

/** Frames whose DOM (open shadow roots included) has a text node that contains `needle`. */
export async function framesWithText(page: Page, needle: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for (const frame of page.frames()) {
    try {
      if (await frame.evaluate(HAS_TEXT(needle))) out.push(frame);
    } catch (err) {
      if (!gone(err)) throw err;
    }
  }
  return out;
}
