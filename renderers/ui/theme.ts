/**
 * VS Code themes the notebook webview through CSS variables on its root and a class on <body>
 * (vscode-light, vscode-dark, vscode-high-contrast, vscode-high-contrast-light). The views read
 * them into a Theme and re-render when the body class changes.
 */
import { DARK, LIGHT, type Theme } from '../views/theme';

function cssVar(style: CSSStyleDeclaration, name: string): string | undefined {
  const v = style.getPropertyValue(name).trim();
  return v || undefined;
}

export function themeKind(body: HTMLElement): Theme['kind'] {
  const c = body.classList;
  if (c.contains('vscode-high-contrast-light')) return 'high-contrast-light';
  if (c.contains('vscode-high-contrast')) return 'high-contrast';
  if (c.contains('vscode-dark')) return 'dark';
  return 'light';
}

export function readTheme(doc: Document = document): Theme {
  const kind = themeKind(doc.body);
  const base = kind === 'dark' || kind === 'high-contrast' ? DARK : LIGHT;
  const style = getComputedStyle(doc.body);
  const hc = kind.startsWith('high-contrast');
  const fg = cssVar(style, '--vscode-foreground') ?? cssVar(style, '--vscode-editor-foreground') ?? base.foreground;
  const size = parseFloat(cssVar(style, '--vscode-font-size') ?? '');
  return {
    kind,
    foreground: fg,
    muted: hc ? fg : (cssVar(style, '--vscode-descriptionForeground') ?? base.muted),
    grid: hc ? (cssVar(style, '--vscode-contrastBorder') ?? fg) : (cssVar(style, '--vscode-editorWidget-border') ?? cssVar(style, '--vscode-panel-border') ?? base.grid),
    background: cssVar(style, '--vscode-notebook-outputContainerBackgroundColor') ?? cssVar(style, '--vscode-editor-background') ?? base.background,
    font: cssVar(style, '--vscode-font-family') ?? base.font,
    fontSize: Number.isFinite(size) && size > 0 ? Math.max(10, size - 2) : base.fontSize,
    accent: hc ? (cssVar(style, '--vscode-contrastActiveBorder') ?? fg) : (cssVar(style, '--vscode-focusBorder') ?? base.accent),
  };
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
