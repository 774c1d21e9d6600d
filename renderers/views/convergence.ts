/**
 * View 6: class score against iteration for every restart of one class, to check that the ascent
 * converged. Without kept traces it falls back to each restart's final score and iteration count.
 */
import { displayData, type ViewData } from '../data';
import { defaults, top, type ViewOptions } from './common';

export function convergenceRows(data: ViewData, options: ViewOptions = {}) {
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  if (!c) return [];
  if (c.traces?.length) {
    return c.traces.flatMap((t, r) => t.scores.map((score, i) => ({ restart: r + 1, iteration: i * t.stride, score })));
  }
  return c.scores.map((score, r) => ({ restart: r + 1, iteration: c.iterations[r], score }));
}

export function convergenceSpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const c = data.classes[o.classPos];
  const rows = convergenceRows(data, options);
  const traced = !!c?.traces?.length;
  const x = { field: 'iteration', type: 'quantitative', title: 'iteration' };
  const y = { field: 'score', type: 'quantitative', title: `class score (before ${data.model.strippedActivation ?? 'output'})`, scale: { zero: false } };
  const color = { field: 'restart', type: 'nominal', title: 'restart', scale: { range: o.theme.marks.series } };
  const tooltip = [
    { field: 'restart', title: 'restart' },
    { field: 'iteration', title: 'iteration' },
    { field: 'score', title: 'score', format: '.5~g' },
  ];
  return {
    ...top(
      c ? `Convergence of class ${c.name}` : 'Convergence',
      traced
        ? `score per iteration for ${c!.traces!.length} restarts (λ = ${data.settings.l2}, η = ${data.settings.lr})`
        : 'score traces were not kept (too many pairs, or --keep-traces off): final score and iterations per restart',
      o.theme,
    ),
    width: Math.min(o.maxWidth, 520),
    height: 260,
    data: { values: rows },
    ...(traced
      ? { mark: { type: 'line', interpolate: 'linear', point: false }, encoding: { x, y, color, tooltip } }
      : { mark: { type: 'point', filled: true, size: 80 }, encoding: { x: { ...x, title: 'iterations used' }, y, color, tooltip } }),
  };
}
