/**
 * vega-embed under the notebook's content security policy: Vega's expression interpreter instead
 * of generated functions (`ast: true`), no action menu (its "open in editor" posts data to a web
 * site), and our own stylesheet instead of vega-embed's injected one.
 */
import embed, { type VisualizationSpec } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import type { View } from 'vega';
import type { Theme } from '../views/theme';
import { escapeHtml } from '../../src/shared/escape';

interface VegaNode {
  name?: string;
  interactive?: boolean;
  marks?: VegaNode[];
}

/**
 * Highlight outlines (marks named *_rowmark / *_colmark, see views/matrix.ts) lie over the cells;
 * they must not take the pointer, or cells under them get no tooltip or click.
 */
function passThrough(node: VegaNode): VegaNode {
  for (const m of node.marks ?? []) {
    if (/_(row|col)mark_marks$/.test(m.name ?? '')) m.interactive = false;
    passThrough(m);
  }
  return node;
}

export async function embedSpec(el: HTMLElement, spec: object, renderer: 'svg' | 'canvas', theme: Theme): Promise<View> {
  const dark = theme.kind === 'dark' || theme.kind === 'high-contrast';
  const result = await embed(el, spec as VisualizationSpec, {
    mode: 'vega-lite',
    renderer,
    actions: false,
    ast: true,
    expr: expressionInterpreter,
    defaultStyle: false,
    // vega-tooltip builds its box with innerHTML: every key and value goes through `sanitize`,
    // here the shared escapeHtml (its own default escapes only & and <), so names stay text.
    tooltip: { theme: dark ? 'dark' : 'light', sanitize: (value: unknown) => escapeHtml(String(value)) },
    patch: (vega) => passThrough(vega as unknown as VegaNode) as unknown as typeof vega,
  });
  return result.view;
}
