/**
 * The synthetic model: Conv1D(filters, width, ReLU) on (length, 4) → max pooling over the whole
 * sequence → Flatten → Dense(hidden, ReLU) → Dense(classes, sigmoid), the shape of the authors'
 * ENCODE models (method note, "What the authors report"). The pooling is a MaxPooling1D whose pool
 * spans every position rather than GlobalMaxPooling1D so that the engine's default analysis layer
 * (the last pooling layer before the dense part) is the pooled filters, one position × K features:
 * the validation then runs with default settings and every feature is a first-layer filter.
 */
import * as tfl from '@tensorflow/tfjs-layers';

export interface ArchitectureSettings {
  length: number;
  filters: number;
  width: number;
  hidden: number;
  classes: number;
  /** Seed of the weight initialisers (tfjs's own RNG would make training irreproducible). */
  seed: number;
}

export function buildModel(a: ArchitectureSettings): tfl.Sequential {
  const init = (offset: number) => tfl.initializers.glorotUniform({ seed: a.seed * 10 + offset });
  return tfl.sequential({
    name: 'synthetic',
    layers: [
      tfl.layers.conv1d({ inputShape: [a.length, 4], filters: a.filters, kernelSize: a.width, activation: 'relu', name: 'conv', kernelInitializer: init(1) }),
      tfl.layers.maxPooling1d({ poolSize: a.length - a.width + 1, name: 'pool' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: a.hidden, activation: 'relu', name: 'hidden', kernelInitializer: init(2) }),
      tfl.layers.dense({ units: a.classes, activation: 'sigmoid', name: 'out', kernelInitializer: init(3) }),
    ],
  });
}
