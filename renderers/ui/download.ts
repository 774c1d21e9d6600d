/**
 * Saving a view or its data. VS Code's notebook webview turns clicks on <a download> with a blob:
 * or data: URL into a save dialog, so the same code works there and in a browser.
 */
export function download(filename: string, content: Blob | string): void {
  const a = document.createElement('a');
  a.download = filename;
  if (typeof content === 'string') a.href = content;
  else a.href = URL.createObjectURL(content);
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (typeof content !== 'string') setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

/** A file name from a title: names are data, so anything outside a safe set becomes '_'. */
export function fileName(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '')).filter(Boolean).join('-').slice(0, 120) || 'deepresolve';
}
