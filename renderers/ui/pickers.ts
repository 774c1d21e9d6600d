/**
 * The toolbar's finders: the class picker and the feature picker (searchable lists instead of
 * drop-downs of 919 and 960 entries) and the search box over both, all on one SearchIndex.
 * Values are "class:POS" / "feature:K" / "feature:-1" (none).
 */
import type { ViewData } from '../data';
import { Combobox, type ComboItem } from './combobox';
import { SearchIndex, type Hit } from './search';

const SHOWN = 100;

export type Pick = { kind: 'class' | 'feature'; key: number };

export function parsePick(value: string): Pick | null {
  const m = /^(class|feature):(-?\d+)$/.exec(value);
  return m ? { kind: m[1] as Pick['kind'], key: Number(m[2]) } : null;
}

/**
 * One list entry. A class also shows its index ("#17"): label sets repeat names (DeepSEA's has the
 * same cell type and factor from two labs), and the index tells such entries apart. A feature's
 * text already starts with it ("feature 17 · ...").
 */
const item = (h: Hit, withKind: boolean, classIndex: (pos: number) => number): ComboItem => {
  const index = h.kind === 'class' && !h.why ? `#${classIndex(h.key)}` : '';
  const detail = [withKind ? h.kind : '', index, h.why ?? ''].filter(Boolean).join(' · ');
  return { value: `${h.kind}:${h.key}`, text: h.text, ...(detail ? { detail } : {}) };
};

export interface Pickers {
  classPicker: Combobox;
  featurePicker: Combobox;
  search: Combobox;
}

/**
 * `shown` is the data with names as the views show them; `state` reads the current selection;
 * `pick` applies one.
 */
export function makePickers(doc: Document, shown: ViewData, index: SearchIndex, state: () => { classPos: number; feature: number }, pick: (p: Pick) => void): Pickers {
  const classIndex = (pos: number) => shown.classes[pos]?.index ?? pos;
  const onPick = (value: string) => {
    const p = parsePick(value);
    if (p) pick(p);
  };
  const classPicker = new Combobox(doc, {
    label: 'class',
    placeholder: 'type a class name or index',
    className: 'dr-class-picker',
    find: (q) => {
      const { hits, total } = index.search(q, ['class'], SHOWN);
      return { items: hits.map((h) => item(h, false, classIndex)), total };
    },
    onPick,
    current: () => shown.classes[state().classPos]?.name ?? '',
    currentValue: () => `class:${state().classPos}`,
  });
  const featurePicker = new Combobox(doc, {
    label: 'feature',
    placeholder: 'name, index or motif',
    className: 'dr-feature-picker',
    find: (q) => {
      const { hits, total } = index.search(q, ['feature'], SHOWN);
      const none: ComboItem = { value: 'feature:-1', text: '(none)' };
      return { items: [...(q.trim() ? [] : [none]), ...hits.map((h) => item(h, false, classIndex))], total: total + (q.trim() ? 0 : 1) };
    },
    onPick,
    current: () => {
      const k = state().feature;
      return k >= 0 ? index.featureText(k) : '(none)';
    },
    currentValue: () => `feature:${state().feature}`,
  });
  const search = new Combobox(doc, {
    label: 'search classes and features',
    placeholder: 'search: name, index, motif',
    className: 'dr-search',
    find: (q) => {
      if (!q.trim()) return { items: [], total: 0 };
      // Up to half the list of each kind, so many matching classes do not hide the features.
      const classes = index.search(q, ['class'], SHOWN / 2);
      const features = index.search(q, ['feature'], SHOWN / 2);
      const hits = [...classes.hits, ...features.hits].sort((a, b) => a.rank - b.rank || (a.kind === b.kind ? 0 : a.kind === 'class' ? -1 : 1));
      return { items: hits.map((h) => item(h, true, classIndex)), total: classes.total + features.total };
    },
    onPick,
  });
  return { classPicker, featurePicker, search };
}
