/**
 * The one place where VS Code's theme becomes colours: chart furniture (text, axes, grid), the
 * data marks, and the renderer's buttons. `themeFromVariables` takes the theme kind and the CSS
 * variables VS Code sets in the notebook webview (ui/theme.ts reads them) and returns a Theme in
 * which every text colour reaches 4.5:1 and every mark, legend symbol, outline and button
 * boundary 3:1 against the background (4.5:1 for marks in high contrast), by moving a colour's
 * lightness only (contrast.ts: hues, and so legends, stay recognisable). The diverging heatmap
 * scale is not themed: a value has one colour everywhere. PRINT is the neutral style of exported
 * pictures, also of the Node-side fallbacks (the static SVG in a notebook).
 */
import { contrast, isDark, over, parseColor, readable, toHex } from './contrast';

export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Colours of the data marks, already adjusted to the theme's background. */
export interface MarkColors {
  positive: string;
  negative: string;
  nonAdditive: string;
  intermediate: string;
  additive: string;
  /** Legend symbols of legends that encode shape, not colour (e.g. "negative feature"). */
  symbol: string;
  /** Sequence-logo letters. */
  letters: { A: string; C: string; G: string; T: string };
  /** One colour per line (restarts of the convergence view). */
  series: string[];
  /** The summary chart's two match levels (q ≤ 0.05, q ≤ 0.5). */
  recovery: [string, string];
}

/** Buttons of the renderer (export, view switches): resting and pressed, and the focus ring. */
export interface ControlColors {
  background: string;
  foreground: string;
  border: string;
  pressedBackground: string;
  pressedForeground: string;
  pressedBorder: string;
  focus: string;
  /** Text inputs and the pickers' lists (ui/combobox.ts): VS Code's input and dropdown colours, the edge made visible as a button's is. */
  input: FieldColors;
  list: FieldColors & { activeBackground: string; activeForeground: string; activeBorder: string };
}

export interface FieldColors {
  background: string;
  foreground: string;
  border: string;
  placeholder: string;
}

export interface Theme {
  kind: ThemeKind;
  foreground: string;
  muted: string;
  grid: string;
  /** Background the charts sit on (also written into exported pictures). */
  background: string;
  font: string;
  fontSize: number;
  /** Outline of the selected feature or class; null draws none (PRINT). */
  accent: string | null;
  marks: MarkColors;
  controls: ControlColors;
}

/** The data colours before adjustment (ColorBrewer RdBu ends, a purple, an orange, grey; tableau10; the usual logo colours). */
const BASE = {
  positive: '#d6604d',
  negative: '#4393c3',
  nonAdditive: '#8e44ad',
  intermediate: '#e08214',
  additive: '#7f7f7f',
  letters: { A: '#109648', C: '#255c99', G: '#f7b32b', T: '#d62839' },
  series: ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'],
  recovery: ['#1f6fb4', '#9ecae1'] as [string, string],
};

/** Text at 4.5:1; marks, symbols and outlines at 3:1 (4.5:1 in high contrast). */
export const TEXT_CONTRAST = 4.5;
export const MARK_CONTRAST = 3;
/** Marks are drawn at this opacity at the least (the interaction points: overlaps show through). */
export const MARK_OPACITY = 0.8;

function marksOn(background: string, min: number, foreground: string): MarkColors {
  const r = (c: string) => readable(c, background, min, MARK_OPACITY);
  return {
    positive: r(BASE.positive),
    negative: r(BASE.negative),
    nonAdditive: r(BASE.nonAdditive),
    intermediate: r(BASE.intermediate),
    additive: r(BASE.additive),
    symbol: readable(foreground, background, min, MARK_OPACITY),
    letters: { A: r(BASE.letters.A), C: r(BASE.letters.C), G: r(BASE.letters.G), T: r(BASE.letters.T) },
    series: BASE.series.map(r),
    recovery: [r(BASE.recovery[0]), r(BASE.recovery[1])],
  };
}

const FONT = 'Helvetica, Arial, sans-serif';

/** A colour as an opaque hex over the background (a translucent theme colour drawn on it). */
function solidOn(color: string | undefined, background: string): string | undefined {
  const c = parseColor(color);
  const bg = parseColor(background);
  if (!c || !bg) return color;
  return toHex(over(c, bg.a < 1 ? over(bg, { r: 255, g: 255, b: 255, a: 1 }) : bg));
}

/**
 * Buttons VS Code's way (secondary button colours; pressed = primary), made visible where the
 * theme leaves them bare: Dark Modern's secondary button is transparent with a 10% white border,
 * and High Contrast Dark defines no button background at all (its buttons are outlined with
 * contrastBorder). A button whose background does not stand out from the page by 3:1 gets a
 * border that does.
 */
function controlsFrom(kind: ThemeKind, v: (name: string) => string | undefined, page: string, foreground: string): ControlColors {
  const hc = kind.startsWith('high-contrast');
  const bg = solidOn(v('button-secondaryBackground') ?? (hc ? page : undefined), page) ?? (isDark(page) ? '#3a3d41' : '#e5e5e5');
  const outlineFrom = (c: string | undefined) => readable(solidOn(c ?? foreground, page) ?? foreground, page, MARK_CONTRAST);
  const border = contrast(bg, page) >= MARK_CONTRAST ? (solidOn(v('button-border') ?? v('contrastBorder'), page) ?? bg) : outlineFrom(v('contrastBorder') ?? v('button-border') ?? v('descriptionForeground'));
  const pressedBg = solidOn(v('button-background') ?? (hc ? page : undefined), page) ?? (isDark(page) ? '#0e639c' : '#005fb8');
  // Pressed must differ from resting at a glance: in high contrast (no filled buttons) a thicker
  // border in the active-border colour; elsewhere the primary button's fill.
  const pressedBorder = hc ? outlineFrom(v('contrastActiveBorder') ?? v('focusBorder')) : contrast(pressedBg, page) >= MARK_CONTRAST ? pressedBg : outlineFrom(v('button-border') ?? v('focusBorder'));
  return {
    background: bg,
    foreground: readable(solidOn(v('button-secondaryForeground'), bg) ?? foreground, bg, TEXT_CONTRAST),
    border,
    pressedBackground: pressedBg,
    pressedForeground: readable(solidOn(v('button-foreground'), pressedBg) ?? foreground, pressedBg, TEXT_CONTRAST),
    pressedBorder,
    focus: outlineFrom(v('focusBorder') ?? v('contrastActiveBorder') ?? v('contrastBorder')),
    input: fieldFrom(v, page, foreground, 'input'),
    list: listFrom(v, page, foreground, hc),
  };
}

/**
 * The pickers' list box: a field in the dropdown colours, its active option in VS Code's list
 * selection colours (else the primary button's), text at 4.5:1; when that fill does not stand out
 * from the list by 3:1 (Dark Modern: #0078d4 on #313131, 2.8:1; High Contrast: none), an outline
 * that does, in contrastActiveBorder or focusBorder.
 */
function listFrom(v: (name: string) => string | undefined, page: string, foreground: string, hc: boolean): ControlColors['list'] {
  const field = fieldFrom(v, page, foreground, 'dropdown');
  const activeBackground = solidOn(v('list-activeSelectionBackground') ?? (hc ? field.background : v('button-background')), field.background) ?? (isDark(field.background) ? '#0e639c' : '#005fb8');
  const activeForeground = readable(solidOn(v('list-activeSelectionForeground') ?? (hc ? field.foreground : v('button-foreground')), activeBackground) ?? field.foreground, activeBackground, TEXT_CONTRAST);
  const activeBorder = contrast(activeBackground, field.background) >= MARK_CONTRAST ? activeBackground : readable(solidOn(v('contrastActiveBorder') ?? v('focusBorder') ?? field.foreground, field.background) ?? field.foreground, field.background, MARK_CONTRAST);
  return { ...field, activeBackground, activeForeground, activeBorder };
}

/**
 * A field on the page (text input, the pickers' list box) from VS Code's `input-*` or `dropdown-*`
 * colours: text at 4.5:1 on its fill, and an edge at 3:1 against the page when the fill does not
 * stand out by that much (Light Modern's input is white with a #cecece border: 1.5:1 on the white
 * page). The placeholder is a hint, lighter than the text, still at 4.5:1.
 */
function fieldFrom(v: (name: string) => string | undefined, page: string, foreground: string, kind: 'input' | 'dropdown'): FieldColors {
  const fill = solidOn(v(`${kind}-background`), page) ?? page;
  const text = readable(solidOn(v(`${kind}-foreground`), fill) ?? foreground, fill, TEXT_CONTRAST);
  const given = solidOn(v(`${kind}-border`), page);
  const outline = readable(solidOn(v('contrastBorder') ?? given ?? v('descriptionForeground') ?? foreground, page) ?? foreground, page, MARK_CONTRAST);
  const border = contrast(fill, page) >= MARK_CONTRAST ? (given ?? fill) : given && contrast(given, page) >= MARK_CONTRAST ? given : outline;
  const placeholder = readable(solidOn(v('input-placeholderForeground') ?? v('descriptionForeground'), fill) ?? text, fill, TEXT_CONTRAST);
  return { background: fill, foreground: text, border, placeholder };
}

/**
 * The theme from VS Code's variables, named without `--vscode-` (e.g. 'editor-background');
 * missing ones fall back to VS Code's defaults for the kind.
 */
export function themeFromVariables(kind: ThemeKind, get: (name: string) => string | undefined, options: { font?: string; fontSize?: number } = {}): Theme {
  const v = (name: string) => {
    const s = get(name)?.trim();
    return s ? s : undefined;
  };
  const hc = kind.startsWith('high-contrast');
  const darkKind = kind === 'dark' || kind === 'high-contrast';
  const fallbackBg = kind === 'dark' ? '#1f1f1f' : kind === 'high-contrast' ? '#000000' : '#ffffff';
  const rawBg = v('notebook-outputContainerBackgroundColor') ?? v('notebook-editorBackground') ?? v('editor-background') ?? fallbackBg;
  const background = solidOn(rawBg, fallbackBg) ?? fallbackBg;
  const fgRaw = v('foreground') ?? v('editor-foreground') ?? (darkKind ? (hc ? '#ffffff' : '#cccccc') : hc ? '#292929' : '#3b3b3b');
  const foreground = readable(solidOn(fgRaw, background) ?? fgRaw, background, TEXT_CONTRAST);
  const muted = hc ? foreground : readable(solidOn(v('descriptionForeground'), background) ?? foreground, background, TEXT_CONTRAST);
  const grid = solidOn(hc ? (v('contrastBorder') ?? foreground) : (v('editorWidget-border') ?? v('widget-border') ?? v('panel-border') ?? (darkKind ? '#3c3c3c' : '#e5e5e5')), background)!;
  const accentRaw = hc ? (v('contrastActiveBorder') ?? v('focusBorder') ?? foreground) : (v('focusBorder') ?? foreground);
  const markMin = hc ? TEXT_CONTRAST : MARK_CONTRAST;
  return {
    kind,
    foreground,
    muted,
    grid,
    background,
    font: options.font ?? v('font-family') ?? FONT,
    fontSize: options.fontSize ?? 11,
    accent: readable(solidOn(accentRaw, background) ?? accentRaw, background, markMin),
    marks: marksOn(background, markMin, foreground),
    controls: controlsFrom(kind, v, background, foreground),
  };
}

/**
 * Exported pictures by default: white paper, near-black text, no selection outline, marks
 * adjusted to white — whatever the editor's theme. ("Keep theme" exports what is on screen.)
 */
export const PRINT: Theme = { ...themeFromVariables('light', () => undefined, { font: FONT }), foreground: '#1f1f1f', muted: '#505050', grid: '#e0e0e0', background: '#ffffff', accent: null };

/** Specs built without a webview's theme (the notebook's static SVG fallbacks, Node-side code) are pictures too: the print style. */
export const LIGHT: Theme = PRINT;

export function vegaConfig(t: Theme): Record<string, unknown> {
  const hc = t.kind.startsWith('high-contrast');
  const text = { labelColor: t.foreground, titleColor: t.foreground, labelFont: t.font, titleFont: t.font };
  return {
    background: t.background,
    font: t.font,
    view: { stroke: hc ? t.foreground : null },
    axis: {
      ...text,
      domainColor: t.muted,
      tickColor: t.muted,
      gridColor: t.grid,
      labelFontSize: t.fontSize,
      titleFontSize: t.fontSize + 1,
      titleFontWeight: 'normal',
    },
    legend: { ...text, labelFontSize: t.fontSize, titleFontSize: t.fontSize + 1, titleFontWeight: 'normal', symbolBaseStrokeColor: t.marks.symbol, gradientStrokeColor: t.muted },
    header: { ...text, labelFontSize: t.fontSize + 1, titleFontSize: t.fontSize + 1 },
    title: { color: t.foreground, subtitleColor: t.muted, font: t.font, subtitleFont: t.font, fontSize: t.fontSize + 3, subtitleFontSize: t.fontSize, anchor: 'start', fontWeight: 'bold' },
    text: { color: t.foreground, font: t.font },
    rule: { color: t.foreground },
  };
}
