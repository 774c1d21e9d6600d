/**
 * The forward passes of model-derived logos: random sequences through the sub-model from the
 * input to the channel's layer, on ONNX Runtime's native CPU kernels when it loads and knows every
 * layer (native.ts; bench/logos.ts measures it against TensorFlow.js), else on TensorFlow.js
 * (ranking.ts). Both give, for n sequences, the layer's output and what windows are ranked by,
 * channels last.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { onnxRuntime, type OrtSession } from '../ascent/native/runtime';
import type { InputLayout } from '../load/model';
import type { Layer } from '../tfl-types';
import { buildLogoGraph } from './native';
import { rankingModel } from './ranking';
import { threadsFor } from '../threads';

export interface LogoForward {
  engine: 'onnxruntime' | 'tensorflow.js';
  /** Threads the engine computes on (ONNX Runtime's own; TensorFlow.js: null, its backend's). */
  threads: number | null;
  /** One sequence's output shape, channels last (no batch axis). */
  outShape: number[];
  /** Whether windows are ranked by a value before a monotone activation (else by the output). */
  ranked: boolean;
  /** [output, ranking value] of `n` sequences given in the input layout's order. */
  run(x: Float32Array, n: number): Promise<[Float32Array, Float32Array]>;
  /** Why the forward is on TensorFlow.js when ONNX Runtime was asked for (null otherwise). */
  fallback: string | null;
  dispose(): Promise<void>;
}

function tfjsForward(model: LayersModel, layer: Layer, layout: InputLayout, fallback: string | null): LogoForward {
  const ranking = rankingModel(model.inputs, layer);
  const shape = layout.shape as number[];
  return {
    engine: 'tensorflow.js',
    threads: null,
    outShape: (ranking.model.outputs[0].shape as number[]).slice(1),
    ranked: ranking.ranked,
    fallback,
    run: async (x, n) => {
      // Tensors out of the tidy, arrays read after it (tidy would walk a returned array element by element).
      const ys = tf.tidy(() => ranking.outputs(ranking.model.predict(tf.tensor(x, [n, ...shape])) as tf.Tensor | tf.Tensor[]));
      const [post, by] = ys.map((t) => t.dataSync() as Float32Array);
      ys.forEach((t) => t.dispose());
      return [post, by];
    },
    dispose: async () => ranking.dispose(),
  };
}

/** The forward of layer `source`: `native` 'auto' tries ONNX Runtime first; 'off' stays on TensorFlow.js. */
export async function logoForward(model: LayersModel, source: number, layout: InputLayout, o: { native?: 'auto' | 'off'; workers?: number } = {}): Promise<LogoForward> {
  const layer = model.layers[source] as Layer;
  if (o.native === 'off') return tfjsForward(model, layer, layout, null);
  const runtime = onnxRuntime();
  if ('error' in runtime) return tfjsForward(model, layer, layout, runtime.error);
  const graph = buildLogoGraph(model, source, layout);
  if ('unsupported' in graph) return tfjsForward(model, layer, layout, graph.unsupported);
  const threads = threadsFor(o.workers);
  let session: OrtSession;
  try {
    session = await runtime.ort.InferenceSession.create(graph.bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (err) {
    return tfjsForward(model, layer, layout, `ONNX Runtime refused the graph (${String((err as Error).message ?? err).split('\n')[0]})`);
  }
  const { ort } = runtime;
  const shape = layout.shape as number[];
  return {
    engine: 'onnxruntime',
    threads,
    outShape: graph.outShape,
    ranked: graph.ranked,
    fallback: null,
    run: async (x, n) => {
      const out = await session.run({ x: new ort.Tensor('float32', x, [n, ...shape]) });
      const post = out.post.data;
      return [post, graph.ranked ? out.pre.data : post];
    },
    dispose: async () => {
      await session.release?.();
    },
  };
}
