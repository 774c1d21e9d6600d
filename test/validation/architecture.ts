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
  /**
   * A second convolution (the two-convolution model, issue 15): the first one's output is
   * max-pooled by `pool` (stride `pool`), then Conv1D(filters, width, ReLU), then max-pooled over
   * every position. Its receptive field, width₁ + (pool − 1) + (width − 1)·pool, is wider than
   * the first convolution's, so long motifs (REST, 20 bp) can be assembled from shorter filters.
   */
  conv2?: { filters: number; width: number; pool: number };
}

/** Positions of each stage of the two-convolution model: conv1, pool1, conv2. */
export function stagePositions(a: ArchitectureSettings): { conv1: number; pool1: number; conv2: number } {
  const conv1 = a.length - a.width + 1;
  const pool1 = a.conv2 ? Math.floor(conv1 / a.conv2.pool) : conv1;
  return { conv1, pool1, conv2: a.conv2 ? pool1 - a.conv2.width + 1 : conv1 };
}

export function buildModel(a: ArchitectureSettings): tfl.Sequential {
  const init = (offset: number) => tfl.initializers.glorotUniform({ seed: a.seed * 10 + offset });
  if (a.conv2) {
    const { conv2 } = stagePositions(a);
    return tfl.sequential({
      name: 'synthetic_two_conv',
      layers: [
        tfl.layers.conv1d({ inputShape: [a.length, 4], filters: a.filters, kernelSize: a.width, activation: 'relu', name: 'conv1', kernelInitializer: init(1) }),
        tfl.layers.maxPooling1d({ poolSize: a.conv2.pool, name: 'pool1' }),
        tfl.layers.conv1d({ filters: a.conv2.filters, kernelSize: a.conv2.width, activation: 'relu', name: 'conv2', kernelInitializer: init(4) }),
        tfl.layers.maxPooling1d({ poolSize: conv2, name: 'pool' }),
        tfl.layers.flatten({ name: 'flatten' }),
        tfl.layers.dense({ units: a.hidden, activation: 'relu', name: 'hidden', kernelInitializer: init(2) }),
        tfl.layers.dense({ units: a.classes, activation: 'sigmoid', name: 'out', kernelInitializer: init(3) }),
      ],
    });
  }
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
