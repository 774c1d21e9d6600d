/**
 * A searchable picker (WAI-ARIA combobox with a list box): type to narrow the list, ↓/↑ to move,
 * Enter to pick, Escape to close (again: clear), Home/End in the list; a click picks too. Used for
 * the class picker (919 entries were one drop-down), the feature picker and the search box.
 * Every text is set with textContent; the options come from a `find` function (search.ts).
 */
export interface ComboItem {
  /** What `onPick` receives, e.g. "class:12". */
  value: string;
  text: string;
  /** A second, dimmer part: the kind of hit, why it matched. */
  detail?: string;
}

export interface ComboOptions {
  label: string;
  placeholder?: string;
  /** Items for a query, best first, and how many matched in all (more than shown: a note says so). */
  find: (query: string) => { items: ComboItem[]; total: number };
  onPick: (value: string) => void;
  /** Text the input shows while closed (the current choice); empty for a search box. */
  current?: () => string;
  /** The current choice's value: a list opened without a query starts on it (as a <select> would). */
  currentValue?: () => string;
  className?: string;
}

const CSS = `
.dr-combo { position: relative; display: inline-block; }
/* Colours from views/theme.ts (set on the root by ui/theme.ts applyControls): text 4.5:1, edges 3:1 in every theme. */
.dr-combo input { font: inherit; color: var(--dr-input-foreground, var(--vscode-input-foreground, inherit)); background: var(--dr-input-background, var(--vscode-input-background, #fff)); border: 1px solid var(--dr-input-border, var(--vscode-input-border, #767676)); border-radius: 2px; padding: 2px 6px; width: 16em; }
.dr-combo input::placeholder { color: var(--dr-input-placeholder, inherit); opacity: 1; }
.dr-combo ul { position: absolute; z-index: 1001; left: 0; top: 100%; margin: 2px 0 0; padding: 2px 0; list-style: none; min-width: 100%; max-width: 36em; max-height: 18em; overflow-y: auto;
  color: var(--dr-list-foreground, var(--vscode-dropdown-foreground, #1f1f1f)); background: var(--dr-list-background, var(--vscode-dropdown-background, #fff)); border: 1px solid var(--dr-list-border, var(--vscode-dropdown-border, #767676)); box-shadow: 0 2px 8px rgba(0, 0, 0, 0.25); }
.dr-combo li { padding: 1px 8px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; cursor: pointer; }
/* The active option: its fill, and an outline where the fill alone does not stand out (views/theme.ts listFrom). */
.dr-combo li[aria-selected="true"] { color: var(--dr-list-activeForeground, #fff); background: var(--dr-list-activeBackground, #0060c0); outline: 1px solid var(--dr-list-activeBorder, transparent); outline-offset: -1px; }
.dr-combo li .dr-combo-detail { opacity: 0.75; margin-left: 0.6em; font-size: 0.92em; }
.dr-combo li.dr-combo-note { cursor: default; font-style: italic; opacity: 0.8; }
`;

function injectCss(doc: Document) {
  if (doc.getElementById('deepresolve-combo-style')) return;
  const style = doc.createElement('style');
  style.id = 'deepresolve-combo-style';
  style.textContent = CSS;
  doc.head.appendChild(style);
}

let counter = 0;

export class Combobox {
  readonly root: HTMLSpanElement;
  readonly input: HTMLInputElement;
  private list: HTMLUListElement;
  private items: ComboItem[] = [];
  private active = -1;
  private id = `dr-combo-${++counter}`;

  constructor(
    private doc: Document,
    private o: ComboOptions,
  ) {
    injectCss(doc);
    this.root = doc.createElement('span');
    this.root.className = `dr-combo${o.className ? ` ${o.className}` : ''}`;
    this.input = doc.createElement('input');
    this.input.type = 'text';
    this.input.autocomplete = 'off';
    this.input.spellcheck = false;
    this.input.setAttribute('role', 'combobox');
    this.input.setAttribute('aria-label', o.label);
    this.input.setAttribute('aria-autocomplete', 'list');
    this.input.setAttribute('aria-expanded', 'false');
    this.input.setAttribute('aria-controls', `${this.id}-list`);
    if (o.placeholder) this.input.placeholder = o.placeholder;
    this.list = doc.createElement('ul');
    this.list.id = `${this.id}-list`;
    this.list.setAttribute('role', 'listbox');
    this.list.setAttribute('aria-label', o.label);
    this.list.hidden = true;
    this.root.append(this.input, this.list);
    this.input.addEventListener('input', () => this.open(this.input.value));
    this.input.addEventListener('focus', () => this.input.select());
    this.input.addEventListener('click', () => {
      if (this.list.hidden) this.open(this.o.current ? '' : this.input.value);
    });
    this.input.addEventListener('keydown', (e) => this.key(e));
    this.input.addEventListener('blur', () => {
      // After a click on an option (mousedown keeps the focus, see below) the list is already closed.
      this.close();
    });
    // mousedown would take the focus from the input (and close the list) before the click lands.
    this.list.addEventListener('mousedown', (e) => e.preventDefault());
    this.list.addEventListener('click', (e) => {
      const li = (e.target as HTMLElement).closest('li[role="option"]');
      if (li) this.pick(Number((li as HTMLElement).dataset.i));
    });
    this.sync();
  }

  /** Shows the current choice in the closed input. */
  sync() {
    if (this.list.hidden) this.input.value = this.o.current?.() ?? '';
  }

  get expanded() {
    return !this.list.hidden;
  }

  private open(query: string) {
    const { items, total } = this.o.find(query);
    // Nothing typed and nothing to offer (the search box): stay closed.
    if (!items.length && !query.trim()) return this.close();
    this.items = items;
    const here = !query.trim() && this.o.currentValue ? items.findIndex((item) => item.value === this.o.currentValue!()) : -1;
    this.active = here >= 0 ? here : items.length ? 0 : -1;
    const d = this.doc;
    const lis = items.map((item, i) => {
      const li = d.createElement('li');
      li.id = `${this.id}-${i}`;
      li.setAttribute('role', 'option');
      li.dataset.i = String(i);
      li.dataset.value = item.value;
      const text = d.createElement('span');
      text.className = 'dr-combo-text';
      text.textContent = item.text;
      li.appendChild(text);
      if (item.detail) {
        const detail = d.createElement('span');
        detail.className = 'dr-combo-detail';
        detail.textContent = item.detail;
        li.appendChild(detail);
      }
      return li;
    });
    const notes: HTMLLIElement[] = [];
    const note = (text: string) => {
      const li = d.createElement('li');
      li.className = 'dr-combo-note';
      li.setAttribute('role', 'presentation');
      li.textContent = text;
      notes.push(li);
    };
    if (!items.length) note('no match');
    else if (total > items.length) note(`${total - items.length} more: type to narrow`);
    this.list.replaceChildren(...lis, ...notes);
    this.list.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.highlight();
  }

  close() {
    this.list.hidden = true;
    this.list.replaceChildren();
    this.items = [];
    this.active = -1;
    this.input.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.sync();
  }

  private highlight() {
    for (const li of Array.from(this.list.querySelectorAll('li[role="option"]'))) li.setAttribute('aria-selected', String(Number((li as HTMLElement).dataset.i) === this.active));
    if (this.active < 0) {
      this.input.removeAttribute('aria-activedescendant');
      return;
    }
    this.input.setAttribute('aria-activedescendant', `${this.id}-${this.active}`);
    (this.list.children[this.active] as HTMLElement | undefined)?.scrollIntoView?.({ block: 'nearest' });
  }

  private move(to: number) {
    if (!this.items.length) return;
    this.active = Math.max(0, Math.min(this.items.length - 1, to));
    this.highlight();
  }

  private pick(i: number) {
    const item = this.items[i];
    if (!item) return;
    this.close();
    this.o.onPick(item.value);
    this.sync();
  }

  private key(e: KeyboardEvent) {
    const open = !this.list.hidden;
    switch (e.key) {
      case 'ArrowDown':
        if (!open) this.open(this.o.current ? '' : this.input.value);
        else this.move(this.active + 1);
        break;
      case 'ArrowUp':
        if (open) this.move(this.active - 1);
        break;
      case 'PageDown':
        if (open) this.move(this.active + 10);
        break;
      case 'PageUp':
        if (open) this.move(this.active - 10);
        break;
      case 'Home':
      case 'End':
        if (!open) return;
        this.move(e.key === 'Home' ? 0 : this.items.length - 1);
        break;
      case 'Enter':
        if (!open) return;
        this.pick(this.active);
        break;
      case 'Escape':
        if (open) this.close();
        else if (!this.o.current) this.input.value = '';
        else return;
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }
}
