/** Options every view builder takes, and the top-level parts every spec shares. */
import { hasMatches, type Measure, type ViewData } from '../data';
import { LIGHT, vegaConfig, type Theme } from './theme';

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export interface ViewOptions {
  measure?: Measure;
  /** Position in data.classes of the class the per-class views show. */
  classPos?: number;
  /** Feature index highlighted in every view (−1 or undefined: none). */
  feature?: number;
  /** Features shown by the importance bars. */
  topN?: number;
  /** Rows of the heatmap: the N features with the largest |value| in any class (undefined or ≥ the count: all). */
  heatmapTop?: number;
  /** Largest plot width/height in px. */
  maxWidth?: number;
  maxHeight?: number;
  theme?: Theme;
  /** Matrices with more cells than this are drawn as one image (see png.ts). */
  rasterAbove?: number;
  /** Pool matrix images to at most this many pixels a side (static fallbacks). */
  maxPixels?: number;
}

/** Names for the selection signals the renderer sets; the specs read them in conditions. */
export const SIGNAL = { feature: 'selFeature', cls: 'selClass' } as const;

export function defaults(data: ViewData, o: ViewOptions) {
  const n = data.classes.length;
  const classPos = Math.min(Math.max(o.classPos ?? 0, 0), Math.max(n - 1, 0));
  return {
    measure: o.measure ?? 'ofiv',
    classPos,
    feature: o.feature ?? -1,
    topN: o.topN ?? 20,
    heatmapTop: o.heatmapTop !== undefined && o.heatmapTop > 0 ? Math.floor(o.heatmapTop) : Infinity,
    maxWidth: o.maxWidth ?? 860,
    maxHeight: o.maxHeight ?? 720,
    theme: o.theme ?? LIGHT,
    rasterAbove: o.rasterAbove ?? 40000,
    maxPixels: o.maxPixels ?? Infinity,
  };
}

export function top(title: string, subtitle: string | string[], theme: Theme) {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: title, subtitle },
    config: vegaConfig(theme),
    padding: 8,
  };
}

/** Variable params holding the linked selection; the renderer updates them with view.signal(). */
export function selectionParams(feature: number, classPos: number) {
  return [
    { name: SIGNAL.feature, value: feature },
    { name: SIGNAL.cls, value: classPos },
  ];
}

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Number(v.toPrecision(digits)).toString();
}

/** The first tooltip rows of a per-feature mark: its label, its motif matches (if any), its value. */
export function featureTooltip(data: ViewData, valueTitle: string) {
  return [
    { field: 'label', title: 'feature' },
    ...(hasMatches(data.features) ? [{ field: 'matches', title: 'motif matches' }] : []),
    { field: 'value', title: valueTitle, format: '.4~g' },
  ];
}
