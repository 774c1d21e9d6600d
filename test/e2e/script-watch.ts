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
  await context.addInitScript((trap: string) => {
    for (const name of ['alert', 'confirm', 'prompt'] as const) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      (window as any)[name] = (...args: unknown[]) => {
        console.log(`${trap} ${name}(${args.map(String).join(', ')}) in ${location.href.slice(0, 120)}`);
        return name === 'confirm' ? false : name === 'prompt' ? null : undefined;
      };
    }
  }, TRAP);
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
 * Elements a payload would have added, in one frame (open shadow roots too): a <script> or an
 * element with an on* handler whose code calls alert, an <img src=x>, a javascript: link, an
 * iframe with srcdoc. VS Code's own elements carry no such attributes.
 */
export async function injectedElements(frame: Frame): Promise<Injected[]> {
  const found = await frame.evaluate(() => {
    const hits: string[] = [];
    const visit = (root: Document | ShadowRoot) => {
      for (const el of Array.from(root.querySelectorAll('*'))) {
        const tag = el.tagName.toLowerCase();
        const html = el.outerHTML.slice(0, 160);
        if (tag === 'script' && /alert\(/.test(el.textContent ?? '')) hits.push(html);
        for (const a of Array.from(el.attributes)) {
          const name = a.name.toLowerCase();
          if (name.startsWith('on') && /alert\(/.test(a.value)) hits.push(html);
          else if ((name === 'href' || name === 'src' || name === 'xlink:href') && /^\s*javascript:/i.test(a.value)) hits.push(html);
          else if (name === 'srcdoc' && /alert\(/.test(a.value)) hits.push(html);
        }
        if (tag === 'img' && el.getAttribute('src') === 'x') hits.push(html);
        if (el.shadowRoot) visit(el.shadowRoot);
      }
    };
    visit(document);
    return [...new Set(hits)];
  });
  return found.map((element) => ({ frame: frame.url().slice(0, 120), element }));
}

/** injectedElements over every frame of the page (frames that go away meanwhile are skipped). */
export async function injectedAnywhere(page: Page): Promise<Injected[]> {
  const out: Injected[] = [];
  for (const frame of page.frames()) {
    try {
      out.push(...(await injectedElements(frame)));
    } catch {
      // detached while scanning
    }
  }
  return out;
}

/** Frames whose DOM (shadow roots included) has an element whose own text contains `needle`. */
export async function framesWithText(page: Page, needle: string): Promise<Frame[]> {
  const out: Frame[] = [];
  for (const frame of page.frames()) {
    try {
      const has = await frame.evaluate((n) => {
        const visit = (root: Document | ShadowRoot): boolean =>
          Array.from(root.querySelectorAll('*')).some((el) => Array.from(el.childNodes).some((c) => c.nodeType === 3 && (c.textContent ?? '').includes(n)) || (!!el.shadowRoot && visit(el.shadowRoot)));
        return visit(document);
      }, needle);
      if (has) out.push(frame);
    } catch {
      // detached
    }
  }
  return out;
}
