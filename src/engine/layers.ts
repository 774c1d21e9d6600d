/** The layers of a loaded model and the choice of the analysis layer. */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { UserError } from './errors';

export interface LayerInfo {
  index: number;
  name: string;
  className: string;
  /** Output shape without the batch axis; null entries are unspecified lengths. */
  outputShape: (number | null)[];
}

/** Layers that start the "dense part" of a network: the analysis layer is chosen before them. */
const DENSE_PART = /^(Flatten|Dense|GlobalMaxPooling[123]D|GlobalAveragePooling[123]D)$/;
/** Convolution and (local) pooling layers: candidates for the default analysis layer. */
const CONV_OR_POOL = /^(Conv[123]D|SeparableConv[12]D|DepthwiseConv2D|Conv[123]DTranspose|MaxPooling[123]D|AveragePooling[123]D)$/;
/** Element-wise layers that directly follow a convolution are part of it (e.g. its separate ReLU). */
const ELEMENTWISE = /^(Activation|ReLU|LeakyReLU|ELU|PReLU|ThresholdedReLU|Softmax|BatchNormalization|Dropout|SpatialDropout[123]D|GaussianNoise|GaussianDropout|AlphaDropout)$/;

export function listLayers(model: LayersModel): LayerInfo[] {
  return model.layers
    .map((layer, index) => {
      const shape = layer.outputShape;
      const single = (Array.isArray(shape[0]) || shape[0] === undefined ? shape[0] : shape) as (number | null)[] | undefined;
      return { index, name: layer.name, className: layer.getClassName(), outputShape: (single ?? []).slice(1) };
    })
    .filter((info) => info.className !== 'InputLayer');
}

/**
 * Default analysis layer: the output of the last convolution or pooling layer before the first
 * Flatten/Dense/global-pooling layer, taken after any element-wise layers that directly follow it
 * (a separate activation or batch normalisation belongs to the convolution).
 */
export function defaultAnalysisLayer(model: LayersModel): number {
  const layers = listLayers(model);
  const firstDense = layers.findIndex((l) => DENSE_PART.test(l.className));
  const before = firstDense < 0 ? layers : layers.slice(0, firstDense);
  let pick = -1;
  for (let i = 0; i < before.length; i++) if (CONV_OR_POOL.test(before[i].className)) pick = i;
  if (pick < 0) {
    throw new UserError('the model has no convolution or pooling layer; choose the analysis layer with --layer');
  }
  while (pick + 1 < before.length && ELEMENTWISE.test(before[pick + 1].className)) pick++;
  return before[pick].index;
}

/**
 * Resolves a user's layer choice (a name, an index as listed by `layers`, or nothing for the
 * default) to an index into model.layers.
 */
export function resolveLayer(model: LayersModel, spec?: string | number): number {
  if (spec === undefined || spec === '') return defaultAnalysisLayer(model);
  const layers = listLayers(model);
  const byName = layers.find((l) => l.name === String(spec));
  if (byName) return byName.index;
  const asIndex = typeof spec === 'number' ? spec : /^-?\d+$/.test(spec) ? Number(spec) : NaN;
  const byIndex = layers.find((l) => l.index === asIndex);
  if (byIndex) return byIndex.index;
  throw new UserError(`unknown layer '${spec}' (layers: ${layers.map((l) => l.name).join(', ')})`);
}
