/**
 * TF.js's wasm backend has no DepthwiseConv2dNativeBackpropInput kernel, so the input gradient of
 * a depthwise convolution (TF.js's DepthwiseConv2D and SeparableConv2D layers) fails there: the
 * direct ascent could not run through such a head. This registers one for wasm, computed in
 * JavaScript on the wasm heap with the cpu backend's algorithm (tfjs-backend-cpu
 * DepthwiseConv2dNativeBackpropInput). Gradients are only ever taken with respect to the feature
 * map, so the filter gradient is not needed.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmHeap {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

function depthwiseBackpropInput({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const wasm = backend as WasmHeap;
  const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as {
    strides: [number, number] | number;
    dilations: [number, number] | number;
    pad: 'valid' | 'same' | number;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    inputShape: [number, number, number, number];
  };
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, true);
  // The output first: allocating may grow the wasm memory, which detaches views taken before.
  const out = wasm.makeOutput(info.inShape, 'float32');
  const dx = wasm.typedArrayFromHeap(out);
  const dyValues = wasm.typedArrayFromHeap(dy);
  const fltValues = wasm.typedArrayFromHeap(filter);
  const [dyS0, dyS1, dyS2] = tf.util.computeStrides(dy.shape);
  const [fltS0, fltS1, fltS2] = tf.util.computeStrides(filter.shape);
  const [dxS0, dxS1, dxS2] = tf.util.computeStrides(info.inShape);
  const { batchSize, filterHeight, filterWidth, inChannels, inHeight, inWidth, outChannels, outHeight, outWidth, strideHeight, strideWidth } = info;
  const topPad = filterHeight - 1 - info.padInfo.top;
  const leftPad = filterWidth - 1 - info.padInfo.left;
  const chMul = outChannels / inChannels;
  for (let b = 0; b < batchSize; ++b) {
    for (let d1 = 0; d1 < inChannels; ++d1) {
      for (let xR = 0; xR < inHeight; ++xR) {
        const xRCorner = xR - topPad;
        const xRMin = Math.max(0, Math.ceil(xRCorner / strideHeight));
        const yRMax = Math.min(outHeight, (filterHeight + xRCorner) / strideHeight);
        for (let xC = 0; xC < inWidth; ++xC) {
          const xCCorner = xC - leftPad;
          const xCMin = Math.max(0, Math.ceil(xCCorner / strideWidth));
          const yCMax = Math.min(outWidth, (filterWidth + xCCorner) / strideWidth);
          let dot = 0;
          for (let yR = xRMin; yR < yRMax; ++yR) {
            const wR = yR * strideHeight - xRCorner;
            for (let yC = xCMin; yC < yCMax; ++yC) {
              const wC = yC * strideWidth - xCCorner;
              const dyOffset = dyS0 * b + dyS1 * yR + dyS2 * yC;
              const fltOffset = fltS0 * (filterHeight - 1 - wR) + fltS1 * (filterWidth - 1 - wC) + fltS2 * d1;
              for (let dm = 0; dm < chMul; ++dm) dot += dyValues[dyOffset + d1 * chMul + dm] * fltValues[fltOffset + dm];
            }
          }
          dx[dxS0 * b + dxS1 * xR + dxS2 * xC + d1] = dot;
        }
      }
    }
  }
  return out;
}

if (!tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')) {
  tf.registerKernel({ kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseBackpropInput as unknown as tf.KernelFunc });
}
