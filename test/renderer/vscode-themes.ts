/**
 * What VS Code puts on a notebook webview's <body> in its four default themes: the body class and
 * the --vscode-* variables (colour registry defaults, src/vs/platform/theme/common/colors/*.ts,
 * overridden by the theme files in extensions/theme-defaults/themes: Light Modern, Dark Modern,
 * Dark High Contrast, Light High Contrast). Colours are written as the webview gets them:
 * `#rrggbb` when opaque, `rgba(r, g, b, a)` otherwise (Color.toString); a colour a theme leaves
 * undefined (null in the registry, e.g. button.background in High Contrast Dark) is not set at all.
 */

export type ThemeName = 'light' | 'dark' | 'hc-dark' | 'hc-light';

export interface VsCodeTheme {
  name: ThemeName;
  bodyClass: string;
  vars: Record<string, string>;
}

const FONT = { 'font-family': 'system-ui, "Ubuntu", "Droid Sans", sans-serif', 'font-size': '13px', 'font-weight': 'normal' };

export const THEMES: VsCodeTheme[] = [
  {
    name: 'light',
    bodyClass: 'vscode-light',
    vars: {
      ...FONT,
      foreground: '#3b3b3b',
      'editor-background': '#ffffff',
      'editor-foreground': '#3b3b3b',
      descriptionForeground: '#3b3b3b',
      focusBorder: '#005fb8',
      errorForeground: '#f85149',
      'textLink-foreground': '#005fb8',
      'button-background': '#005fb8',
      'button-foreground': '#ffffff',
      'button-border': 'rgba(0, 0, 0, 0.1)',
      'button-hoverBackground': '#0258a8',
      'button-secondaryBackground': '#e5e5e5',
      'button-secondaryForeground': '#3b3b3b',
      'button-secondaryHoverBackground': '#cccccc',
      'dropdown-background': '#ffffff',
      'dropdown-foreground': '#3b3b3b',
      'dropdown-border': '#cecece',
      'input-background': '#ffffff',
      'input-foreground': '#3b3b3b',
      'input-border': '#cecece',
      'widget-border': '#e5e5e5',
      'editorWidget-border': '#c8c8c8',
      'editorHoverWidget-background': '#f8f8f8',
      'editorHoverWidget-foreground': '#3b3b3b',
      'editorHoverWidget-border': '#c8c8c8',
    },
  },
  {
    name: 'dark',
    bodyClass: 'vscode-dark',
    vars: {
      ...FONT,
      foreground: '#cccccc',
      'editor-background': '#1f1f1f',
      'editor-foreground': '#cccccc',
      descriptionForeground: '#9d9d9d',
      focusBorder: '#0078d4',
      errorForeground: '#f85149',
      'textLink-foreground': '#4daafc',
      'button-background': '#0078d4',
      'button-foreground': '#ffffff',
      'button-border': 'rgba(255, 255, 255, 0.1)',
      'button-hoverBackground': '#026ec1',
      'button-secondaryBackground': 'rgba(0, 0, 0, 0)',
      'button-secondaryForeground': '#cccccc',
      'button-secondaryHoverBackground': '#2b2b2b',
      'dropdown-background': '#313131',
      'dropdown-foreground': '#cccccc',
      'dropdown-border': '#3c3c3c',
      'input-background': '#313131',
      'input-foreground': '#cccccc',
      'input-border': '#3c3c3c',
      'widget-border': '#313131',
      'editorWidget-border': '#454545',
      'editorHoverWidget-background': '#202020',
      'editorHoverWidget-foreground': '#cccccc',
      'editorHoverWidget-border': '#454545',
    },
  },
  {
    name: 'hc-dark',
    bodyClass: 'vscode-high-contrast',
    vars: {
      ...FONT,
      foreground: '#ffffff',
      'editor-background': '#000000',
      'editor-foreground': '#ffffff',
      descriptionForeground: 'rgba(255, 255, 255, 0.7)',
      focusBorder: '#f38518',
      contrastBorder: '#6fc3df',
      contrastActiveBorder: '#f38518',
      errorForeground: '#f48771',
      'textLink-foreground': '#21a6ff',
      'button-foreground': '#ffffff',
      'button-border': '#6fc3df',
      'button-secondaryForeground': '#ffffff',
      'dropdown-background': '#000000',
      'dropdown-foreground': '#ffffff',
      'dropdown-border': '#6fc3df',
      'input-background': '#000000',
      'input-foreground': '#ffffff',
      'input-border': '#6fc3df',
      'widget-border': '#6fc3df',
      'editorWidget-border': '#6fc3df',
      'editorHoverWidget-background': '#0c141f',
      'editorHoverWidget-foreground': '#ffffff',
      'editorHoverWidget-border': '#6fc3df',
    },
  },
  {
    name: 'hc-light',
    bodyClass: 'vscode-high-contrast-light',
    vars: {
      ...FONT,
      foreground: '#292929',
      'editor-background': '#ffffff',
      'editor-foreground': '#292929',
      descriptionForeground: 'rgba(41, 41, 41, 0.7)',
      focusBorder: '#006bbd',
      contrastBorder: '#0f4a85',
      contrastActiveBorder: '#006bbd',
      errorForeground: '#b5200d',
      'textLink-foreground': '#0f4a85',
      'button-background': '#0f4a85',
      'button-foreground': '#ffffff',
      'button-border': '#0f4a85',
      'button-hoverBackground': '#0f4a85',
      'button-secondaryBackground': '#ffffff',
      'button-secondaryForeground': '#292929',
      'dropdown-background': '#ffffff',
      'dropdown-foreground': '#292929',
      'dropdown-border': '#0f4a85',
      'input-background': '#ffffff',
      'input-foreground': '#292929',
      'input-border': '#0f4a85',
      'widget-border': '#0f4a85',
      'editorWidget-border': '#0f4a85',
      'editorHoverWidget-background': '#ffffff',
      'editorHoverWidget-foreground': '#292929',
      'editorHoverWidget-border': '#0f4a85',
    },
  },
];

/** A stylesheet that gives <body> each theme's variables under its class, as the webview has them. */
export function themeCss(): string {
  const rule = (t: VsCodeTheme) => `body.${t.bodyClass} { ${Object.entries(t.vars).map(([k, v]) => `--vscode-${k}: ${v};`).join(' ')} }`;
  // The light high-contrast class also matches nothing else: each class gets exactly its theme.
  return ['body { margin: 8px; background: var(--vscode-editor-background); color: var(--vscode-foreground); }', ...THEMES.map(rule)].join('\n');
}
