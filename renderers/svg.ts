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
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
