/**
 * The outputs of a model as the analysis sees them: their names (as the file gives them), shapes,
 * final activations, the selection `--output NAME|all`, the summary of profile outputs
 * (`--positions A-B`) and the class list they make together. Pure symbolic work on the model's
 * graph: nothing is computed here (head.ts builds the head from it).
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { UserError } from './errors';
import type { OutputInfo } from './load/model';
import type { Layer } from './tfl-types';

/** What a profile output is reduced to per channel before the ascent. */
export interface OutputSummary {
  kind: 'sum';
  /** First and last position summed (0-based, inclusive), over the output's positions in row-major order. */
  positions: [number, number];
}

/** How the final sigmoid/softmax of an output is removed from the head. */
export interface FinalActivation {
  layer: Layer;
  activation: string;
  /** 'identity': an Activation/Softmax layer passes its input on; 'linear': a layer with a squashing activation runs as a linear copy. */
  mode: 'identity' | 'linear';
}

export interface ModelOutput {
  /** Index into model.outputs. */
  index: number;
  /** The name the user sees and passes to --output (LoadedModel.outputs[i].name, else the output layer's name). */
  name: string;
  /** The TF.js layer that produces the output. */
  layerName: string;
  tensor: SymbolicTensor;
  /** TF.js output shape without the batch axis. */
  shape: number[];
  /** Positions of a profile output (product of the axes between batch and channels); 1 for (N, units). */
  positions: number;
  /** Scores per row: channels of a profile output, units of an (N, units) output. */
  units: number;
  final: FinalActivation | null;
}

export interface SelectedOutput extends ModelOutput {
  /** Index of this output's first class in the combined class list. */
  classStart: number;
  /** The same among the units of all the model's outputs (what starts are drawn for). */
  seedStart: number;
  /** null: the output is (N, units) and analysed as it is. */
  summary: OutputSummary | null;
}

export interface OutputSelection {
  /** 'all' (default) or one output's name. */
  output?: string;
  /** `--positions A-B` as given (profile outputs only). */
  positions?: string;
  /** Names and layouts from the loader (LoadedModel.outputs). */
  info?: OutputInfo[];
}

const SQUASHING = new Set(['sigmoid', 'softmax']);
/** Layers that only move values around (or pass them on at inference): a final activation may sit before them. */
const SHAPE_ONLY = /^(Flatten|Reshape|Permute|Dropout|SpatialDropout[123]D|GaussianNoise|GaussianDropout|AlphaDropout)$/;

export function activationName(layer: Layer): string | null {
  const config = layer.getConfig() as { activation?: unknown };
  return typeof config.activation === 'string' ? config.activation : null;
}

export function onlyNode(layer: Layer) {
  if (layer.inboundNodes.length !== 1) {
    throw new UserError(`layer '${layer.name}' is used more than once in the model; shared layers are not supported in the head`);
  }
  return layer.inboundNodes[0];
}

export const isShapeOnly = (layer: Layer) => SHAPE_ONLY.test(layer.getClassName());

/** The final sigmoid/softmax of an output: its own layer's, or one before only shape-only layers (…→ sigmoid → Flatten). */
function finalActivation(output: SymbolicTensor): FinalActivation | null {
  let layer: Layer = output.sourceLayer;
  while (isShapeOnly(layer) && layer.inboundNodes.length === 1 && layer.inboundNodes[0].inputTensors.length === 1) {
    layer = layer.inboundNodes[0].inputTensors[0].sourceLayer;
  }
  const act = activationName(layer);
  if (layer.getClassName() === 'Softmax') return { layer, activation: 'softmax', mode: 'identity' };
  if (layer.getClassName() === 'Activation' && act && SQUASHING.has(act)) return { layer, activation: act, mode: 'identity' };
  if (act && SQUASHING.has(act)) return { layer, activation: act, mode: 'linear' };
  return null;
}

/** Every output of the model, in order. */
export function modelOutputs(model: LayersModel, info?: OutputInfo[]): ModelOutput[] {
  return model.outputs.map((tensor, index) => {
    const layerName = tensor.sourceLayer.name;
    const name = info?.[index]?.name || layerName;
    const full = tensor.shape;
    const shape = full.slice(1);
    if (shape.some((d) => d === null)) throw new UserError(`output '${name}' has an unspecified size ${shapeText(full)}; give the input length (--length)`);
    if (shape.length < 1 || shape.length > 3) {
      throw new UserError(`output '${name}' has shape ${shapeText(full)}; expected (N, classes), (N, positions, channels) or (N, H, W, channels)`);
    }
    const dims = shape as number[];
    const units = dims[dims.length - 1];
    const positions = dims.slice(0, -1).reduce((a, b) => a * b, 1);
    return { index, name, layerName, tensor, shape: dims, positions, units, final: finalActivation(tensor) };
  });
}

const shapeText = (shape: (number | null)[]) => `(${shape.map((d) => (d === null ? 'None' : d)).join(', ')})`;

/** Whether a word names this output (its own name or its TF.js layer's). */
const names = (o: ModelOutput, word: string) => o.name === word || o.layerName === word;

/** Parses `--positions A-B` (0-based, inclusive). */
export function parsePositions(spec: string): [number, number] {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(spec) ?? /^\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new UserError(`--positions expects A-B (0-based first and last position, inclusive), got '${spec}'`);
  const a = Number(m[1]);
  const b = Number(m[2] ?? m[1]);
  if (a > b) throw new UserError(`--positions ${spec}: the range is backwards (write ${b}-${a})`);
  return [a, b];
}

/** The outputs `selection` picks, with their summaries and where their classes start. */
export function selectOutputs(model: LayersModel, selection: OutputSelection = {}): SelectedOutput[] {
  const all = modelOutputs(model, selection.info);
  const wanted = selection.output?.trim() || 'all';
  let picked: ModelOutput[];
  if (wanted === 'all') picked = all;
  else {
    const found = all.find((o) => o.name === wanted) ?? all.find((o) => names(o, wanted));
    if (!found) throw new UserError(`--output ${wanted}: no such output (outputs: ${all.map((o) => o.name).join(', ')}, or all)`);
    picked = [found];
  }
  const window = selection.positions !== undefined && selection.positions.trim() !== '' ? parsePositions(selection.positions) : null;
  const profiles = picked.filter((o) => o.shape.length > 1);
  if (window) {
    if (!profiles.length) throw new UserError(`--positions ${selection.positions}: ${picked.length === 1 ? `output '${picked[0].name}' has` : 'the outputs have'} no length axis (it applies to profile outputs)`);
    for (const o of profiles) {
      if (window[1] >= o.positions) {
        throw new UserError(`--positions ${selection.positions}: output '${o.name}' has ${o.positions} positions (0-${o.positions - 1})`);
      }
    }
  }
  let start = 0;
  return picked.map((o) => {
    const summary: OutputSummary | null = o.shape.length > 1 ? { kind: 'sum', positions: window ?? [0, o.positions - 1] } : null;
    const seedStart = all.slice(0, o.index).reduce((a, p) => a + p.units, 0);
    const s = { ...o, classStart: start, seedStart, summary };
    start += o.units;
    return s;
  });
}

export interface ClassSlot {
  output: string;
  unit: number;
  /** `OUTPUT` for a one-unit output, `OUTPUT[i]` otherwise. */
  name: string;
}

/** The combined class list of the selected outputs: one class per unit (channel of a profile output). */
export function classSlots(outputs: { name: string; units: number }[]): ClassSlot[] {
  return outputs.flatMap((o) =>
    Array.from({ length: o.units }, (_, unit) => ({ output: o.name, unit, name: o.units === 1 ? o.name : `${o.name}[${unit}]` })),
  );
}

/** A summary in words, e.g. "sum over positions 0-999 of 1000". */
export function summaryText(o: { summary: OutputSummary | null; positions: number }): string | null {
  if (!o.summary) return null;
  const [a, b] = o.summary.positions;
  return a === 0 && b === o.positions - 1 ? `sum over all ${o.positions} positions` : `sum over positions ${a}-${b} of ${o.positions}`;
}

/** An output as `layers` lists it (plain data: crosses to the notebook's side). */
export interface OutputListing {
  name: string;
  layer: string;
  shape: number[];
  /** Classes it makes: units, or a profile's channels. */
  units: number;
  /** The final sigmoid/softmax the analysis removes, if any. */
  activation: string | null;
}

export function listOutputs(model: LayersModel, info?: OutputInfo[]): OutputListing[] {
  return modelOutputs(model, info).map((o) => ({ name: o.name, layer: o.layerName, shape: o.shape, units: o.units, activation: o.final?.activation ?? null }));
}
