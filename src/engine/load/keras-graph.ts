/**
 * A Keras model's layers as one flat graph the engine can analyse (its head follows one call of
 * each layer): nested models (a Sequential or functional model used as a layer) are inlined, their
 * layers named `<model>/<layer>`; a layer or nested model called more than once (shared, as
 * reverse-complement models do) becomes one copy per call, the first keeping the name and the
 * k-th named `<name>_<k>` (the next free `<name>_<n>` if the file already uses that name), all
 * reading the same weights. Keras 3 call nodes are rewritten to the Keras 2 form, and calls the
 * engine cannot run (masks, cross-attention, extra tensor arguments) are refused here.
 *
 * Works on the architecture JSON as the file holds it (Keras 1, 2 or 3, or a TF.js topology,
 * which is Keras 2 JSON), before any translation; each layer keeps where its weights are: the
 * names leading to it in the file (`origin`) and its Keras 3 weight-group keys (`v3`).
 */
import { UserError } from '../errors';

export type Json = Record<string, unknown>;
export type Dim = number | null;
export type Ref = [string, number, number];
export type InboundRef = [string, number, number, Json];

export interface GraphLayer {
  /** The layer's JSON (class_name, config, …), named with `name`; inbound nodes are held apart. */
  raw: Json;
  name: string;
  className: string;
  /** At most one node (one call) once the graph is flat. */
  inbound: InboundRef[][];
  /** Names from the outermost model down to the layer, as in the file (a copy has its original's). */
  origin: string[];
  /** Keras 3 weight-group keys from the model's layer container down to the layer. */
  v3: string[];
}

export interface Graph {
  kind: 'sequential' | 'functional';
  name: string;
  layers: GraphLayer[];
  inputLayers: Ref[];
  outputLayers: Ref[];
  /** What the flattening changed, for the model's notes. */
  notes: string[];
}

export const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);
export const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function layerName(l: Json): string {
  return String((isObj(l.config) && l.config.name) ?? l.name ?? l.class_name);
}

/** The layer list of a model's JSON (Keras 1 Sequential: the config is the list). */
export function containerLayers(model: Json): Json[] {
  const cfg = model.config;
  return (Array.isArray(cfg) ? cfg : isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers : []).filter(isObj);
}

/** Every layer of a model, those of nested models included (after the nested model itself). */
export function allLayers(model: Json): Json[] {
  return containerLayers(model).flatMap((l) => (MODEL_CLASSES.has(String(l.class_name)) ? [l, ...allLayers(l)] : [l]));
}

/** Keras 3's naming of a layer's weight group: the class name in snake case. */
export function snake(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Input shape (without batch) from a first layer's config, or undefined. */
export function declaredShape(cfg: Json): Dim[] | undefined {
  const batch = cfg.batch_input_shape ?? cfg.batch_shape;
  if (Array.isArray(batch)) return batch.slice(1) as Dim[];
  if (Array.isArray(cfg.input_shape)) return cfg.input_shape as Dim[];
  if (cfg.input_dim !== undefined && cfg.input_dim !== null) {
    // Keras 1 recurrent/conv1d layers could declare input_length + input_dim instead.
    return 'input_length' in cfg ? [(cfg.input_length as Dim) ?? null, Number(cfg.input_dim)] : [Number(cfg.input_dim)];
  }
  return undefined;
}

/** The input shape a model declares: its input layer's, or its first layer's (nested models followed). */
function modelInputShape(model: Json): Dim[] | undefined {
  const layers = containerLayers(model);
  const cfg = isObj(model.config) ? model.config : {};
  const inputName = refList(cfg.input_layers)[0]?.[0];
  const first = (inputName !== undefined && layers.find((l) => layerName(l) === inputName)) || layers[0];
  if (!first) return undefined;
  if (MODEL_CLASSES.has(String(first.class_name))) return modelInputShape(first);
  return isObj(first.config) ? declaredShape(first.config) : undefined;
}

export function refList(v: unknown): Ref[] {
  if (!Array.isArray(v)) return [];
  if (v.length && !Array.isArray(v[0])) return [[String(v[0]), Number(v[1] ?? 0), Number(v[2] ?? 0)]];
  return v.map((r) => [String(r[0]), Number(r[1] ?? 0), Number(r[2] ?? 0)]);
}

const isRef = (v: unknown): v is Ref => Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';

/** A Keras 3 tensor ({class_name: '__keras_tensor__', config: {keras_history}}) as a ref. */
function kerasTensor(a: unknown): Ref | null {
  if (!isObj(a) || a.class_name !== '__keras_tensor__' || !isObj(a.config) || !Array.isArray(a.config.keras_history)) return null;
  const h = a.config.keras_history;
  return [String(h[0]), Number(h[1]), Number(h[2])];
}

/** A structure with its Keras 3 tensors replaced by refs. */
function withRefs(v: unknown): unknown {
  const ref = kerasTensor(v);
  if (ref) return ref;
  if (Array.isArray(v)) return v.map(withRefs);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withRefs(x)]));
  return v;
}

/**
 * A layer's call nodes in the Keras 2 form [[name, node, tensor, kwargs], …]. A Keras 3 node
 * ({args, kwargs}) gives the tensors of its first argument; its other arguments go into the
 * kwargs (positional ones as `args`), tensors as refs, as Keras 2 writes them.
 */
function inboundNodes(raw: unknown, layer: string, file: string): InboundRef[][] {
  if (!Array.isArray(raw)) return [];
  return raw.map((node) => {
    if (Array.isArray(node)) return node.map((ref) => [String(ref[0]), Number(ref[1] ?? 0), Number(ref[2] ?? 0), isObj(ref[3]) ? ref[3] : {}] as InboundRef);
    if (isObj(node) && Array.isArray(node.args)) {
      const refs: Ref[] = [];
      const visit = (a: unknown) => {
        const ref = kerasTensor(a);
        if (ref) refs.push(ref);
        else if (Array.isArray(a)) a.forEach(visit);
      };
      visit(node.args[0]);
      const extra: Json = isObj(node.kwargs) ? (withRefs(node.kwargs) as Json) : {};
      if (node.args.length > 1) extra.args = withRefs(node.args.slice(1));
      return refs.map((r) => [...r, extra] as InboundRef);
    }
    throw new UserError(`${file}: layer '${layer}' has inbound connections this version cannot read`);
  });
}

/** Refs to layers of `names` anywhere in a call's keyword arguments. */
function tensorArguments(v: unknown, names: Set<string>): Ref[] {
  if (isRef(v) && names.has(v[0])) return [v];
  if (Array.isArray(v)) return v.flatMap((x) => tensorArguments(x, names));
  if (isObj(v)) return Object.values(v).flatMap((x) => tensorArguments(x, names));
  return [];
}

/**
 * A MultiHeadAttention call as self-attention on its query: value and key (if given) must be the
 * query tensor, and no mask may be given; refused otherwise. Returns the node with the query only.
 */
function selfAttention(node: InboundRef[], layer: string, file: string): InboundRef[] {
  const refuse = (why: string): never => {
    throw new UserError(`${file}: layer '${layer}' (MultiHeadAttention) ${why}; only self-attention (query = value = key, one tensor) without masks is supported`);
  };
  if (node.length !== 1) refuse(`is called on ${node.length} query tensors`);
  const [query] = node;
  const kw = query[3] ?? {};
  const args = Array.isArray(kw.args) ? kw.args : [];
  const same = (v: unknown) => v === undefined || v === null || (isRef(v) && v[0] === query[0] && v[1] === query[1] && v[2] === query[2]);
  if (!same(kw.value ?? args[0]) || !same(kw.key ?? args[1])) refuse('attends from one tensor to another (cross-attention)');
  for (const [k, v] of Object.entries(kw)) {
    if (/mask$/.test(k) && v !== null && v !== false && v !== undefined) refuse(k === 'use_causal_mask' ? 'uses a causal mask' : `is given a mask (${k})`);
  }
  if (args.slice(2).some((v) => v !== null && v !== undefined && v !== false)) refuse('is given a mask');
  if (kw.return_attention_scores === true) refuse('returns its attention scores');
  return [[query[0], query[1], query[2], {}]];
}

interface Entry {
  raw: Json;
  name: string;
  cls: string;
  nodes: InboundRef[][];
  key: string;
}

const MARK = '\u0000input';
const isMark = (r: Ref | InboundRef) => r[0] === MARK;

interface Context {
  file: string;
  /** Prefix of this container's layer names ('' at the top, 'tower/' inside nested model tower). */
  prefix: string;
  origin: string[];
  v3: string[];
  nested: boolean;
  taken: Set<string>;
  notes: string[];
}

/** The first of `<base>`, `<base>_<from>`, `<base>_<from + 1>`, … not yet taken (claimed). */
function claim(taken: Set<string>, base: string, from?: number): string {
  let name = from === undefined ? base : `${base}_${from}`;
  for (let n = (from ?? 1) + 1; taken.has(name); n++) name = `${base}_${n}`;
  taken.add(name);
  return name;
}

/** A container's entries with their call nodes (a Sequential chained, an input layer added if it has none). */
function entries(model: Json, ctx: Context): { list: Entry[]; inputs: string[]; outputs: Ref[] } {
  const raws = containerLayers(model);
  const used = new Map<string, number>();
  const key = (cls: string) => {
    const base = snake(cls);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return n === undefined ? base : `${base}_${n + 1}`;
  };
  const list: Entry[] = raws.map((raw) => ({ raw, name: layerName(raw), cls: String(raw.class_name), nodes: [], key: key(String(raw.class_name)) }));
  if (model.class_name === 'Sequential') {
    if (!list.length) throw new UserError(`${ctx.file}: the nested model '${ctx.prefix}' has no layers`);
    if (list[0].cls !== 'InputLayer') {
      const names = new Set(list.map((e) => e.name));
      const name = claim(names, `${list[0].name}_input`);
      const shape = modelInputShape(model);
      const config: Json = shape ? { name, batch_input_shape: [null, ...shape] } : { name };
      list.unshift({ raw: { class_name: 'InputLayer', config }, name, cls: 'InputLayer', nodes: [], key: '' });
    }
    for (let i = 1; i < list.length; i++) list[i].nodes = [[[list[i - 1].name, 0, 0, {}]]];
    return { list, inputs: [list[0].name], outputs: [[list[list.length - 1].name, 0, 0]] };
  }
  const names = new Set(list.map((e) => e.name));
  for (const e of list) {
    e.nodes = inboundNodes(e.raw.inbound_nodes, ctx.prefix + e.name, ctx.file);
    if (e.cls === 'MultiHeadAttention') e.nodes = e.nodes.map((n) => selfAttention(n, ctx.prefix + e.name, ctx.file));
    else if (e.nodes.some((n) => n.some((r) => tensorArguments(r[3], names).length))) {
      throw new UserError(`${ctx.file}: layer '${ctx.prefix + e.name}' is called with more than one tensor argument, which is not supported`);
    }
  }
  const cfg = isObj(model.config) ? model.config : {};
  return { list, inputs: refList(cfg.input_layers).map((r) => r[0]), outputs: refList(cfg.output_layers) };
}

/** The flat layers of one container; refs to its inputs are marks [MARK, input index, 0] when nested. */
function inline(model: Json, ctx: Context): { layers: GraphLayer[]; outputs: Ref[] } {
  const { list, inputs, outputs } = entries(model, ctx);
  const byName = new Map(list.map((e) => [e.name, e]));
  for (const e of list) if (!(ctx.nested && e.cls === 'InputLayer')) ctx.taken.add(ctx.prefix + e.name);

  // Pass 1: names of every call; nested models inlined once per call.
  const callNames = new Map<string, string[]>();
  const calls = new Map<string, { layers: GraphLayer[]; outputs: Ref[] }[]>();
  for (const e of list) {
    if (e.cls === 'InputLayer') continue;
    const count = Math.max(1, e.nodes.length);
    const base = ctx.prefix + e.name;
    const names = Array.from({ length: count }, (_, c) => (c === 0 ? base : claim(ctx.taken, base, c + 1)));
    callNames.set(e.name, names);
    if (MODEL_CLASSES.has(e.cls)) {
      calls.set(
        e.name,
        names.map((prefix) => inline(e.raw, { ...ctx, prefix: `${prefix}/`, origin: [...ctx.origin, e.name], v3: [...ctx.v3, e.key], nested: true })),
      );
      ctx.notes.push(
        count > 1
          ? `nested model '${base}' is called ${count} times: inlined once per call, its layers named ${names.map((n) => `'${n}/…'`).join(', ')} (same weights)`
          : `nested model '${base}' inlined: its layers are named '${base}/<layer>'`,
      );
    } else if (count > 1) {
      ctx.notes.push(`layer '${base}' is shared (called ${count} times): one copy per call with the same weights (${names.map((n) => `'${n}'`).join(', ')})`);
    }
  }

  // Keras and TF.js number the calls of a nested model built on its own input from 1 in
  // references (its node 0 links its own input to its output), Keras 3 Sequential models from 0.
  const offsets = new Map<string, number>();
  const refs = [...list.flatMap((e) => e.nodes.flat()), ...outputs];
  for (const e of list) {
    if (!MODEL_CLASSES.has(e.cls)) continue;
    const used = refs.filter((r) => r[0] === e.name).map((r) => r[1]);
    const count = Math.max(1, e.nodes.length);
    const offset = used.some((n) => n >= count) ? 1 : 0;
    if (offset && used.includes(0)) throw new UserError(`${ctx.file}: the references to nested model '${ctx.prefix + e.name}' do not match its ${count} call(s)`);
    offsets.set(e.name, offset);
  }

  // Pass 2: every ref in this container's names → a ref to a flat layer (or a mark of an input).
  const resolve = (ref: Ref | InboundRef): Ref => {
    const [name, node, tensor] = ref;
    const e = byName.get(name);
    if (!e) throw new UserError(`${ctx.file}: a layer refers to '${ctx.prefix + name}', which the architecture lacks`);
    if (e.cls === 'InputLayer') {
      if (!ctx.nested) return [ctx.prefix + name, 0, tensor];
      const i = inputs.indexOf(name);
      if (i < 0) throw new UserError(`${ctx.file}: nested model '${ctx.prefix.slice(0, -1)}' uses input layer '${name}', which is not among its inputs`);
      return [MARK, i, 0];
    }
    const call = node - (offsets.get(name) ?? 0);
    const target = MODEL_CLASSES.has(e.cls) ? calls.get(name)?.[call]?.outputs[tensor] : ([callNames.get(name)?.[call], 0, tensor] as Ref);
    if (!target || target[0] === undefined) throw new UserError(`${ctx.file}: a layer refers to call ${node} of '${ctx.prefix + name}', which does not exist`);
    // A nested model whose output is one of its inputs passes the caller's tensor through.
    return isMark(target) ? resolve(e.nodes[call][target[1]]) : target;
  };

  const layers: GraphLayer[] = [];
  for (const e of list) {
    const origin = [...ctx.origin, e.name];
    const v3 = [...ctx.v3, e.key];
    if (e.cls === 'InputLayer') {
      if (!ctx.nested) layers.push({ raw: renamed(e.raw, ctx.prefix + e.name), name: ctx.prefix + e.name, className: e.cls, inbound: [], origin, v3 });
      continue;
    }
    const names = callNames.get(e.name)!;
    names.forEach((name, c) => {
      const node = e.nodes[c];
      if (MODEL_CLASSES.has(e.cls)) {
        const inner = calls.get(e.name)![c];
        for (const l of inner.layers) {
          const inbound = l.inbound.map((n) =>
            n.map((r) => {
              if (!isMark(r)) return r;
              if (!node?.[r[1]]) throw new UserError(`${ctx.file}: nested model '${name}' takes ${r[1] + 1} or more inputs and is called with ${node?.length ?? 0}`);
              return [...resolve(node[r[1]]), r[3]] as InboundRef;
            }),
          );
          layers.push({ ...l, inbound });
        }
      } else {
        layers.push({ raw: renamed(e.raw, name), name, className: e.cls, inbound: node ? [node.map((r) => [...resolve(r), r[3] ?? {}] as InboundRef)] : [], origin, v3 });
      }
    });
  }
  return { layers, outputs: outputs.map((r) => resolve(r)) };
}

function renamed(raw: Json, name: string): Json {
  const copy: Json = { ...raw, config: isObj(raw.config) ? { ...raw.config, name } : { name } };
  if ('name' in raw) copy.name = name;
  delete copy.inbound_nodes;
  return copy;
}

/** Layers in an order where every layer comes after its inputs (the file's order where it allows). */
function topological(layers: GraphLayer[], file: string): GraphLayer[] {
  const placed = new Set<string>();
  const out: GraphLayer[] = [];
  let rest = layers;
  while (rest.length) {
    const ready = rest.filter((l) => l.inbound.every((n) => n.every((r) => placed.has(r[0]))));
    if (!ready.length) throw new UserError(`${file}: the layer graph has a cycle or a dangling connection (at layer '${rest[0].name}')`);
    for (const l of ready) {
      placed.add(l.name);
      out.push(l);
    }
    rest = rest.filter((l) => !placed.has(l.name));
  }
  return out;
}

/** The model's graph, flat: every layer called once, no nested model. */
export function flatGraph(model: Json, file: string): Graph {
  const cfg = isObj(model.config) ? model.config : {};
  const name = String(cfg.name || 'model');
  const raws = containerLayers(model);
  const sequential = model.class_name === 'Sequential';
  const nested = raws.some((l) => MODEL_CLASSES.has(String(l.class_name)));
  const shared = !sequential && raws.some((l) => Array.isArray(l.inbound_nodes) && l.inbound_nodes.length > 1);
  const ctx: Context = { file, prefix: '', origin: [], v3: [], nested: false, taken: new Set(), notes: [] };
  if (sequential && !nested) {
    // Stays a Sequential model (the layer indices users see do not move).
    const list = entries(model, ctx).list.filter((e) => e.key !== '');
    const layers = list.map((e) => ({ raw: renamed(e.raw, e.name), name: e.name, className: e.cls, inbound: [], origin: [e.name], v3: [e.key] }));
    return { kind: 'sequential', name, layers, inputLayers: [], outputLayers: [], notes: [] };
  }
  const { layers, outputs } = inline(model, ctx);
  const inputs = layers.filter((l) => l.className === 'InputLayer').map((l) => [l.name, 0, 0] as Ref);
  const declared = sequential ? inputs : refList(cfg.input_layers).map((r) => [r[0], 0, r[2]] as Ref);
  const notes = nested || shared ? ctx.notes : [];
  return { kind: 'functional', name, layers: topological(layers, file), inputLayers: declared, outputLayers: outputs, notes };
}

/** The graph as a Keras-2-style topology TF.js builds (its layers' JSON must already be TF.js's). */
export function graphTopology(graph: Graph): Json {
  if (graph.kind === 'sequential') return { class_name: 'Sequential', config: { name: graph.name, layers: graph.layers.map((l) => l.raw) } };
  return {
    class_name: 'Model',
    config: {
      name: graph.name,
      layers: graph.layers.map((l) => ({ ...l.raw, name: l.name, inbound_nodes: l.inbound })),
      input_layers: graph.inputLayers,
      output_layers: graph.outputLayers,
    },
  };
}
