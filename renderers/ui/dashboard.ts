/**
 * One results output in the notebook: a toolbar, the main matrix (feature × class heatmap or
 * class similarity) and the per-class panels (importance, interactions, logos, convergence),
 * linked: picking a class re-draws the per-class panels, picking a feature highlights it
 * everywhere and puts its logo first. All names are set with textContent or passed to Vega as
 * data, never as markup or expression text, and shown as displayData has them (one visible line,
 * cut to NAME_LIMIT); the CSV export keeps the full names.
 */
import type { View } from 'vega';
import { displayData, featureLabel, hasMatches, matchLines, measureName, values, type Measure, type ViewData } from '../data';
import type { Focus, ViewName } from '../pack';
import { SIGNAL, fmt, type ViewOptions } from '../views/common';
import { VIEWS, toCsv } from '../views/index';
import { heatmapClasses, heatmapFeatures } from '../views/heatmap';
import { PRINT, type Theme } from '../views/theme';
import { CellTip, cellAt, imageUnder } from './cells';
import { download, fileName } from './download';
import { embedSpec } from './embed';
import { getZoom, scaleRange, setZoom, showCell, topNControl, type Zoom } from './heatmap-tools';
import { makePickers, type Pickers } from './pickers';
import { SearchIndex } from './search';
import { pictureOfView, printPicture } from './export';
import { applyControls, readTheme, watchTheme } from './theme';

type MainView = 'heatmap' | 'similarity';
const PANELS: ViewName[] = ['importance', 'interactions', 'logos', 'convergence'];
const RASTER_ABOVE = 40000;
const MORE = 20;

interface State {
  main: MainView;
  measure: Measure;
  classPos: number;
  feature: number;
  topN: number;
  /** Heatmap rows: top N features (undefined: all). */
  heatmapTop?: number;
}

interface Panel {
  name: ViewName;
  box: HTMLElement;
  plot: HTMLElement;
  view?: View;
  /** Render generation: a slower, older render must not replace a newer one. */
  generation: number;
  raster: boolean;
}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

export class Dashboard {
  readonly root: HTMLElement;
  private state: State;
  private theme: Theme;
  private panels = new Map<ViewName | 'main', Panel>();
  private stopTheme: () => void;
  private tip: CellTip;
  private doc: Document;
  /** The data with its names as shown (displayData); this.data keeps the full names for the CSV. */
  private shown: ViewData;
  private pickers!: Pickers;
  private measureButtons: HTMLButtonElement[] = [];
  private mainButtons: HTMLButtonElement[] = [];
  private disposed = false;
  /** Exported SVG/PNG keep the editor's theme (and selection) instead of the print style; one box per panel, kept in step. */
  private keepTheme = false;
  private keepThemeBoxes: HTMLInputElement[] = [];
  /** Renders in flight, mirrored in data-busy so a page (or a test) can tell when drawing is done. */
  private pending = 0;

  /** A magic's own output: only the `initial` view, no main matrix, no class picker (payload `only`). */
  private readonly only: boolean;

  constructor(
    container: HTMLElement,
    private data: ViewData,
    initial: ViewName,
    focus: Focus = {},
    options: { only?: boolean } = {},
  ) {
    this.only = options.only === true;
    this.doc = container.ownerDocument;
    this.shown = displayData(data);
    this.theme = readTheme(this.doc);
    const classPos = focus.classPos !== undefined && focus.classPos >= 0 && focus.classPos < data.classes.length ? focus.classPos : 0;
    const feature = focus.feature !== undefined && focus.feature >= 0 && focus.feature < data.features.length ? focus.feature : -1;
    this.state = { main: initial === 'similarity' ? 'similarity' : 'heatmap', measure: 'ofiv', classPos, feature, topN: MORE };
    this.root = el(this.doc, 'div', 'dr-root');
    applyControls(this.root, this.theme);
    container.replaceChildren(this.root);
    this.tip = new CellTip(this.doc);
    this.buildToolbar();
    const grid = el(this.doc, 'div', 'dr-grid');
    const order: (ViewName | 'main')[] = this.only
      ? [PANELS.includes(initial) ? initial : 'main']
      : PANELS.includes(initial) ? [initial, 'main', ...PANELS.filter((p) => p !== initial)] : ['main', ...PANELS];
    this.root.dataset.only = String(this.only);
    for (const name of order) grid.appendChild(this.makePanel(name));
    this.root.appendChild(grid);
    for (const note of this.shown.notes) this.root.appendChild(el(this.doc, 'div', 'dr-note', note));
    this.stopTheme = watchTheme(() => {
      this.theme = readTheme(this.doc);
      applyControls(this.root, this.theme);
      void this.renderAll();
    }, this.doc);
  }

  private viewOptions(extra: Partial<ViewOptions> = {}): ViewOptions {
    return { measure: this.state.measure, classPos: this.state.classPos, feature: this.state.feature, topN: this.state.topN, heatmapTop: this.state.heatmapTop, theme: this.theme, rasterAbove: RASTER_ABOVE, ...extra };
  }

  private buildToolbar() {
    const d = this.doc;
    const bar = el(d, 'div', 'dr-head');
    // A cancelled run's result says so where the dashboard starts, not only in the views' titles.
    bar.appendChild(el(d, 'span', 'dr-title', `DeepResolve · ${this.shown.model.name} · layer ${this.shown.model.layer}${this.shown.partial ? ` · ${this.shown.partial}` : ''}`));

    const mainGroup = el(d, 'span');
    mainGroup.setAttribute('role', 'group');
    mainGroup.setAttribute('aria-label', 'main view');
    for (const [name, label] of [['heatmap', 'Feature × class'], ['similarity', 'Class similarity']] as const) {
      const b = el(d, 'button', undefined, label);
      b.dataset.main = name;
      b.addEventListener('click', () => {
        this.state.main = name;
        this.syncToolbar();
        void this.render('main');
      });
      this.mainButtons.push(b);
      mainGroup.appendChild(b);
    }
    if (!this.only) bar.appendChild(mainGroup);

    const measureGroup = el(d, 'span');
    measureGroup.setAttribute('role', 'group');
    measureGroup.setAttribute('aria-label', 'importance measure');
    for (const m of ['ofiv', 'oniv'] as const) {
      const b = el(d, 'button', undefined, measureName(m));
      b.dataset.measure = m;
      b.title = m === 'ofiv' ? 'score-weighted mean importance over restarts' : 'non-additive features: mean over the restarts where the feature is positive';
      b.addEventListener('click', () => {
        this.state.measure = m;
        this.syncToolbar();
        void this.renderAll();
      });
      this.measureButtons.push(b);
      measureGroup.appendChild(b);
    }
    bar.appendChild(measureGroup);

    // Searchable pickers instead of drop-downs (919 classes, 960 features), and a search box over both.
    this.pickers = makePickers(d, this.shown, new SearchIndex(this.data), () => this.state, (p) => (p.kind === 'class' ? this.selectClass(p.key) : this.selectFeature(p.key)));
    // A span, not a <label>: a click on an option inside a label would reach the input again.
    const labelled = (text: string, control: HTMLElement) => {
      const l = el(d, 'span', 'dr-picker', text);
      l.appendChild(control);
      return l;
    };
    if (!this.only) bar.appendChild(labelled('class ', this.pickers.classPicker.root));
    if (!(this.only && this.state.main === 'similarity')) bar.appendChild(labelled('feature ', this.pickers.featurePicker.root));
    if (!this.only) {
      bar.appendChild(this.pickers.search.root);
      bar.appendChild(this.heatmapTools());
    }

    this.root.appendChild(bar);
    this.syncToolbar();
  }

  private syncToolbar() {
    for (const b of this.mainButtons) b.setAttribute('aria-pressed', String(b.dataset.main === this.state.main));
    for (const b of this.measureButtons) b.setAttribute('aria-pressed', String(b.dataset.measure === this.state.measure));
    this.pickers.classPicker.sync();
    this.pickers.featurePicker.sync();
    this.root.dataset.classPos = String(this.state.classPos);
    this.root.dataset.feature = String(this.state.feature);
    this.root.dataset.measure = this.state.measure;
    this.root.dataset.main = this.state.main;
  }

  /** Top-N filter and zoom buttons of the heatmap (wheel with Ctrl/⌘/Alt, drag and double-click work on the plot itself). */
  private heatmapTools(): HTMLElement {
    const d = this.doc;
    const box = el(d, 'span', 'dr-heatmap-tools');
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'heatmap');
    box.appendChild(
      topNControl(d, this.data.features.length, (n) => {
        this.state.heatmapTop = n;
        if (this.state.main === 'heatmap') void this.render('main', { keepZoom: 'columns' });
      }),
    );
    for (const [text, action, title] of [['+', 'zoom-in', 'zoom in (also Ctrl/⌘/Alt + wheel on the plot)'], ['−', 'zoom-out', 'zoom out'], ['Reset zoom', 'zoom-reset', 'show the whole matrix (also a double-click on the plot)']] as const) {
      const b = el(d, 'button', undefined, text);
      b.dataset.action = action;
      b.title = title;
      b.setAttribute('aria-label', title);
      b.addEventListener('click', () => void this.zoomMain(action === 'zoom-in' ? 0.5 : action === 'zoom-out' ? 2 : 0));
      box.appendChild(b);
    }
    return box;
  }

  /** Rows and columns of the main matrix (the heatmap's rows follow the top-N filter). */
  private mainSize() {
    const classes = heatmapClasses(this.data).length;
    return this.state.main === 'heatmap' ? { rows: heatmapFeatures(this.data, this.viewOptions()).features.length, cols: classes } : { rows: classes, cols: classes };
  }

  /** Zooms the main matrix about its centre by `factor` (0: reset). The similarity view zooms with the pointer only. */
  private async zoomMain(factor: number) {
    const view = this.panels.get('main')?.view;
    if (!view || this.state.main !== 'heatmap') return;
    const size = this.mainSize();
    const z = getZoom(view, 'hm');
    await setZoom(view, 'hm', factor ? { c: scaleRange(z.c, size.cols, factor), r: scaleRange(z.r, size.rows, factor) } : { c: null, r: null }, size);
  }

  /** When the heatmap is zoomed, pans it so the selected class and feature are in view. */
  private async revealInHeatmap() {
    const view = this.panels.get('main')?.view;
    if (!view || this.state.main !== 'heatmap') return;
    const z = getZoom(view, 'hm');
    if (!z.c && !z.r) return;
    const size = this.mainSize();
    const row = heatmapFeatures(this.data, this.viewOptions()).features.indexOf(this.state.feature);
    const col = heatmapClasses(this.data).indexOf(this.state.classPos);
    const next: Zoom = { c: col >= 0 ? showCell(z.c, size.cols, col) : z.c, r: row >= 0 ? showCell(z.r, size.rows, row) : z.r };
    if (next.c !== z.c || next.r !== z.r) await setZoom(view, 'hm', next, size);
  }

  private makePanel(name: ViewName | 'main'): HTMLElement {
    const d = this.doc;
    const box = el(d, 'div', 'dr-panel');
    box.dataset.panel = name;
    const tools = el(d, 'div', 'dr-panel-bar');
    const panel: Panel = { name: name === 'main' ? this.state.main : name, box, plot: el(d, 'div', 'dr-plot'), generation: 0, raster: false };
    if (name === 'importance') {
      const more = el(d, 'button', undefined, `Show ${MORE} more`);
      more.dataset.action = 'more';
      more.addEventListener('click', () => {
        this.state.topN += MORE;
        void this.render('importance');
      });
      const all = el(d, 'button', undefined, 'All');
      all.dataset.action = 'all';
      all.addEventListener('click', () => {
        this.state.topN = this.data.features.length;
        void this.render('importance');
      });
      tools.append(more, all);
    }
    for (const [label, action] of [['SVG', 'svg'], ['PNG', 'png'], ['CSV', 'csv']] as const) {
      const b = el(d, 'button', undefined, label);
      b.dataset.action = action;
      b.title = action === 'csv' ? 'save the data of this view as CSV' : `save this view as ${label}`;
      b.addEventListener('click', () => void this.export(name, action));
      tools.appendChild(b);
    }
    tools.appendChild(this.keepThemeBox());
    box.append(tools, panel.plot);
    this.panels.set(name, panel);
    return box;
  }

  private keepThemeBox(): HTMLLabelElement {
    const label = el(this.doc, 'label', 'dr-export-theme');
    label.title = 'SVG and PNG in the editor theme, selection outlined, as on screen (unticked: white background, no selection outline)';
    const box = el(this.doc, 'input');
    box.type = 'checkbox';
    box.dataset.action = 'keep-theme';
    box.checked = this.keepTheme;
    box.addEventListener('change', () => {
      this.keepTheme = box.checked;
      for (const b of this.keepThemeBoxes) b.checked = this.keepTheme;
    });
    this.keepThemeBoxes.push(box);
    label.append(box, 'keep theme');
    return label;
  }

  async renderAll(): Promise<void> {
    // The heatmap keeps its zoom (its rows may change under a top-N filter: then the columns' only).
    await Promise.all([...this.panels.keys()].map((n) => this.render(n, n === 'main' ? { keepZoom: this.state.heatmapTop === undefined ? 'both' : 'columns' } : {})));
  }

  /** `keepZoom`: the main heatmap keeps its zoom over the redraw (both axes, or only the columns when its rows change). */
  async render(key: ViewName | 'main', how: { keepZoom?: 'both' | 'columns' } = {}): Promise<void> {
    const panel = this.panels.get(key);
    if (!panel || this.disposed) return;
    const name: ViewName = key === 'main' ? this.state.main : (key as ViewName);
    const carried = how.keepZoom && panel.view && panel.name === 'heatmap' && name === 'heatmap' ? getZoom(panel.view, 'hm') : undefined;
    panel.name = name;
    const generation = ++panel.generation;
    const options = this.viewOptions();
    this.root.dataset.busy = String(++this.pending);
    try {
      const spec = VIEWS[name].build(this.data, options);
      panel.raster = JSON.stringify(spec.layer ?? spec.hconcat ?? []).includes('_raster');
      const target = el(this.doc, 'div');
      // SVG everywhere: a big matrix is one <image> (views/matrix.ts), so SVG paints it as fast as a
      // canvas, and its axis labels stay text (selectable, measurable) when zooming redraws them.
      const view = await embedSpec(target, spec, 'svg', this.theme);
      if (generation !== panel.generation || this.disposed) {
        view.finalize();
        return;
      }
      panel.view?.finalize();
      panel.view = view;
      panel.plot.replaceChildren(target);
      if (carried && (carried.c || carried.r)) await setZoom(view, 'hm', { c: carried.c, r: how.keepZoom === 'both' ? carried.r : null }, this.mainSize());
      panel.box.dataset.view = name;
      panel.box.dataset.rendered = String(generation);
      this.listen(panel, view);
    } catch (e) {
      if (generation !== panel.generation) return;
      panel.plot.replaceChildren(el(this.doc, 'div', 'dr-error', `Could not draw ${VIEWS[name].title}: ${e instanceof Error ? e.message : String(e)}`));
      panel.box.dataset.rendered = `error-${generation}`;
    } finally {
      this.root.dataset.busy = String(--this.pending);
    }
  }

  private listen(panel: Panel, view: View) {
    // A drag pans a zoomable matrix; the click that ends it must not select the cell under the pointer.
    let down: [number, number] | null = null;
    view.addEventListener('mousedown', (event) => {
      const e = event as MouseEvent;
      down = [e.clientX, e.clientY];
    });
    view.addEventListener('click', (event, item) => {
      const e = event as MouseEvent;
      if (down && Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return;
      const datum = (item as { datum?: Record<string, unknown> } | null)?.datum;
      const image = panel.raster ? imageUnder(view, item) : null;
      const cell = image ? this.imageCell(view, event as MouseEvent, image) : null;
      if (cell) {
        if (panel.name === 'heatmap') {
          this.selectFeature(cell.feature ?? -1);
          this.selectClass(cell.classPos);
        } else this.selectClass(cell.classPos);
        return;
      }
      if (!datum) return;
      if (typeof datum.ck === 'number' && datum.ck >= 0) this.selectClass(datum.ck);
      if (panel.name === 'heatmap' && typeof datum.rk === 'number') this.selectFeature(datum.rk);
      if (typeof datum.feature === 'number') this.selectFeature(datum.feature);
    });
    if (!panel.raster) return;
    view.addEventListener('mousemove', (event, item) => {
      const image = imageUnder(view, item);
      const cell = image ? this.imageCell(view, event as MouseEvent, image) : null;
      if (cell) this.tip.show(event as MouseEvent, cell.lines);
      else this.tip.hide();
    });
    view.addEventListener('mouseout', () => this.tip.hide());
  }

  /** The cell of a matrix image under the pointer, with its tooltip lines. */
  private imageCell(view: View, event: MouseEvent, item: { mark?: { name?: string } }) {
    const d = this.shown;
    const classOrder = d.similarity.order.length === d.classes.length ? d.similarity.order : d.classes.map((_, i) => i);
    const markName = item.mark?.name ?? '';
    if (markName.startsWith('hm_')) {
      const at = cellAt(view, event, item, d.featureOrder.length, classOrder.length);
      if (!at) return null;
      const feature = d.featureOrder[at[0]];
      const classPos = classOrder[at[1]];
      const c = d.classes[classPos];
      const name = measureName(this.state.measure);
      return {
        feature,
        classPos,
        lines: [
          `feature: ${featureLabel(d.features[feature])}`,
          `class: ${c.name}`,
          `${name}: ${fmt(values(c, this.state.measure)[feature], 4)}`,
          `SD across restarts: ${fmt(c.sd[feature])}`,
          ...(hasMatches(d.features) ? ['motif matches:', ...matchLines(d.features[feature]).map((l) => `  ${l}`)] : []),
        ],
      };
    }
    const label = markName.startsWith('lab_');
    const m = label ? d.labelCorrelation : d.similarity;
    if (!m) return null;
    const at = cellAt(view, event, item, classOrder.length, classOrder.length);
    if (!at) return null;
    const [a, b] = [classOrder[at[0]], classOrder[at[1]]];
    const ia = m.classes.indexOf(d.classes[a].index);
    const ib = m.classes.indexOf(d.classes[b].index);
    const r = ia >= 0 && ib >= 0 ? m.matrix[ia][ib] : null;
    return { feature: undefined, classPos: b, lines: [`class: ${d.classes[a].name}`, `class: ${d.classes[b].name}`, `${label ? 'label' : 'feature'} correlation: ${fmt(r)}`] };
  }

  selectClass(pos: number) {
    if (pos < 0 || pos >= this.data.classes.length) return;
    // Picked again (from the search box, say): nothing to redraw, but a zoomed heatmap still shows it.
    if (pos === this.state.classPos) return void this.revealInHeatmap();
    this.state.classPos = pos;
    this.syncToolbar();
    void this.setSignal('main', SIGNAL.cls, pos).then(() => this.revealInHeatmap());
    for (const p of PANELS) void this.render(p);
  }

  selectFeature(k: number) {
    if (k < -1 || k >= this.data.features.length) return;
    if (k === this.state.feature) return void this.revealInHeatmap();
    const shownBefore = this.state.main === 'heatmap' && this.state.heatmapTop !== undefined ? heatmapFeatures(this.data, this.viewOptions()).features : undefined;
    this.state.feature = k;
    this.syncToolbar();
    // Under a top-N filter the heatmap adds the selected feature's row: it is drawn again.
    if (shownBefore && k >= 0 && !shownBefore.includes(k)) void this.render('main', { keepZoom: 'columns' }).then(() => this.revealInHeatmap());
    else void this.setSignal('main', SIGNAL.feature, k).then(() => this.revealInHeatmap());
    void this.setSignal('interactions', SIGNAL.feature, k);
    // The bars add the feature when it is outside the top N, and the logos put it first.
    void this.render('importance');
    void this.render('logos');
  }

  private async setSignal(key: ViewName | 'main', signal: string, value: number) {
    const view = this.panels.get(key)?.view;
    if (!view) return;
    try {
      view.signal(signal, value);
      await view.runAsync();
    } catch {
      // The view may have been replaced meanwhile; the next render uses the new state.
    }
  }

  private async export(key: ViewName | 'main', kind: 'svg' | 'png' | 'csv') {
    const panel = this.panels.get(key);
    if (!panel) return;
    const cls = this.data.classes[this.state.classPos]?.name ?? '';
    const base = fileName('deepresolve', panel.name, VIEWS[panel.name].perClass ? cls : '', this.state.measure);
    if (kind === 'csv') {
      const rows = VIEWS[panel.name].table(this.data, this.viewOptions());
      download(`${base}.csv`, new Blob([toCsv(rows)], { type: 'text/csv' }));
      return;
    }
    if (!panel.view) return;
    // The print picture shows what is on screen, zoom included (a fresh view starts unzoomed).
    const zoom = panel.name === 'heatmap' ? getZoom(panel.view, 'hm') : undefined;
    const carry = zoom && (zoom.c || zoom.r) ? (v: View) => setZoom(v, 'hm', zoom, this.mainSize()) : undefined;
    const picture = this.keepTheme ? await pictureOfView(panel.view, kind) : await printPicture(this.doc, VIEWS[panel.name].build(this.data, this.viewOptions({ theme: PRINT })), kind, carry);
    if (kind === 'svg') download(`${base}.svg`, new Blob([picture], { type: 'image/svg+xml' }));
    else download(`${base}.png`, picture);
  }

  dispose() {
    this.disposed = true;
    this.stopTheme();
    this.tip.dispose();
    for (const p of this.panels.values()) p.view?.finalize();
    this.root.remove();
  }
}
