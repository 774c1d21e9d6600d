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
    return shareImages(await view.toSVG());
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
