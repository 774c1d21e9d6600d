/**
 * A reopened notebook's results: every `%resolve` output it saved (the dashboard payload, with its
 * result name in the output metadata) is read back into the session, so that %features,
 * %interactions, %logos, %similarity, %motifs and %export work without recomputing. What comes
 * back is what the notebook holds — OFIV, ONIV and SD at float16 precision, per-restart FIVs not
 * at all — and the result's notes say so. No vscode import: the controller hands in the outputs.
 */
import { SCHEMA_VERSION, type ClassResult, type FeatureInfo, type OutputResult, type Results } from '../engine/results';
import type { MotifMatch } from '../engine/motifs/match';
import { RESULT_MIME, unpackView } from '../../renderers/pack';
import type { ViewData } from '../../renderers/data';
import { deepresolveMeta } from './output-items';
import type { Session } from './session';

/** One saved cell output: its metadata and its items' bytes (VS Code's NotebookCellOutput). */
export interface SavedOutput {
  metadata?: Record<string, unknown>;
  items: { mime: string; data: Uint8Array }[];
}

export const RESTORED_NOTE = 'restored from the saved notebook: OFIV, ONIV and SD at the notebook\u2019s float16 precision (3 digits); per-restart FIVs are not in a notebook (%export of the original run, or %resolve again, has them)';

/**
 * The output a class belongs to and its unit there, from the outputs the payload kept; a payload
 * saved before they were kept gives '' (text-views.ts then names the class by its index alone).
 */
function outputOf(outputs: OutputResult[], index: number): { output: string; unit: number } {
  const o = outputs.find((p) => index >= p.classes[0] && index <= p.classes[1]);
  return o ? { output: o.name, unit: index - o.classes[0] } : { output: '', unit: index };
}

/** A Results document from a dashboard's view data (what a notebook keeps of a result). */
export function resultsFromView(d: ViewData, createdAt = d.createdAt): Results {
  const [toolName, toolVersion] = d.tool.split(' ');
  const outputs = d.model.outputs ?? [];
  const classes: ClassResult[] = d.classes.map((c) => ({
    index: c.index,
    name: c.name,
    ...outputOf(outputs, c.index),
    scores: c.scores,
    objectives: [],
    iterations: c.iterations,
    weights: [],
    fiv: [],
    ofiv: c.ofiv,
    sd: c.sd,
    variance: c.sd.map((s) => s * s),
    gmmComponents: c.gmmComponents,
    gmm: { ...c.gmm, bic: [] },
    nonAdditive: c.nonAdditive,
    oniv: c.oniv,
    negative: c.negative,
    ...(c.traces ? { traces: c.traces } : {}),
  }));
  const features: FeatureInfo[] = d.features.map((f) => ({
    index: f.index,
    name: f.name,
    ...(f.pwm && !f.derived ? { pwm: f.pwm, ic: f.ic } : {}),
    ...(f.matches ? { matches: f.matches as unknown as MotifMatch[] } : {}),
  }));
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: toolName ?? 'deepresolve', version: toolVersion ?? '', tfjs: {} },
    createdAt,
    backend: 'cpu',
    settings: { ...d.settings } as Results['settings'],
    model: {
      name: d.model.name,
      inputShape: [],
      numClasses: d.model.numClasses,
      strippedActivation: d.model.strippedActivation,
      outputs,
      layer: { name: d.model.layer, index: -1, className: d.model.layerClass, shape: [d.model.positions, d.model.channels], positions: d.model.positions, channels: d.model.channels },
    },
    features,
    featureOrder: d.featureOrder,
    classes,
    similarity: { method: d.similarity.method, classes: d.similarity.classes, order: d.similarity.order, matrix: d.similarity.matrix.map((row) => row.map((v) => v ?? NaN)) },
    ...(d.labelCorrelation
      ? { labelCorrelation: { method: d.labelCorrelation.method, samples: d.labelCorrelation.samples ?? 0, source: d.labelCorrelation.source, classes: d.labelCorrelation.classes, order: d.labelCorrelation.order, matrix: d.labelCorrelation.matrix.map((row) => row.map((v) => v ?? NaN)) } }
      : {}),
    timing: { seconds: 0, pairs: 0, iterations: 0 },
    notes: [...d.notes.filter((n) => n !== RESTORED_NOTE), RESTORED_NOTE],
    // A cancelled run's result stays partial after reopening: summaries and titles say "partial: K of N classes".
    ...(d.partialInfo ? { partial: d.partialInfo } : {}),
  };
}

/**
 * Puts every result the outputs hold into the session, in notebook order (the last one becomes
 * the default, as when the cells ran); a result the session already has (run in this session)
 * is kept. Returns the names restored. Damaged payloads are skipped: the cell still shows why.
 */
export function restoreResults(session: Session, outputs: SavedOutput[]): string[] {
  const restored: string[] = [];
  for (const o of outputs) {
    const meta = deepresolveMeta(o.metadata) as { result?: unknown } | undefined;
    const name = typeof meta?.result === 'string' ? meta.result : undefined;
    const item = o.items.find((i) => i.mime === RESULT_MIME);
    if (!name || !item || session.results.has(name)) continue;
    try {
      const { data, only } = unpackView(JSON.parse(new TextDecoder().decode(item.data)));
      if (only) continue;
      session.addResult(resultsFromView(data), name);
      restored.push(name);
    } catch {
      // Not a payload this version reads: the output keeps its own message.
    }
  }
  return restored;
}
