/**
 * Notebook renderer entry (VS Code loads dist/renderer.js in the notebook webview) for
 * application/vnd.deepresolve.result+json. Thin: decode the payload, hand it to a Dashboard.
 */
import { PayloadError, unpackView } from './pack';
import type { ActivationFunction } from './ui/api';
import { Dashboard } from './ui/dashboard';
import { injectStyle } from './ui/style';

export const activate: ActivationFunction = () => {
  const shown = new Map<string, Dashboard>();
  const drop = (id: string) => {
    shown.get(id)?.dispose();
    shown.delete(id);
  };
  return {
    async renderOutputItem(outputItem, element) {
      drop(outputItem.id);
      injectStyle(element.ownerDocument);
      try {
        const { view, focus, data } = unpackView(outputItem.json());
        const dashboard = new Dashboard(element, data, view, focus);
        shown.set(outputItem.id, dashboard);
        await dashboard.renderAll();
      } catch (e) {
        const box = element.ownerDocument.createElement('div');
        box.className = 'dr-error';
        box.textContent = e instanceof PayloadError ? e.message : `DeepResolve renderer: ${e instanceof Error ? e.message : String(e)}`;
        element.replaceChildren(box);
      }
    },
    disposeOutputItem(id) {
      if (id) drop(id);
      else for (const key of [...shown.keys()]) drop(key);
    },
  };
};
