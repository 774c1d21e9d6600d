/**
 * VS Code themes the notebook webview through CSS variables on its root and a class on <body>
 * (vscode-light, vscode-dark, vscode-high-contrast, vscode-high-contrast-light). This file only
 * reads them; views/theme.ts turns them into colours. The views re-render when the class changes.
 */
import { themeFromVariables, type Theme, type ThemeKind } from '../views/theme';

export function themeKind(body: HTMLElement): ThemeKind {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  return 'light';
}

export function readTheme(doc: Document = document): Theme {
  const style = getComputedStyle(doc.body);
  const get = (name: string) => style.getPropertyValue(`--vscode-${name}`);
  const size = parseFloat(get('font-size'));
  return themeFromVariables(themeKind(doc.body), get, { fontSize: Number.isFinite(size) && size > 0 ? Math.max(10, size - 2) : 11 });
}

/**
 * The button colours as custom properties on a renderer root (style.ts reads --dr-button-*, the
 * inputs --dr-input-*, combobox.ts's list --dr-list-*), so
 * the stylesheet needs no knowledge of which theme leaves which variable out.
 */
export function applyControls(root: HTMLElement, theme: Theme): void {
  const c = theme.controls;
  const set = (name: string, value: string) => root.style.setProperty(`--dr-button-${name}`, value);
  set('background', c.background);
  set('foreground', c.foreground);
  set('border', c.border);
  set('pressed-background', c.pressedBackground);
  set('pressed-foreground', c.pressedForeground);
  set('pressed-border', c.pressedBorder);
  set('focus', c.focus);
  for (const [field, colors] of [['input', c.input], ['list', c.list]] as const) {
    for (const [name, value] of Object.entries(colors)) root.style.setProperty(`--dr-${field}-${name}`, value);
  }
  root.dataset.theme = theme.kind;
}

/** Calls back when the body class (the theme) changes; returns the stop function. */
export function watchTheme(onChange: () => void, doc: Document = document): () => void {
  let last = doc.body.className;
  const observer = new MutationObserver(() => {
    if (doc.body.className === last) return;
    last = doc.body.className;
    onChange();
  });
  observer.observe(doc.body, { attributes: true, attributeFilter: ['class'] });
  return () => observer.disconnect();
}
