/**
 * The cross-model summary in the notebook (MIME application/vnd.deepresolve.summary+json): the
 * recovery chart, then the table — a click on a header sorts by it (again: the other way), the
 * text box keeps rows whose names contain every word typed, the choice keeps recovered or missed
 * models, and each model's name links to its own notebook. Names are set with textContent, shown
 * as `label` has them (renderers/summary-data.ts); a link is made only from a relative path the
 * payload's own encoding produced (isSafeHref).
 */
import { filterRows, isSafeHref, sortRows, TABLE_COLUMNS, type RecoveryFilter, type SortDirection, type SummaryPayload } from '../summary-data';
import { recoverySpec } from '../views/recovery';
import { embedSpec } from './embed';
import { applyControls, readTheme } from './theme';

export class PayloadError extends Error {}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export function readSummary(value: unknown): SummaryPayload {
  const p = value as SummaryPayload;
  if (!p || typeof p !== 'object' || p.format !== 'deepresolve.summary' || !Array.isArray(p.rows)) throw new PayloadError('not a DeepResolve summary payload');
  if (p.version !== 1) throw new PayloadError(`summary version ${String(p.version)} is not supported (this renderer reads version 1); update the extension`);
  return p;
}

const FILTERS: [RecoveryFilter, string][] = [
  ['all', 'all rows'],
  ['recovered', 'factor in top 3 (q ≤ 0.05)'],
  ['missed', 'factor not in top 3'],
  ['no-factor', 'no factor or no motifs'],
];

export class SummaryTable {
  readonly root: HTMLElement;
  private readonly doc: Document;
  private sortKey = 'model';
  private direction: SortDirection = 'asc';
  private text = '';
  private which: RecoveryFilter = 'all';
  private readonly body: HTMLTableSectionElement;
  private readonly headers: HTMLTableCellElement[] = [];
  private readonly shownCount: HTMLElement;

  constructor(
    container: HTMLElement,
    private readonly payload: SummaryPayload,
  ) {
    this.doc = container.ownerDocument;
    const d = this.doc;
    this.root = el(d, 'div', 'dr-root dr-summary');
    applyControls(this.root, readTheme(d));
    container.replaceChildren(this.root);
    const c = payload.counts;
    const bar = el(d, 'div', 'dr-head');
    bar.appendChild(el(d, 'span', 'dr-title', `DeepResolve summary · ${c.models} results · ${c.rows} rows`));
    const search = el(d, 'input');
    search.type = 'search';
    search.placeholder = 'filter: model, factor, motif…';
    search.setAttribute('aria-label', 'filter rows by name');
    search.addEventListener('input', () => {
      this.text = search.value;
      this.fill();
    });
    bar.appendChild(search);
    const choice = el(d, 'select');
    choice.setAttribute('aria-label', 'rows to show');
    for (const [value, text] of FILTERS) {
      const o = el(d, 'option', undefined, text);
      o.value = value;
      choice.appendChild(o);
    }
    choice.addEventListener('change', () => {
      this.which = choice.value as RecoveryFilter;
      this.fill();
    });
    bar.appendChild(choice);
    this.shownCount = el(d, 'span', 'dr-note');
    bar.appendChild(this.shownCount);
    this.root.appendChild(bar);

    // data-busy as the dashboard has it: '0' once the chart is drawn (a page or a test can wait for it).
    this.root.dataset.busy = '0';
    if (c.withFactor) {
      const chart = el(d, 'div', 'dr-panel');
      chart.dataset.view = 'recovery';
      this.root.appendChild(chart);
      this.root.dataset.busy = '1';
      void embedSpec(chart, recoverySpec(c, readTheme(d)), 'svg', readTheme(d))
        .catch((e: unknown) => {
          chart.replaceChildren(el(d, 'div', 'dr-error', `chart: ${e instanceof Error ? e.message : String(e)}`));
        })
        .finally(() => (this.root.dataset.busy = '0'));
    }

    const table = el(d, 'table', 'dr-table');
    const head = el(d, 'thead');
    const tr = el(d, 'tr');
    for (const col of TABLE_COLUMNS) {
      const th = el(d, 'th');
      const b = el(d, 'button', undefined, col.title);
      b.dataset.sort = col.key;
      if (col.help) b.title = col.help;
      b.addEventListener('click', () => this.sortBy(col.key));
      th.appendChild(b);
      this.headers.push(th);
      tr.appendChild(th);
    }
    head.appendChild(tr);
    table.appendChild(head);
    this.body = el(d, 'tbody');
    table.appendChild(this.body);
    const box = el(d, 'div', 'dr-panel');
    box.appendChild(table);
    this.root.appendChild(box);
    if (payload.attribution) this.root.appendChild(el(d, 'div', 'dr-note', payload.attribution));
    this.fill();
  }

  sortBy(key: string): void {
    this.direction = this.sortKey === key && this.direction === 'asc' ? 'desc' : 'asc';
    this.sortKey = key;
    this.fill();
  }

  private fill(): void {
    const d = this.doc;
    const rows = sortRows(filterRows(this.payload.rows, this.text, this.which), this.sortKey, this.direction);
    this.headers.forEach((th, i) => th.setAttribute('aria-sort', TABLE_COLUMNS[i].key === this.sortKey ? (this.direction === 'asc' ? 'ascending' : 'descending') : 'none'));
    this.body.replaceChildren(
      ...rows.map((r) => {
        const tr = el(d, 'tr');
        for (const col of TABLE_COLUMNS) {
          const td = el(d, 'td');
          const value = col.text(r);
          if (col.key === 'model' && r.link && isSafeHref(r.link)) {
            const a = el(d, 'a', undefined, value);
            a.href = r.link;
            a.title = `open ${r.notebook ? "the model's notebook" : 'its results'}`;
            td.appendChild(a);
          } else td.textContent = value;
          tr.appendChild(td);
        }
        return tr;
      }),
    );
    this.shownCount.textContent = `${rows.length} of ${this.payload.rows.length} rows`;
  }

  dispose(): void {
    this.root.remove();
  }
}
