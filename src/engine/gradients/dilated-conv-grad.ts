/**
 * TF.js computes dilated convolutions forward but has no input gradient for them ("dilation
 * rates greater than 1 are not yet supported in gradients"), so models with dilated towers after
 * the analysis layer (BPNet, Basenji, SpliceAI) could not be analysed. This replaces the Conv2D
 * and DepthwiseConv2dNative gradients: with dilations of 1 they call TF.js's own; with larger
 * ones (TF.js allows them only at stride 1) the input gradient is the full correlation of dy
 * with the spatially flipped kernel — a dilated forward convolution of dy padded by
 * (k − 1)·d on each side — cropped to the input's padding. Filter gradients are never needed
 * (DeepResolve differentiates with respect to feature maps) and are not offered for dilations.
 */
import * as tf from '@tensorflow/tfjs-core';
// TF.js registers its gradients when tfjs-layers loads: load it first, so that ours replace them.
import '@tensorflow/tfjs-layers';

type Attrs = { strides: number | [number, number]; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dilations: number | [number, number]; dimRoundingMode?: 'floor' | 'round' | 'ceil'; dataFormat?: string };

const pair = (v: number | [number, number]): [number, number] => (typeof v === 'number' ? [v, v] : v);
const dilated = (attrs: Attrs) => pair(attrs.dilations ?? 1).some((d) => d > 1);

function noFilterGradient(): tf.Tensor {
  throw new Error('the filter gradient of a dilated convolution is not implemented (only input gradients are needed)');
}

/** dx for y = conv(x, w) at stride 1 with dilations d, NHWC; depthwise: w [kh, kw, C, m]. */
function inputGradient(xShape: number[], dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: Attrs, depthwise: boolean): tf.Tensor4D {
  if (attrs.dataFormat && attrs.dataFormat !== 'NHWC') throw new Error(`dilated convolution gradient: data format ${attrs.dataFormat} is not supported`);
  const [dh, dw] = pair(attrs.dilations);
  const [kh, kw] = filter.shape;
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filter.shape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, depthwise);
  const { top, left } = info.padInfo;
  const eh = (kh - 1) * dh;
  const ew = (kw - 1) * dw;
  const padded = tf.pad(dy, [[0, 0], [eh, eh], [ew, ew], [0, 0]]);
  const flipped = tf.reverse(filter, [0, 1]);
  let full: tf.Tensor4D;
  if (!depthwise) full = tf.conv2d(padded, tf.transpose(flipped, [0, 1, 3, 2]) as tf.Tensor4D, 1, 'valid', 'NHWC', [dh, dw]);
  else {
    // Each output channel c·m + j correlates with its own flipped filter; then the m channels of input c add up.
    const [, , channels, m] = filter.shape;
    const perChannel = tf.reshape(flipped, [kh, kw, channels * m, 1]) as tf.Tensor4D;
    const each = tf.depthwiseConv2d(padded, perChannel, 1, 'valid', 'NHWC', [dh, dw]);
    full = tf.sum(tf.reshape(each, [...each.shape.slice(0, 3), channels, m]), 4) as tf.Tensor4D;
  }
  return tf.slice(full, [0, top, left, 0], [xShape[0], xShape[1], xShape[2], xShape[3]]);
}

for (const kernelName of ['Conv2D', 'DepthwiseConv2dNative'] as const) {
  const original = tf.getGradient(kernelName);
  if (!original) throw new Error(`TF.js has no gradient registered for ${kernelName}`);
  if ((original as { dilatedToo?: boolean }).dilatedToo) continue;
  const config: tf.GradConfig & { dilatedToo: boolean } = {
    kernelName,
    inputsToSave: ['x', 'filter'],
    dilatedToo: true,
    gradFunc: (dy, saved, attrs) => {
      const a = attrs as unknown as Attrs;
      if (!dilated(a)) return original.gradFunc(dy, saved, attrs);
      const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
      return { x: () => inputGradient(x.shape, dy as tf.Tensor4D, filter, a, kernelName === 'DepthwiseConv2dNative'), filter: noFilterGradient };
    },
  };
  tf.registerGradient(config);
}
