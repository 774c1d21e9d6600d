/**
 * TF.js's own SeparableConv2D, re-registered under its name with a config that keeps
 * depth_multiplier: tfjs-layers 4.x leaves it out of getConfig, so a model rebuilt from its JSON
 * (the worker pool's round trip) would get multiplier 1 and refuse its own weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-layers';

type LayerClass = new (args: Record<string, unknown>) => tfl.layers.Layer;
const registry = tf.serialization.SerializationMap.getMap().classNameMap as Record<string, [unknown, unknown]>;
const TfjsSeparableConv2D = registry.SeparableConv2D[0] as LayerClass;

export class SeparableConv2D extends TfjsSeparableConv2D {
  static className = 'SeparableConv2D';

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), depthMultiplier: (this as unknown as { depthMultiplier: number }).depthMultiplier };
  }
}

tf.serialization.registerClass(SeparableConv2D as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>);
