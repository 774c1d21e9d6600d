/** The layers of a loaded model and the choice of the analysis layer. */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { layerKind } from './custom-layers/onnx-op';
import { UserError } from './errors';
import { planHead } from './head';
import { selectOutputs, type OutputSelection } from './outputs';

export interface LayerInfo {
  index: number;
  name: string;
  className: string;
  /** Output shape without the batch axis; null entries are unspecified lengths. */
  outputShape: (number | null)[];
}

/** Layers that start the "dense part" of a network: the analysis layer is chosen before them. */
const DENSE_PART = /^(Flatten|Dense|GlobalMaxPooling[123]D|GlobalAveragePooling[123]D)$/;
/** Convolution, (local) pooling and merge layers: candidates for the default analysis layer. */
const CANDIDATE = /^(Conv[123]D|SeparableConv[12]D|DepthwiseConv[12]D|Conv[123]DTranspose|MaxPooling[123]D|AveragePooling[123]D|Add|Average|Maximum|Concatenate)$/;
/** Element-wise layers that directly follow a convolution are part of it (e.g. its separate ReLU). */
const ELEMENTWISE = /^(Activation|ReLU|LeakyReLU|ELU|PReLU|ThresholdedReLU|Softmax|BatchNormalization|Dropout|SpatialDropout[123]D|GaussianNoise|GaussianDropout|AlphaDropout)$/;

export function listLayers(model: LayersModel): LayerInfo[] {
  return model.layers
    .map((layer, index) => {
      const shape = layer.outputShape;
      const single = (Array.isArray(shape[0]) || shape[0] === undefined ? shape[0] : shape) as (number | null)[] | undefined;
      return { index, name: layer.name, className: layerKind(layer), outputShape: (single ?? []).slice(1) };
    })
    .filter((info) => info.className !== 'InputLayer');
}

/** Whether the analysis at this layer means something: more than one feature, and a head of the selected outputs that depends on it and computes more than the final activation. */
function qualifies(model: LayersModel, index: number, selection: OutputSelection): boolean {
  const shape = listLayers(model).find((l) => l.index === index)?.outputShape ?? [];
  if (shape.length < 2 || (shape[shape.length - 1] ?? 0) < 2) return false;
  try {
    planHead(model, index, selection);
    return true;
  } catch (err) {
    if (err instanceof UserError) return false;
    throw err;
  }
}

/**
 * Default analysis layer: the output of the last convolution, pooling or merge layer before the
 * first Flatten/Dense/global-pooling layer, taken after any element-wise layers that directly
 * follow it (a separate activation or batch normalisation belongs to the convolution), that
 * qualifies: more than one feature, every selected output depends on it only through it, and
 * the head after it is more than the output's final activation (a layer after it would score H
 * itself: every restart ends at H = 1/(2λ), which means nothing).
 */
export function defaultAnalysisLayer(model: LayersModel, selection: OutputSelection = {}): number {
  selectOutputs(model, selection); // a bad --output or --positions says so, rather than "no layer qualifies"
  const layers = listLayers(model);
  const firstDense = layers.findIndex((l) => DENSE_PART.test(l.className));
  const before = firstDense < 0 ? layers : layers.slice(0, firstDense);
  const picks: number[] = [];
  for (let i = 0; i < before.length; i++) {
    if (!CANDIDATE.test(before[i].className)) continue;
    let pick = i;
    while (pick + 1 < before.length && ELEMENTWISE.test(before[pick + 1].className) && qualifies(model, before[pick + 1].index, selection)) pick++;
    picks.push(before[pick].index);
  }
  for (const index of picks.reverse()) if (qualifies(model, index, selection)) return index;
  throw new UserError(
    picks.length
      ? 'no layer qualifies as the default analysis layer (a convolution or pooling output with more than one feature, before the final activation, that every selected output depends on); choose one with --layer (the layers command lists them)'
      : 'the model has no convolution or pooling layer; choose the analysis layer with --layer (the layers command lists them)',
  );
}

export interface LayerOptions {
  /** Names the file uses for layers (LoadedModel.layerAliases): alias → TF.js layer name. */
  aliases?: Record<string, string>;
  /** The outputs analysed (the default layer depends on them). */
  selection?: OutputSelection;
}

/**
 * Resolves a user's layer choice (a name, a name the file uses, an index as listed by `layers`,
 * or nothing for the default) to an index into model.layers.
 */
export function resolveLayer(model: LayersModel, spec?: string | number, options: LayerOptions = {}): number {
  if (spec === undefined || spec === '') return defaultAnalysisLayer(model, options.selection);
  const layers = listLayers(model);
  const name = String(spec);
  const byName = layers.find((l) => l.name === name) ?? layers.find((l) => l.name === options.aliases?.[name]);
  if (byName) return byName.index;
  const asIndex = typeof spec === 'number' ? spec : /^-?\d+$/.test(spec) ? Number(spec) : NaN;
  const byIndex = layers.find((l) => l.index === asIndex);
  if (byIndex) return byIndex.index;
  throw new UserError(`unknown layer '${spec}' (layers: ${layers.map((l) => l.name).join(', ')})`);
}
