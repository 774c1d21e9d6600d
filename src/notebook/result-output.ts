/**
 * A result as a cell output. The renderer issue defines the bundle (src/notebook/output-bundle.ts:
 * custom MIME + SVG + Vega-Lite + text); until it lands the cell gets the custom MIME JSON (so the
 * result is saved with the notebook) and a text summary.
 */
import type { Results } from '../engine/results';
import { RESULT_MIME, type Output } from './output-items';

/** Views the renderer knows (renderers/pack.ts VIEW_NAMES). */
export type ResultView = 'heatmap' | 'importance' | 'interactions' | 'similarity' | 'logos' | 'convergence';

export interface ResultFocus {
  view: ResultView;
  /** Class index (model output) the view is about, for per-class views. */
  classIndex?: number;
  /** Features the view shows (logos). */
  features?: number[];
}

export function resultOutput(results: Results, name: string, focus: ResultFocus, summary: string): Output {
  return {
    items: [
      { mime: RESULT_MIME, value: { format: 'deepresolve.results', name, ...focus, results } },
      { mime: 'text/plain', value: summary },
    ],
    metadata: { deepresolve: { result: name, view: focus.view } },
  };
}
