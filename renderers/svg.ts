/**
 * SVG of a view without a browser, for the notebook fallbacks (called from the worker and CLI).
 * Vega and Vega-Lite are loaded with a dynamic import: they are ES modules with top-level await
 * (vega-canvas probes for node-canvas), which a CommonJS require cannot load. No canvas is
 * needed: the 'none' renderer builds the scenegraph and toSVG serialises it; text widths are
 * estimated.
 */
export async function renderSvg(spec: object): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const compiled = vl.compile(spec as Parameters<typeof vl.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return compactMarks(shareImages(await view.toSVG()));
  } finally {
    view.finalize();
  }
}

/** The single path of one of our glyph images (a data: URL of `<svg viewBox="0 0 W H"><path …/></svg>`), or null. */
function glyphOf(href: string): { w: number; h: number; path: string } | null {
  const m = /^data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)$/.exec(href);
  if (!m) return null;
  const text = typeof atob === 'function' ? atob(m[1]) : (globalThis as unknown as { Buffer: { from(s: string, e: string): { toString(e: string): string } } }).Buffer.from(m[1], 'base64').toString('latin1');
  const box = /viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"/.exec(text);
  const paths = text.match(/<path\b[^>]*\/>/g);
  if (!box || paths?.length !== 1 || /<(?!\/?(svg|path)\b)/.test(text)) return null;
  // Only the drawing attributes of the path are kept.
  const attrs = [...paths[0].matchAll(/\s(d|fill|fill-rule)="([^"<>]*)"/g)].map((a) => ` ${a[1]}="${a[2]}"`).join('');
  return { w: Number(box[1]), h: Number(box[2]), path: attrs };
}

/**
 * Images that repeat (the logo letters: one glyph data URL per letter drawn) become the glyph's
 * own path, scaled into the image's box: a 16-filter logo view was 880 kB of SVG, 776 copies of
 * four glyphs and their aria labels. The letters stay vector shapes; the text summary beside the
 * picture says what the labels said. Letters under 0.05 px are not drawn; positions to 0.01 px.
 */
export function shareImages(svg: string): string {
  const IMAGE = /<image\b([^>]*?)\s(?:xlink:)?href="(data:[^"]+)"([^>]*?)\/?>(?:<\/image>)?/g;
  const counts = new Map<string, number>();
  for (const m of svg.matchAll(IMAGE)) counts.set(m[2], (counts.get(m[2]) ?? 0) + 1);
  const glyphs = new Map([...counts].filter(([, n]) => n > 1).map(([href]) => [href, glyphOf(href)] as const).filter((e): e is [string, NonNullable<ReturnType<typeof glyphOf>>] => !!e[1]));
  if (!glyphs.size) return svg;
  const round = (n: number) => Math.round(n * 100) / 100;
  return svg.replace(IMAGE, (whole, before: string, href: string, after: string) => {
    const g = glyphs.get(href);
    if (!g) return whole;
    const attrs = `${before}${after}`;
    const num = (name: string, fallback: number) => Number(new RegExp(`\\s${name}="([^"]*)"`).exec(attrs)?.[1] ?? fallback);
    const [w, h] = [num('width', 0), num('height', 0)];
    if (!(w >= 0.05 && h >= 0.05)) return '';
    const at = /\stransform="translate\(([-\d.e]+),([-\d.e]+)\)"/.exec(attrs);
    const [x, y] = at ? [Number(at[1]), Number(at[2])] : [num('x', 0), num('y', 0)];
    return `<path transform="translate(${round(x)},${round(y)}) scale(${Number((w / g.w).toPrecision(3))},${Number((h / g.h).toPrecision(3))})"${g.path}/>`;
  });
}

/** Above this many marks a picture's per-mark ARIA labels are dropped (the text summary beside it names what they said). */
const LABELLED_MARKS = 200;

/**
 * Many-mark pictures (960 points of one class's interactions: 500 kB, 350 characters of ARIA
 * label per point and positions to 15 decimals) keep their drawing: the labels go, positions are
 * kept to 0.01 px. The chart's own title and axes keep their text.
 */
export function compactMarks(svg: string): string {
  const marks = svg.match(/\srole="graphics-symbol"/g)?.length ?? 0;
  if (marks <= LABELLED_MARKS) return svg;
  const round = (n: string) => String(Math.round(Number(n) * 100) / 100);
  const out = svg
    .replace(/<[a-z]+\b[^<>]*\srole="graphics-symbol"[^<>]*>/g, (tag) => tag.replace(/\s(?:aria-label|aria-roledescription|role)="[^"]*"/g, ''))
    .replace(/\stransform="translate\(([-\d.e]+),([-\d.e]+)\)"/g, (_m, x: string, y: string) => ` transform="translate(${round(x)},${round(y)})"`);
  return sharePaths(out);
}

/**
 * A symbol drawn many times (a scatter plot's circle) is defined once and placed with <use>. The
 * id is a hash of the path, so two pictures inlined in one page that share an id share the shape too.
 */
function sharePaths(svg: string): string {
  const PATH = /<path\b([^<>]*?)\sd="([^"]*)"([^<>]*?)\/>/g;
  const counts = new Map<string, number>();
  for (const m of svg.matchAll(PATH)) counts.set(m[2], (counts.get(m[2]) ?? 0) + 1);
  const shared = new Map([...counts].filter(([, n]) => n > 20).map(([d]) => [d, `dr${hash(d)}`]));
  const open = /<svg\b[^>]*>/.exec(svg);
  if (!shared.size || !open || !/xmlns:xlink=/.test(open[0])) return svg;
  const defs = `<defs>${[...shared].map(([d, id]) => `<path id="${id}" d="${d}"/>`).join('')}</defs>`;
  const body = svg.replace(PATH, (whole, before: string, d: string, after: string) => (shared.has(d) ? `<use xlink:href="#${shared.get(d)}"${before}${after}/>` : whole));
  const at = body.indexOf(open[0]) + open[0].length;
  return body.slice(0, at) + defs + body.slice(at);
}

/** FNV-1a of a string, base 36. */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}
