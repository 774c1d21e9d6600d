/** The renderer's stylesheet, added once per webview document; colours come from VS Code's variables. */
const CSS = `
.dr-root { font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #1f1f1f); }
.dr-head { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin: 4px 0 8px; }
.dr-head label { display: inline-flex; gap: 4px; align-items: center; }
.dr-title { font-weight: 600; margin-right: 8px; }
.dr-root button, .dr-root select { font: inherit; border-radius: 2px; padding: 2px 8px; cursor: pointer; }
/* Button colours come from views/theme.ts (set on the root by applyControls): a visible fill or border in every theme. */
.dr-root button { color: var(--dr-button-foreground, var(--vscode-button-secondaryForeground, inherit)); background: var(--dr-button-background, var(--vscode-button-secondaryBackground, #e5e5e5)); border: 1px solid var(--dr-button-border, var(--vscode-contrastBorder, #767676)); }
.dr-root button:hover { background: var(--vscode-button-secondaryHoverBackground, var(--dr-button-background)); }
.dr-root select { color: var(--vscode-dropdown-foreground, inherit); background: var(--vscode-dropdown-background, #fff); border: 1px solid var(--vscode-dropdown-border, #ccc); max-width: 260px; }
.dr-root button[aria-pressed="true"] { color: var(--dr-button-pressed-foreground, #fff); background: var(--dr-button-pressed-background, #0e639c); border-color: var(--dr-button-pressed-border, #0e639c); box-shadow: inset 0 0 0 1px var(--dr-button-pressed-border, #0e639c); }
.dr-root button:focus-visible, .dr-root select:focus-visible, .dr-root input:focus-visible { outline: 2px solid var(--dr-button-focus, var(--vscode-focusBorder, #0090f1)); outline-offset: 2px; }
.dr-export-theme { display: inline-flex; gap: 3px; align-items: center; font-size: 11px; color: var(--vscode-descriptionForeground, inherit); }
.dr-grid { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.dr-panel { border: 1px solid var(--vscode-editorWidget-border, var(--vscode-panel-border, transparent)); border-radius: 3px; padding: 4px; max-width: 100%; overflow-x: auto; }
.dr-panel-bar { display: flex; gap: 4px; justify-content: flex-end; margin-bottom: 2px; }
.dr-panel-bar button { padding: 0 6px; font-size: 11px; }
.dr-error { color: var(--vscode-errorForeground, #c00); white-space: pre-wrap; }
.dr-note { color: var(--vscode-descriptionForeground, #616161); font-size: 11px; }
.dr-tip { position: fixed; z-index: 1000; pointer-events: none; white-space: pre; font-size: 11px; padding: 4px 6px; border-radius: 2px;
  color: var(--vscode-editorHoverWidget-foreground, #1f1f1f); background: var(--vscode-editorHoverWidget-background, #f3f3f3); border: 1px solid var(--vscode-editorHoverWidget-border, #c8c8c8); }
.dr-root input[type="search"], .dr-root input[type="number"] { font: inherit; color: var(--dr-input-foreground, var(--vscode-input-foreground, inherit)); background: var(--dr-input-background, var(--vscode-input-background, #fff)); border: 1px solid var(--dr-input-border, var(--vscode-input-border, #ccc)); border-radius: 2px; padding: 2px 6px; }
.dr-root input[type="search"] { min-width: 220px; }
.dr-root input::placeholder { color: var(--dr-input-placeholder, inherit); opacity: 1; }
.dr-table { border-collapse: collapse; font-size: 12px; }
.dr-table th, .dr-table td { text-align: left; padding: 2px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, #e5e5e5); white-space: nowrap; }
.dr-table th button { background: none; border: none; padding: 0; font-weight: 600; color: inherit; }
.dr-table th[aria-sort="ascending"] button::after { content: " ▲"; }
.dr-table th[aria-sort="descending"] button::after { content: " ▼"; }
.dr-table a { color: var(--vscode-textLink-foreground, #006ab1); }
#vg-tooltip-element { font-family: var(--vscode-font-family, sans-serif); }
`;

export function injectStyle(doc: Document = document): void {
  if (doc.getElementById('deepresolve-style')) return;
  const style = doc.createElement('style');
  style.id = 'deepresolve-style';
  style.textContent = CSS;
  doc.head.appendChild(style);
}
