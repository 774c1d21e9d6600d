/**
 * Finding classes and features by what a user types: a class or feature index ("17" or "#17"),
 * words of its name (every word must occur: "gm12878 ctcf" finds "GM12878|CTCF|None"), or, for a
 * feature, the name or ID of one of its motif matches ("CTCF", "MA0139"). Matching is on the full
 * names (case-insensitive); hits carry the name as the views show it (`label`, src/shared/escape.ts)
 * for display with textContent. No DOM here, so Node tests run it as it is.
 */
import { label } from '../../src/shared/escape';
import { featureLabel, matchText, type ViewData } from '../data';

export type HitKind = 'class' | 'feature';

export interface Hit {
  kind: HitKind;
  /** Position in data.classes (class) or feature index (feature). */
  key: number;
  /** The name as shown (one line, cut to NAME_LIMIT). */
  text: string;
  /** Why it matched, when not by its name: "index 17", "motif CTCF (MA0139.2), q = 0.001". */
  why?: string;
  /** 0 index, 1 name starts with the query, 2 every word in the name, 3 a significant motif match (q ≤ 0.05), 4 another match. */
  rank: number;
}

interface Entry {
  kind: HitKind;
  key: number;
  index: number;
  name: string;
  text: string;
  motifs: { text: string; hay: string; significant: boolean }[];
  /** Position in the views' order (clustering order), the tie-break. */
  order: number;
}

export class SearchIndex {
  private entries: Entry[] = [];

  constructor(data: ViewData) {
    const classOrder = data.similarity.order.length === data.classes.length ? data.similarity.order : data.classes.map((_, i) => i);
    classOrder.forEach((pos, order) => {
      const c = data.classes[pos];
      this.entries.push({ kind: 'class', key: pos, index: c.index, name: c.name.toLowerCase(), text: label(c.name), motifs: [], order });
    });
    data.featureOrder.forEach((k, order) => {
      const f = data.features[k];
      const motifs = (f.matches ?? []).map((m) => ({ text: label(matchText(m)), hay: `${m.name} ${m.id ?? ''}`.toLowerCase(), significant: (m.qValue ?? m.q ?? m.pValue ?? m.p ?? 1) <= 0.05 }));
      this.entries.push({ kind: 'feature', key: k, index: f.index, name: f.name.toLowerCase(), text: label(featureLabel(f)), motifs, order });
    });
  }

  /** A feature's text as shown (its label with its motif). */
  featureText(k: number): string {
    return this.entries.find((e) => e.kind === 'feature' && e.key === k)?.text ?? '';
  }

  /** Hits of `query` among `kinds`, best first (then in the views' order); at most `limit`, and how many there were. */
  search(query: string, kinds: readonly HitKind[] = ['class', 'feature'], limit = 100): { hits: Hit[]; total: number } {
    const q = query.trim().toLowerCase();
    const pool = this.entries.filter((e) => kinds.includes(e.kind));
    if (!q) return { hits: pool.slice(0, limit).map((e) => ({ kind: e.kind, key: e.key, text: e.text, rank: 2 })), total: pool.length };
    const words = q.split(/\s+/);
    const number = /^#?(\d+)$/.exec(q);
    const found: (Hit & { order: number; kindOrder: number })[] = [];
    for (const e of pool) {
      const hit = (rank: number, why?: string) => found.push({ kind: e.kind, key: e.key, text: e.text, rank, order: e.order, kindOrder: kinds.indexOf(e.kind), ...(why ? { why } : {}) });
      if (number && Number(number[1]) === e.index) {
        hit(0, `index ${e.index}`);
        continue;
      }
      if (e.name.startsWith(q)) {
        hit(1);
        continue;
      }
      if (words.every((w) => e.name.includes(w))) {
        hit(2);
        continue;
      }
      // A motif match: significant ones first; the hit says which match it was.
      const m = e.motifs.filter((x) => words.every((w) => x.hay.includes(w) || e.name.includes(w))).sort((a, b) => Number(b.significant) - Number(a.significant))[0];
      if (m) hit(m.significant ? 3 : 4, `motif ${m.text}`);
    }
    found.sort((a, b) => a.rank - b.rank || a.kindOrder - b.kindOrder || a.order - b.order);
    return { hits: found.slice(0, limit).map(({ order: _o, kindOrder: _k, ...h }) => h), total: found.length };
  }
}
