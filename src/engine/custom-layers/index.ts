/**
 * The Keras layers TF.js lacks (and OnnxOp, the ONNX loader's op layer), as tfjs-layers Layer classes over tfjs-core ops (so tf.grad works
 * through them), one file per layer, each registered with TF.js serialisation; and the wasm
 * kernel TF.js's own depthwise layers need for their input gradient. Import this module wherever
 * a model is built or rebuilt from JSON (the loaders, the ascent worker), so that the class names
 * resolve, e.g. after the worker pool's toJSON round trip.
 */
import '../gradients/depthwise-backprop-input-wasm';
import '../gradients/unsorted-segment-sum-wasm';
import '../gradients/dilated-conv-grad';
import { Conv1DTranspose } from './conv1d-transpose';
import { Cropping1D } from './cropping1d';
import { DepthwiseConv1D } from './depthwise-conv1d';
import { MultiHeadAttention } from './multi-head-attention';
import { OnnxOp } from './onnx-op';
import { OneHotEmbedding } from './one-hot-embedding';
import { SeparableConv1D } from './separable-conv1d';
import { SeparableConv2D } from './separable-conv2d';
import { UpSampling1D } from './up-sampling1d';
import { ZeroPadding1D } from './zero-padding1d';

/** The classes registered here, by their serialised class name. */
export const CUSTOM_LAYERS = { Conv1DTranspose, Cropping1D, DepthwiseConv1D, MultiHeadAttention, OneHotEmbedding, OnnxOp, SeparableConv1D, SeparableConv2D, UpSampling1D, ZeroPadding1D } as const;

export { Conv1DTranspose, Cropping1D, DepthwiseConv1D, MultiHeadAttention, OneHotEmbedding, OnnxOp, SeparableConv1D, SeparableConv2D, UpSampling1D, ZeroPadding1D };
