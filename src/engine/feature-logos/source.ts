/**
 * Which layer a feature's logo is computed at. A feature of a pooling layer (local or global
 * max/average pooling, with dropout or a flatten of one position in between) is the same channel
 * of the layer before the pooling, only read over more positions: its motif is that channel's,
 * at that layer's narrower receptive field, with a sharper peak. Logos are therefore computed at
 * the last layer before such a chain (for the ENCODE models: the convolution under the global
 * max pooling); any other layer is its own source.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { layerKind } from '../custom-layers/onnx-op';
import type { Layer } from '../tfl-types';

const POOLING_OR_INFERENCE_IDENTITY = /^(MaxPooling[123]D|AveragePooling[123]D|GlobalMaxPooling[123]D|GlobalAveragePooling[123]D|Dropout|SpatialDropout[123]D|GaussianNoise|GaussianDropout|AlphaDropout|Identity)$/;

function shapeOf(t: { shape: (number | null)[] } | undefined): (number | null)[] {
  return (t?.shape ?? []).slice(1);
}

/** Whether `layer` passes channel k of its single input on as its channel k, reading more positions at most. */
function samechannel(layer: Layer): boolean {
  const node = layer.inboundNodes[0];
  if (!node || node.inboundLayers.length !== 1) return false;
  const kind = layerKind(layer);
  const inShape = shapeOf(node.inputTensors[0]);
  const outShape = shapeOf(node.outputTensors[0]);
  if (inShape[inShape.length - 1] !== outShape[outShape.length - 1]) return false;
  if (POOLING_OR_INFERENCE_IDENTITY.test(kind)) return true;
  // Flatten/Reshape of a map with one position keep its channels.
  return (kind === 'Flatten' || kind === 'Reshape') && inShape.slice(0, -1).every((d) => d === 1) && outShape.slice(0, -1).every((d) => d === 1);
}

/** Index (into model.layers) of the layer whose channels the logos of `layerIndex`'s features show. */
export function logoSourceLayer(model: LayersModel, layerIndex: number): number {
  let layer = model.layers[layerIndex] as Layer;
  while (samechannel(layer)) {
    const below = layer.inboundNodes[0].inboundLayers[0] as Layer;
    if (below.getClassName() === 'InputLayer') break;
    layer = below;
  }
  return model.layers.indexOf(layer as never);
}
