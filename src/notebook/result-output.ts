/**
 * A result as a cell output: the renderer's MIME bundle (src/notebook/output-bundle.ts: custom
 * MIME for the interactive renderer, SVG, Vega-Lite, text), built in the worker because rendering
 * the SVG of a large result takes a while. The text/plain item is the magic's own text, which
 * names the result and says what the view is about.
 */
import type { Results } from '../engine/results';
import type { WorkerClient } from '../worker/client';
import { RESULT_MIME, type Output } from './output-items';
import { visibleLines } from '../shared/escape';

/** Views the renderer knows (renderers/pack.ts VIEW_NAMES). */
export type ResultView = 'heatmap' | 'importance' | 'interactions' | 'similarity' | 'logos' | 'convergence';

export interface ResultFocus {
  view: ResultView;
  /** Class index (model output) the view is about, for per-class views. */
  classIndex?: number;
  /** Features the view shows (logos). */
  features?: number[];
  /** The whole dashboard (%resolve's output) instead of the view alone. */
  dashboard?: boolean;
}

/** Richest first: VS Code shows the first item it can render, and the ipynb keeps all of them. */
const ORDER = [RESULT_MIME, 'image/svg+xml', 'application/vnd.vegalite.v5+json', 'text/plain'];

export async function resultOutput(client: Pick<WorkerClient, 'run'>, results: Results, name: string, focus: ResultFocus, summary: string): Promise<Output> {
  const classPos = focus.classIndex === undefined ? undefined : results.classes.findIndex((c) => c.index === focus.classIndex);
  // The dashboard belongs to %resolve; every other magic shows its own view with the data it draws.
  const only = focus.dashboard !== true;
  const { bundle } = await client.run({ kind: 'bundle', results, view: focus.view, classPos, feature: focus.features?.[0], only }).promise;
  const mimes = Object.keys(bundle).sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  return {
    items: mimes.map((mime) => ({ mime, value: mime === 'text/plain' ? visibleLines(summary) : bundle[mime] })),
    metadata: { deepresolve: { result: name, view: focus.view, ...(focus.classIndex !== undefined ? { class: focus.classIndex } : {}) } },
  };
}
