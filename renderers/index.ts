/**
 * Notebook renderer entry (VS Code loads dist/renderer.js in the notebook webview) for
 * application/vnd.deepresolve.result+json (one result) and application/vnd.deepresolve.summary+json
 * (the cross-model table). Thin: decode the payload, hand it to a Dashboard.
 */
import { PayloadError, unpackView } from './pack';
import { SUMMARY_MIME } from './summary-data';
import type { ActivationFunction } from './ui/api';
import { Dashboard } from './ui/dashboard';
import { injectStyle } from './ui/style';
import { PayloadError as SummaryPayloadError, readSummary, SummaryTable } from './ui/summary-table';

export const activate: ActivationFunction = () => {
  const shown = new Map<string, Dashboard | SummaryTable>();
  const drop = (id: string) => {
    shown.get(id)?.dispose();
    shown.delete(id);
  };
  return {
    async renderOutputItem(outputItem, element) {
      drop(outputItem.id);
      injectStyle(element.ownerDocument);
      try {
        // The cross-model summary (src/summary) has its own view: the sortable table.
        if (outputItem.mime === SUMMARY_MIME) {
          shown.set(outputItem.id, new SummaryTable(element, readSummary(outputItem.json())));
          return;
        }
        const { view, focus, data, only } = unpackView(outputItem.json());
        const dashboard = new Dashboard(element, data, view, focus, { only });
        shown.set(outputItem.id, dashboard);
        await dashboard.renderAll();
      } catch (e) {
        const box = element.ownerDocument.createElement('div');
        box.className = 'dr-error';
        box.textContent = e instanceof PayloadError || e instanceof SummaryPayloadError ? e.message : `DeepResolve renderer: ${e instanceof Error ? e.message : String(e)}`;
        element.replaceChildren(box);
      }
    },
    disposeOutputItem(id) {
      if (id) drop(id);
      else for (const key of [...shown.keys()]) drop(key);
    },
  };
};
