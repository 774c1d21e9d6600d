/**
 * Colours of the chart furniture (text, axes, grid) — not of the data: the diverging data scale
 * stays the same in every theme so a picture means the same thing everywhere. The renderer fills
 * Theme from VS Code's CSS variables; Node-side fallbacks use LIGHT.
 */
export interface Theme {
  kind: 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';
  foreground: string;
  muted: string;
  grid: string;
  /** Background the charts sit on; 'transparent' in the webview so the editor shows through. */
  background: string;
  font: string;
  fontSize: number;
  /** Outline of highlighted items. */
  accent: string;
}

export const LIGHT: Theme = {
  kind: 'light',
  foreground: '#1f1f1f',
  muted: '#616161',
  grid: '#e5e5e5',
  background: 'white',
  font: 'Helvetica, Arial, sans-serif',
  fontSize: 11,
  accent: '#000000',
};

export const DARK: Theme = {
  kind: 'dark',
  foreground: '#cccccc',
  muted: '#9d9d9d',
  grid: '#3c3c3c',
  background: '#1e1e1e',
  font: 'Helvetica, Arial, sans-serif',
  fontSize: 11,
  accent: '#ffffff',
};

/** Categorical colours used for feature kinds; chosen to read on light and dark backgrounds. */
export const KIND_COLORS = { positive: '#d6604d', negative: '#4393c3', 'non-additive': '#8e44ad' } as const;

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
    legend: { ...text, labelFontSize: t.fontSize, titleFontSize: t.fontSize + 1, titleFontWeight: 'normal' },
    header: { ...text, labelFontSize: t.fontSize + 1, titleFontSize: t.fontSize + 1 },
    title: { color: t.foreground, subtitleColor: t.muted, font: t.font, subtitleFont: t.font, fontSize: t.fontSize + 3, subtitleFontSize: t.fontSize, anchor: 'start', fontWeight: 'bold' },
    text: { color: t.foreground, font: t.font },
    rule: { color: t.foreground },
  };
}
