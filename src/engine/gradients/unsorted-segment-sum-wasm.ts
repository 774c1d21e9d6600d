/**
 * TF.js's wasm backend has no UnsortedSegmentSum kernel, which the gradient of tf.gather uses: an
 * ONNX Gather with an index list (or any gather on the way from the analysis layer to the class
 * scores) could not be differentiated there, so the ascent failed on the default backend. This
 * registers one for wasm, computed in JavaScript on the wasm heap (the cpu backend's algorithm).
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmHeap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

function unsortedSegmentSum({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as WasmHeap;
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
  const idsRank = segmentIds.shape.length;
  const inner = x.shape.slice(idsRank).reduce((a, b) => a * b, 1);
  // The output first: allocating may grow the wasm memory, which detaches views taken before.
  const out = wasm.makeOutput([numSegments, ...x.shape.slice(idsRank)], x.dtype);
  const y = wasm.typedArrayFromHeap(out);
  y.fill(0);
  const xs = wasm.typedArrayFromHeap(x);
  const ids = wasm.typedArrayFromHeap(segmentIds);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * inner;
    const to = s * inner;
    for (let j = 0; j < inner; j++) y[to + j] += xs[from + j];
  }
  return out;
}

if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc });
}
