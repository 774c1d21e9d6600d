/**
 * View 4: class similarity (correlation of OFIV profiles) in clustering order, and the label
 * correlation beside it in the same order when labels were given: pairs similar in features but
 * uncorrelated in labels stand out as a bright cell on the left with a pale one on the right.
 */
import { displayData, type ViewData, type ViewMatrix } from '../data';
import { defaults, selectionParams, SIGNAL, top, type ViewOptions } from './common';
import { matrixSize, matrixSpec } from './matrix';

function lookup(m: ViewMatrix) {
  const pos = new Map(m.classes.map((cls, i) => [cls, i]));
  return (a: number, b: number) => {
    const i = pos.get(a);
    const j = pos.get(b);
    return i === undefined || j === undefined ? null : (m.matrix[i][j] ?? null);
  };
}

export function similaritySpec(raw: ViewData, options: ViewOptions = {}) {
  // Names as the views show them (one visible line, cut to NAME_LIMIT): see displayData.
  const data = displayData(raw);
  const o = defaults(data, options);
  const sim = data.similarity;
  const order = sim.order.length === sim.classes.length ? sim.order : sim.classes.map((_, i) => i);
  const classIndex = order.map((p) => sim.classes[p]);
  const posOf = new Map(data.classes.map((c, i) => [c.index, i]));
  const labels = classIndex.map((ci) => ({ key: posOf.get(ci) ?? -1, label: data.classes[posOf.get(ci) ?? -1]?.name ?? `class ${ci}` }));
  const both = !!data.labelCorrelation;
  const size = matrixSize(labels.length, labels.length, both ? Math.min(420, o.maxWidth / 2) : Math.min(620, o.maxWidth), both ? Math.min(420, o.maxHeight) : Math.min(620, o.maxHeight));
  const raster = labels.length * labels.length > o.rasterAbove;
  const common = { rows: labels, cols: labels, max: 1, rowTitle: 'class', colTitle: 'class', rowSignal: SIGNAL.cls, colSignal: SIGNAL.cls, ...size, raster, maxPixels: o.maxPixels, theme: o.theme };
  const simAt = lookup(sim);
  const left = matrixSpec({ ...common, id: 'sim', value: (i, j) => simAt(classIndex[i], classIndex[j]), valueTitle: `feature similarity (${sim.method} r)` });
  const parts = [{ title: { text: `shared features (${sim.method} r of ${'OFIV'})`, fontSize: 12 }, ...left.spec }];
  const params = [...selectionParams(o.feature, o.classPos), ...left.params];
  if (data.labelCorrelation) {
    const lc = data.labelCorrelation;
    const lcAt = lookup(lc);
    const right = matrixSpec({ ...common, id: 'lab', value: (i, j) => lcAt(classIndex[i], classIndex[j]), valueTitle: `label correlation (${lc.method} r)` });
    params.push(...right.params);
    parts.push({ title: { text: `label correlation (${lc.method} r over ${lc.samples ?? '?'} samples)`, fontSize: 12 }, ...right.spec });
  }
  return {
    ...top(
      'Class similarity',
      both
        ? 'left: correlation of the classes\u2019 feature importance; right: correlation of their training labels, same order. Bright left with pale right = shared features without shared labels.'
        : `correlation of the classes\u2019 feature importance (${sim.method}), clustering order; no label matrix given`,
      o.theme,
    ),
    params,
    ...(parts.length > 1 ? { hconcat: parts, resolve: { scale: { color: 'shared' } } } : left.spec),
  };
}
