/**
 * A Keras architecture (Keras 1, 2 or 3; Sequential or functional) → a TF.js topology plus the
 * plan for converting its weights. Channels-first models (Keras 1 dim_ordering 'th', Keras 2
 * data_format 'channels_first') are presented to TF.js as channels-last, so the engine always
 * sees feature maps as positions × channels.
 */
import { UserError } from '../errors';
import { embeddingInput } from './embedding-input';
import { fmt } from './input-layout';
import { type Dim, type InboundRef, type Json, MODEL_CLASSES, allLayers, containerLayers, declaredShape, flatGraph, isObj, layerName } from './keras-graph';
import { OTHER_CONVOLUTIONS, Refusal, SPATIAL, SUPPORTED_LAYERS, dataFormat, kerasClass, translateLayer } from './keras-layers';
import { shown } from './shown';

/** How one layer's weights are converted from the file's layout to TF.js's. */
export interface WeightPlan {
  kind: 'conv1d' | 'conv2d' | 'dense' | 'recurrent' | 'bidirectional' | 'attention' | 'plain';
  /** Keras 1 Theano-ordered Convolution2D: kernel stored (filters, in, rows, cols). */
  theanoKernelLayout?: boolean;
  /** Kernel trained as a true convolution (Theano): flip the spatial axes for TF.js. */
  flip?: boolean;
  /** Dense fed by a Flatten of a channels-first map: its rows follow channels-first order. */
  rowsFromChannelsFirstFlatten?: string;
  /** A layer after a channels-first Flatten that cannot be permuted: the Flatten must be trivial. */
  needsTrivialFlatten?: string;
  /** Recurrent class, for Keras 1 weight layouts. */
  recurrentClass?: string;
}

export interface ArchLayer {
  name: string;
  /** Class as written in the file. */
  fileClass: string;
  className: string;
  config: Json;
  inbound: InboundRef[][];
  plan: WeightPlan;
  /** Where its weights are in the file: names from the outermost model down (keras-graph.ts). */
  origin: string[];
  /** Its Keras 3 weight-group keys. */
  v3: string[];
}

export interface Arch {
  kind: 'sequential' | 'functional';
  name: string;
  kerasMajor: number;
  layers: ArchLayer[];
  inputLayers: [string, number, number][];
  outputLayers: [string, number, number][];
  /** Input shape (without batch) as declared in the file. */
  declaredInput: Dim[];
  /** Input shape TF.js builds (channels-last), before an unspecified length is filled in. */
  input: Dim[];
  channelsFirst: boolean;
  notes: string[];
}

function looksKeras1(layers: Json[]): boolean {
  const k1Keys = ['nb_filter', 'output_dim', 'border_mode', 'dim_ordering', 'filter_length', 'subsample_length', 'inner_activation'];
  return layers.some((l) => {
    const cls = String(l.class_name);
    const cfg = isObj(l.config) ? l.config : {};
    return /^Convolution|^Atrous|^Merge$/.test(cls) || k1Keys.some((k) => k in cfg) || (cls === 'Dropout' && 'p' in cfg);
  });
}

/**
 * A corrupt architecture can hold anything where a layer's class or name belongs; refuse it here,
 * before such a value reaches a message as "undefined" or "[object Object]".
 */
function checkLayerFields(layers: Json[], file: string): void {
  layers.forEach((l, i) => {
    if (typeof l.class_name !== 'string' || !l.class_name) {
      throw new UserError(`${file}: layer ${i + 1} of the architecture has no class name (found ${shown(l.class_name)}; corrupt file?)`);
    }
    for (const name of [isObj(l.config) ? l.config.name : undefined, l.name]) {
      if (name !== undefined && name !== null && typeof name !== 'string') {
        throw new UserError(`${file}: layer ${i + 1} (${l.class_name}) has a name that is not text (${shown(name)}; corrupt file?)`);
      }
    }
    // Wrappers (Bidirectional) hold their layer in config.layer.
    if (isObj(l.config) && isObj(l.config.layer)) checkLayerFields([l.config.layer], file);
  });
}

/** Parses the file's architecture JSON (already decoded) into an Arch, refusing what cannot be loaded. */
export function parseArchitecture(raw: unknown, file: string, hints: { kerasVersion?: string; backend?: string } = {}): Arch {
  if (!isObj(raw) || typeof raw.class_name !== 'string') throw new UserError(`${file}: not a Keras model architecture (no class_name)`);
  const top = raw.class_name;
  if (!['Sequential', 'Model', 'Functional'].includes(top)) {
    throw new UserError(`${file}: the model class '${top}' is a custom object (a subclassed model) and cannot be loaded without running its code`);
  }
  // Every layer, nested models' included: the version guess and the refusals look at all of them.
  const rawLayers = allLayers(raw);
  checkLayerFields(rawLayers, file);
  if (!containerLayers(raw).length) throw new UserError(`${file}: the architecture has no layers`);
  const version = hints.kerasVersion ?? (typeof raw.keras_version === 'string' ? raw.keras_version : undefined);
  const kerasMajor = version
    ? Number(version.split('.')[0]) || 2
    : 'module' in raw || rawLayers.some((l) => 'module' in l)
      ? 3
      : looksKeras1(rawLayers)
        ? 1
        : 2;
  const backend = hints.backend ?? (typeof raw.backend === 'string' ? raw.backend : undefined);
  const notes: string[] = [];

  // Refusals that concern the whole file come first: code, custom objects, unknown layers.
  const unsupported = new Set<string>();
  for (const l of rawLayers) {
    const cls = String(l.class_name);
    const name = layerName(l);
    if (cls === 'Lambda') throw new UserError(`${file}: layer '${name}' is a Lambda layer, which holds Python code; refused, because loading a model never executes code from the file`);
    const registered = l.registered_name;
    const custom = typeof registered === 'string' && registered !== cls && registered.includes('>');
    if (custom || (typeof l.module === 'string' && !l.module.startsWith('keras'))) {
      throw new UserError(`${file}: layer '${name}' is a custom object ('${String(registered ?? cls)}'); refused, because loading a model never executes code from the file`);
    }
    if (MODEL_CLASSES.has(cls)) continue; // inlined below
    if (!kerasClass(cls) || cls === 'OneHotEmbedding') unsupported.add(cls);
    if (cls === 'Bidirectional' && isObj(l.config) && isObj(l.config.layer)) {
      const inner = String(l.config.layer.class_name);
      if (!['LSTM', 'GRU', 'SimpleRNN'].includes(inner)) unsupported.add(`Bidirectional(${inner})`);
    }
  }
  if (unsupported.size) {
    throw new UserError(`${file}: unsupported layer types: ${[...unsupported].join(', ')} (supported: ${SUPPORTED_LAYERS.join(', ')})`);
  }

  // One flat graph: nested models inlined, shared layers copied per call; an input Embedding made one-hot.
  const graph = flatGraph(raw, file);
  notes.push(...graph.notes, ...embeddingInput(graph, file));
  const kind = graph.kind;
  const inputLayers = graph.inputLayers;
  const outputLayers = graph.outputLayers;
  if (inputLayers.length > 1) {
    throw new UserError(`${file}: the model has ${inputLayers.length} inputs (${inputLayers.map((r) => r[0]).join(', ')}); models with more than one input are not supported yet`);
  }
  const first = graph.layers.find((l) => kind === 'sequential' || l.name === inputLayers[0]?.[0]);
  const declaredInput = first && isObj(first.raw.config) ? declaredShape(first.raw.config) : undefined;
  if (!declaredInput) throw new UserError(`${file}: the architecture does not declare its input shape`);

  const channelsFirst = graph.layers.some((l) => SPATIAL.has(kerasClass(l.className) ?? '') && isObj(l.raw.config) && dataFormat(l.raw.config) === 'channels_first');
  // Theano convolves (flips kernels); Keras 1 files do not record the backend, but 'th' ordering was Theano's.
  const theano = backend === 'theano' || (backend === undefined && kerasMajor === 1 && channelsFirst);
  if (theano) notes.push(`kernels were trained by Theano (true convolution); flipped for TF.js${backend ? '' : " (inferred from Keras 1 dim_ordering 'th')"}`);
  let input = declaredInput;
  if (channelsFirst && declaredInput.length >= 2) {
    input = [...declaredInput.slice(1), declaredInput[0]];
    notes.push(`channels-first input ${fmt(declaredInput)} presented as channels-last ${fmt(input)}`);
  }

  // Translate layer by layer, following the data through the graph to convert channels-first maps.
  type State = { cf: boolean; flattenedCf?: string };
  const states = new Map<string, State>();
  const layers: ArchLayer[] = [];
  let previous: State = { cf: channelsFirst && declaredInput.length >= 2 };
  const refuse = (msg: string): never => {
    throw new UserError(`${file}: ${msg}`);
  };
  for (const g of graph.layers) {
    const fileClass = g.className;
    const lcfg = isObj(g.raw.config) ? g.raw.config : {};
    const name = g.name;
    const cls = kerasClass(fileClass) as string;
    const inbound = g.inbound;
    const where = { origin: g.origin, v3: g.v3 };
    const inState = kind === 'functional' ? (inbound[0] ?? []).map((r) => states.get(r[0]) ?? { cf: false }) : [previous];
    if (cls === 'InputLayer') {
      const s: State = { cf: channelsFirst && declaredInput.length >= 2 };
      states.set(name, s);
      layers.push({ name, fileClass, className: 'InputLayer', config: { name, batch_input_shape: [null, ...input], dtype: 'float32', sparse: false }, inbound, plan: { kind: 'plain' }, ...where });
      previous = s;
      continue;
    }
    let translated: { className: string; config: Json };
    const plan: WeightPlan = { kind: 'plain' };
    try {
      if (cls === 'Bidirectional') {
        const innerRaw = lcfg.layer as Json;
        const innerCls = kerasClass(String(innerRaw.class_name)) as string;
        const innerCfg = isObj(innerRaw.config) ? innerRaw.config : {};
        const inner = translateLayer(innerCls, innerCfg, String(innerCfg.name ?? `${name}_inner`), kerasMajor);
        const mergeMode = lcfg.merge_mode === null ? null : String(lcfg.merge_mode ?? 'concat');
        translated = { className: 'Bidirectional', config: { name, trainable: true, merge_mode: mergeMode, layer: { class_name: inner.className, config: inner.config } } };
        plan.kind = 'bidirectional';
        plan.recurrentClass = inner.className;
      } else {
        translated = translateLayer(cls, lcfg, name, kerasMajor);
      }
    } catch (err) {
      if (err instanceof Refusal) refuse(err.message);
      throw err;
    }
    const out = translated.className;
    const cfIn = inState.some((s) => s.cf);
    const flattened = inState.find((s) => s.flattenedCf)?.flattenedCf;
    let state: State = { cf: cfIn };
    if (SPATIAL.has(out)) {
      const fmtIn = dataFormat(lcfg) ?? (kerasMajor === 1 && out.endsWith('1D') ? 'channels_last' : undefined);
      if (cfIn && fmtIn !== 'channels_first' && !(kerasMajor === 1 && out.endsWith('1D'))) refuse(`layer '${name}' mixes channels-last with a channels-first model, which is not supported`);
      if (out.startsWith('Global')) state = { cf: false };
      if (out === 'Conv1D' || out === 'Conv2D') {
        plan.kind = out === 'Conv1D' ? 'conv1d' : 'conv2d';
        plan.flip = theano;
        plan.theanoKernelLayout = kerasMajor === 1 && out === 'Conv2D' && dataFormat(lcfg) === 'channels_first';
      }
      if (theano && OTHER_CONVOLUTIONS.has(out)) refuse(`layer '${name}' (${fileClass}) was trained by Theano, whose kernel orientation for it is not supported`);
    } else if (out === 'BatchNormalization' && cfIn) {
      if (translated.config.axis !== 1) refuse(`layer '${name}' normalises axis ${String(translated.config.axis)} of a channels-first map, which cannot be converted`);
      translated.config.axis = -1;
    } else if (out === 'Concatenate' && cfIn) {
      if (translated.config.axis !== 1) refuse(`layer '${name}' concatenates axis ${String(translated.config.axis)} of a channels-first map, which cannot be converted`);
      translated.config.axis = -1;
    } else if (out === 'Softmax' && cfIn) {
      refuse(`layer '${name}' (Softmax) on a channels-first map cannot be converted`);
    } else if (out === 'Flatten') {
      // Keras 2's Flatten(data_format='channels_first') already flattens in channels-last order.
      state = { cf: false, flattenedCf: cfIn && dataFormat(lcfg) !== 'channels_first' ? name : undefined };
    } else if (['Dropout', 'Activation', 'ReLU', 'LeakyReLU', 'ELU'].includes(out)) {
      state = { cf: cfIn, flattenedCf: flattened };
    } else if (cfIn) {
      refuse(`layer '${name}' (${fileClass}) on a channels-first map cannot be converted to channels-last`);
    }
    if (out === 'Dense') {
      plan.kind = 'dense';
      if (flattened) plan.rowsFromChannelsFirstFlatten = flattened;
    } else if (flattened && !['Flatten', 'Dropout', 'Activation', 'ReLU', 'LeakyReLU', 'ELU'].includes(out)) {
      plan.needsTrivialFlatten = flattened;
    }
    if (['LSTM', 'GRU', 'SimpleRNN'].includes(out)) {
      plan.kind = 'recurrent';
      plan.recurrentClass = out;
    }
    if (out === 'MultiHeadAttention') plan.kind = 'attention';
    states.set(name, state);
    previous = state;
    layers.push({ name, fileClass, className: out, config: translated.config, inbound, plan, ...where });
  }
  return { kind, name: graph.name, kerasMajor, layers, inputLayers, outputLayers, declaredInput, input, channelsFirst, notes };
}

/** The TF.js topology (Keras-2 JSON) for an Arch, with the input shape `input` (length filled in). */
export function tfjsTopology(arch: Arch, input: Dim[]): Json {
  if (arch.kind === 'sequential') {
    const layers = arch.layers.filter((l) => l.className !== 'InputLayer').map((l) => ({ class_name: l.className, config: { ...l.config } }));
    if (!layers.length) throw new UserError('the model has no layers besides its input');
    layers[0].config.batch_input_shape = [null, ...input];
    return { class_name: 'Sequential', config: { name: arch.name, layers } };
  }
  return {
    class_name: 'Model',
    config: {
      name: arch.name,
      layers: arch.layers.map((l) => ({
        name: l.name,
        class_name: l.className,
        config: l.className === 'InputLayer' ? { ...l.config, batch_input_shape: [null, ...input] } : l.config,
        inbound_nodes: l.inbound,
      })),
      input_layers: arch.inputLayers,
      output_layers: arch.outputLayers,
    },
  };
}
