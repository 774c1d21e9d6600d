/** DeepResolve end to end on a loaded model: split, ascend, summarise, compare classes. */
import * as tf from '@tensorflow/tfjs-core';
// Custom layers and the gradients TF.js lacks (dilated convolutions, gather on wasm).
import './custom-layers/index';
import { AscentCancelled, type AscentHooks, type Pair, type PairResult } from './ascent/pairs';
import { ascend } from './ascent/direct';
import { ascendHidden, type NativeHiddenStep } from './ascent/hidden';
import { ascendOnWorkers } from './ascent/pool';
import { firstDense, type FirstDense } from './ascent/first-dense';
import { nativeDirectGraph, nativeHiddenStep, nativeHiddenSupported } from './ascent/native/ascent';
import { ascendOnLanes, laneChunk, laneCount, startLanes, stopLanes } from './ascent/native/lanes';
import { ascendNative, openSession, type NativeHead } from './ascent/native/run';
import type { StepGraph } from './ascent/native/head-graph';
import { threadsFor } from './threads';
import type { Worker } from 'node:worker_threads';
import { CancelledError, UserError } from './errors';
import { partialText } from '../shared/partial';
import { partialFeatures, partialOf } from './partial';
import { TFJS_VERSIONS, useBackend } from './backend';
import { parseClassSpec } from './classes';
import { correlationMatrix, correlationOrder } from './cluster';
import { splitModel, type Head } from './head';
import { checkLabels, type Labels } from './labels';
import { listLayers, resolveLayer } from './layers';
import type { LoadedModel } from './load/model';
import { classSlots, summaryText, type OutputSelection } from './outputs';
import { buildFeatures } from './feature-logos/features';
import { SCHEMA_VERSION, type ClassResult, type FeatureInfo, type MatrixResult, type Results } from './results';
import { completeSettings, TRACE_PAIR_LIMIT, type Settings } from './settings';
import { classStatistics, sameOptimum } from './statistics';
import { mark } from './timing';
import { TOOL_VERSION } from './version';

export interface ResolveInput {
  loaded: LoadedModel;
  settings?: Partial<Settings>;
  /** Class names and/or a training label matrix. */
  labels?: Labels;
  labelsFile?: string;
}

export type ResolveHooks = AscentHooks;

const BYTES_PER_FLOAT = 4;

/**
 * Pairs per chunk that fit the memory budget: each pair holds its feature map several times
 * (H, gradient, step, next H) and every head activation twice (forward value and its gradient).
 */
export function chunkSizeFor(head: Head, activationsPerPair: number, settings: Settings): number {
  const mapSize = head.featureShape.reduce((a, b) => a * b, 1);
  const bytesPerPair = BYTES_PER_FLOAT * (6 * mapSize + 3 * activationsPerPair);
  const fit = Math.floor((settings.maxMemoryMB * 1024 * 1024) / bytesPerPair);
  return Math.max(1, Math.min(settings.batchSize, fit));
}

function headActivations(loaded: LoadedModel, layerIndex: number): number {
  return listLayers(loaded.model)
    .filter((l) => l.index > layerIndex)
    .reduce((a, l) => a + l.outputShape.reduce<number>((x, y) => x * (y ?? 1), 1), 0);
}

function matrixOver(classes: number[], vectors: ArrayLike<number>[]): MatrixResult {
  const matrix = correlationMatrix(vectors);
  return { classes, order: correlationOrder(vectors, matrix), matrix };
}

export async function resolveFeatures(input: ResolveInput, hooks: ResolveHooks = {}): Promise<Results> {
  const started = Date.now();
  const settings = completeSettings(input.settings ?? {});
  const backend = await useBackend(settings.backend);
  const { model } = input.loaded;
  const selection: OutputSelection = { output: settings.output, positions: settings.positions, info: input.loaded.outputs };
  const layerIndex = resolveLayer(model, settings.layer, { aliases: input.loaded.layerAliases, selection });
  const layer = model.layers[layerIndex];
  const head = splitModel(model, layerIndex, selection);
  const notes: string[] = [];
  let dense: FirstDense | null = null;
  try {
    const file = input.labelsFile ?? 'labels';
    if (input.labels) checkLabels(input.labels, head.numClasses, file);
    const slots = classSlots(head.outputs);
    const classNames = input.labels?.names ?? slots.map((s) => s.name);
    let classes = parseClassSpec(settings.classes, head.numClasses, classNames, !!input.labels?.names);
    for (const o of head.outputs) {
      const summary = summaryText(o);
      if (summary) notes.push(`output '${o.name}' ${JSON.stringify(o.shape)} is a profile: each channel's score is the ${summary}`);
    }
    const seedClass = (cls: number) => {
      const o = head.outputs.find((p) => cls >= p.classStart && cls < p.classStart + p.units)!;
      return o.seedStart + cls - o.classStart;
    };
    const pairs: Pair[] = classes.flatMap((cls) => Array.from({ length: settings.restarts }, (_, restart) => (seedClass(cls) === cls ? { cls, restart } : { cls, restart, seedClass: seedClass(cls) })));
    const keepTrace = settings.keepTraces === 'auto' ? pairs.length <= TRACE_PAIR_LIMIT : settings.keepTraces;
    if (!keepTrace && settings.keepTraces === 'auto') notes.push(`score traces not kept: more than ${TRACE_PAIR_LIMIT} (class, restart) pairs`);
    const chunkSize = chunkSizeFor(head, headActivations(input.loaded, layerIndex), settings);

    dense = settings.ascent === 'direct' ? null : firstDense(model, layerIndex, selection);
    // In 'auto', stepping a general rest on TensorFlow.js in hidden space pays only when that
    // space is no larger than the feature map (the ReLU → Dense kernel pays regardless).
    const featureSize = head.featureShape.reduce((a, b) => a * b, 1);
    if (dense && settings.ascent === 'auto' && !dense.reluDense && dense.hidden > featureSize) {
      dense.dispose();
      dense = null;
    }
    if (settings.ascent === 'hidden' && !dense) {
      throw new UserError(`--ascent hidden needs a Dense layer on the flattened output of layer '${layer.name}' (after Flatten or Dropout only); use --ascent direct`);
    }
    mark('head split');
    const ascentUsed = dense ? 'hidden' : 'direct';
    const ascentSettings = { ...settings, chunkSize, keepTrace };
    // The direct ascent runs on ONNX Runtime's native kernels when it can: in lanes (one thread
    // each) on heads with small weights, else one session on every core (lanes.ts says why).
    let native: NativeHead | null = null;
    let lanes: { graph: StepGraph; crew: Worker[] } | null = null;
    if (!dense && settings.native === 'auto') {
      const count = laneCount(model, layerIndex, pairs.length, settings);
      const rows = count > 1 ? Math.min(laneChunk(chunkSize, count), Math.ceil(pairs.length / count)) : Math.min(chunkSize, pairs.length);
      // The lanes' threads start while the graph is built (~0.1 s of each other's work).
      const crew = count > 1 ? startLanes(count) : [];
      let graph: ReturnType<typeof nativeDirectGraph>;
      try {
        graph = nativeDirectGraph(model, layerIndex, selection, settings.l2, rows);
      } catch (err) {
        await stopLanes(crew);
        throw err;
      }
      const made = 'unsupported' in graph || count > 1 ? graph : await openSession(graph, threadsFor(settings.workers));
      if ('unsupported' in made) {
        await stopLanes(crew);
        notes.push(`direct ascent on TensorFlow.js: ${made.unsupported}`);
      } else if ('session' in made) {
        native = made;
        notes.push(`direct ascent on ONNX Runtime's native CPU kernels (${made.threads} thread${made.threads === 1 ? '' : 's'})`);
      } else {
        lanes = { graph: made, crew };
        notes.push(`direct ascent on ONNX Runtime's native CPU kernels (${count} lanes of one thread each)`);
      }
    }
    // …and so do the hidden-space steps of a rest that is not ReLU → Dense (compiled once G is known).
    let nativeHidden: NativeHiddenStep | undefined;
    if (dense && !dense.reluDense && settings.native === 'auto') {
      const supported = nativeHiddenSupported(model, dense, selection);
      if (supported !== true) notes.push(`hidden-space steps on TensorFlow.js: ${supported.unsupported}`);
      else {
        const d = dense;
        nativeHidden = async (gram) => {
          const made = await nativeHiddenStep(model, d, selection, gram, settings);
          if ('unsupported' in made) {
            notes.push(`hidden-space steps on TensorFlow.js: ${made.unsupported}`);
            return null;
          }
          notes.push(`hidden-space steps on ONNX Runtime's native CPU kernels (${made.threads} thread${made.threads === 1 ? '' : 's'})`);
          return made;
        };
      }
    }
    const ascentEngine = native || lanes || nativeHidden ? 'onnxruntime' : dense?.reluDense ? 'webassembly' : 'tensorflow.js';
    const kept = () => head.keptTensors() + (dense?.keptTensors() ?? 0);
    const tensorsBefore = tf.memory().numTensors - kept();
    // The TensorFlow.js ascents go to worker threads when that pays (the ReLU → Dense kernel has its own).
    const here = (some: Pair[], h: AscentHooks, chunk = chunkSize) => {
      const s = { ...ascentSettings, chunkSize: chunk };
      return dense ? ascendHidden(dense, head.featureShape, some, s, h, nativeHidden) : ascend(head, some, s, h);
    };
    const onWorkers =
      dense?.reluDense || native || lanes || nativeHidden
        ? null
        : ascendOnWorkers(ascentUsed, input.loaded, layerIndex, pairs, { ...ascentSettings, backend }, hooks, { dense, selection, notes, local: (some, h, chunk) => here(some, { ...h, gramStore: hooks.gramStore }, chunk) });
    const onSession = (head: NativeHead) => ascendNative(head, pairs, ascentSettings, hooks).finally(() => head.session.release?.());
    const onLanes = async ({ graph, crew }: { graph: StepGraph; crew: Worker[] }) => {
      const results = await ascendOnLanes(graph, crew, pairs, ascentSettings, hooks);
      if (results) return results;
      // A lane worker could not make its session: one session here, on every core.
      const head = await openSession(graph, threadsFor(settings.workers));
      if ('unsupported' in head) throw new Error(head.unsupported);
      notes.push(`the direct ascent ran in one session: a lane worker thread could not start`);
      return onSession(head);
    };
    const run = async () => (lanes ? onLanes(lanes) : native ? onSession(native) : ((await onWorkers) ?? here(pairs, hooks)));
    // Cancelled: the classes whose restarts all finished are kept, as a partial result.
    let done: PairResult[];
    let cancelled = false;
    try {
      done = await run();
    } catch (err) {
      if (!(err instanceof AscentCancelled)) throw err;
      done = err.done;
      cancelled = true;
    }
    mark('ascent');
    const leaked = tf.memory().numTensors - kept() - tensorsBefore;
    if (leaked !== 0) notes.push(`internal: ${leaked} tensors not freed by the ascent`);

    const byClass = new Map<number, PairResult[]>();
    for (const r of done) byClass.set(r.cls, [...(byClass.get(r.cls) ?? []), r]);
    const finished = classes.filter((cls) => byClass.get(cls)?.length === settings.restarts);
    if (cancelled && !finished.length) throw new CancelledError('analysis cancelled before any class had all its restarts done');
    // Every statistic below (OFIV, similarity, feature order) is over the classes kept.
    let partial = cancelled && finished.length < classes.length ? partialOf(finished, classes, done, pairs.length) : undefined;
    classes = finished;
    if (partial) notes.unshift(`${partialText(partial)}: the classes whose restarts all finished; the class similarity and the feature order are over them only`);
    const classResults: ClassResult[] = classes.map((cls) => {
      const runs = byClass.get(cls)!.sort((a, b) => a.restart - b.restart);
      const fiv = runs.map((r) => r.fiv);
      const scores = runs.map((r) => r.score);
      const stats = classStatistics(fiv, scores, settings);
      return {
        index: cls,
        name: classNames[cls],
        output: slots[cls].output,
        unit: slots[cls].unit,
        scores,
        objectives: runs.map((r) => r.objective),
        iterations: runs.map((r) => r.iterations),
        ...stats,
        ...(keepTrace ? { traces: runs.map((r) => r.trace!) } : {}),
        ...(settings.keepFeatureMaps ? { featureMaps: runs.map((r) => Array.from(r.featureMap!)) } : {}),
      };
    });

    const single = classResults.filter((c) => sameOptimum(c.fiv, c.scores));
    if (single.length && settings.restarts > 1) {
      const which = single.length === classResults.length ? (classResults.length === 1 ? `class ${single[0].name}` : `all ${single.length} classes`) : `${single.length} classes (${single.slice(0, 5).map((c) => c.name).join(', ')}${single.length > 5 ? ', …' : ''})`;
      notes.push(`every restart of ${which} ends at the same point with the same score: the head is linear, or locally linear, around one optimum, so the restarts show no spread and no non-additive features`);
    }

    // Names, filter PWMs and model-derived logos (--feature-logos), after the ascent: the logos follow its ranking.
    let features: FeatureInfo[];
    if (partial) features = await partialFeatures(input.loaded, layerIndex, head.channels, classResults, settings, notes);
    else {
      try {
        features = await buildFeatures(input.loaded, layerIndex, head.channels, classResults, settings, notes, hooks);
      } catch (err) {
        // Stopped while the logos were sampled: like a stop during the ascent, what is done is
        // kept (every class), without the model-derived logos, and marked partial.
        if (!(err instanceof CancelledError)) throw err;
        partial = partialOf(classes, classes, done, pairs.length);
        notes.unshift(`${partialText(partial)} while the sequence logos were sampled: every class's ascent had finished`);
        features = await partialFeatures(input.loaded, layerIndex, head.channels, classResults, settings, notes);
      }
    }
    mark('features and logos');
    const ofivs = classResults.map((c) => c.ofiv);
    const featureProfiles = features.map((_, k) => ofivs.map((o) => o[k]));
    const featureOrder =
      classResults.length > 1 ? correlationOrder(featureProfiles) : features.map((_, k) => k).sort((a, b) => ofivs[0][b] - ofivs[0][a]);

    const labelColumns = input.labels?.columns;
    const results: Results = {
      schemaVersion: SCHEMA_VERSION,
      tool: { name: 'deepresolve', version: TOOL_VERSION, tfjs: TFJS_VERSIONS },
      createdAt: new Date().toISOString(),
      backend,
      settings: { ...settings, chunkSize, ascentUsed, ascentEngine },
      model: {
        name: input.loaded.name,
        path: input.loaded.path,
        format: input.loaded.format,
        inputShape: (model.inputs[0].shape as (number | null)[]).slice(1),
        numClasses: head.numClasses,
        strippedActivation: head.strippedActivation,
        outputs: head.outputs.map((o) => ({
          name: o.name,
          layer: o.layerName,
          shape: o.shape,
          units: o.units,
          classes: [o.classStart, o.classStart + o.units - 1] as [number, number],
          strippedActivation: o.strippedActivation,
          summary: o.summary,
        })),
        layer: {
          name: layer.name,
          index: layerIndex,
          className: layer.getClassName(),
          shape: head.featureShape,
          positions: head.positions,
          channels: head.channels,
        },
      },
      features,
      featureOrder,
      classes: classResults,
      similarity: { method: 'pearson', ...matrixOver(classes, ofivs) },
      ...(labelColumns
        ? {
            labelCorrelation: {
              method: 'pearson',
              samples: input.labels!.samples ?? labelColumns[0].length,
              source: input.labelsFile,
              ...matrixOver(classes, classes.map((c) => labelColumns[c])),
            },
          }
        : {}),
      timing: { seconds: (Date.now() - started) / 1000, pairs: done.length, iterations: done.reduce((a, r) => a + r.iterations, 0) },
      notes,
      ...(partial ? { partial } : {}),
    };

    return results;
  } finally {
    head.dispose();
    dense?.dispose();
  }
}
