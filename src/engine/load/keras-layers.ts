/**
 * The supported layer set, and the translation of one layer's Keras 1, 2 or 3 configuration into
 * the Keras-2-style configuration TF.js deserialises. Only arguments that change what the layer
 * computes at inference are kept: initialisers, regularisers and constraints (e.g. Keras 1
 * MaxNorm) only matter for training, so they are dropped rather than interpreted.
 */
import { UserError } from '../errors';
import { shown } from './shown';

export type Json = Record<string, unknown>;

/** Layer class names as written in the file (Keras 1 spellings included) → TF.js class name. */
const CLASS_MAP: Record<string, string> = {
  InputLayer: 'InputLayer',
  Conv1D: 'Conv1D',
  Convolution1D: 'Conv1D',
  AtrousConvolution1D: 'Conv1D',
  Conv2D: 'Conv2D',
  Convolution2D: 'Conv2D',
  AtrousConvolution2D: 'Conv2D',
  MaxPooling1D: 'MaxPooling1D',
  MaxPool1D: 'MaxPooling1D',
  MaxPooling2D: 'MaxPooling2D',
  MaxPool2D: 'MaxPooling2D',
  AveragePooling1D: 'AveragePooling1D',
  AvgPool1D: 'AveragePooling1D',
  AveragePooling2D: 'AveragePooling2D',
  AvgPool2D: 'AveragePooling2D',
  GlobalMaxPooling1D: 'GlobalMaxPooling1D',
  GlobalMaxPool1D: 'GlobalMaxPooling1D',
  GlobalMaxPooling2D: 'GlobalMaxPooling2D',
  GlobalMaxPool2D: 'GlobalMaxPooling2D',
  GlobalAveragePooling1D: 'GlobalAveragePooling1D',
  GlobalAvgPool1D: 'GlobalAveragePooling1D',
  GlobalAveragePooling2D: 'GlobalAveragePooling2D',
  GlobalAvgPool2D: 'GlobalAveragePooling2D',
  Flatten: 'Flatten',
  Dense: 'Dense',
  // Noise and dropout layers are the identity at inference.
  Dropout: 'Dropout',
  SpatialDropout1D: 'Dropout',
  SpatialDropout2D: 'Dropout',
  GaussianDropout: 'Dropout',
  GaussianNoise: 'Dropout',
  AlphaDropout: 'Dropout',
  Activation: 'Activation',
  ReLU: 'ReLU',
  LeakyReLU: 'LeakyReLU',
  ELU: 'ELU',
  Softmax: 'Softmax',
  BatchNormalization: 'BatchNormalization',
  Reshape: 'Reshape',
  Permute: 'Permute',
  Concatenate: 'Concatenate',
  Add: 'Add',
  Multiply: 'Multiply',
  Average: 'Average',
  Maximum: 'Maximum',
  Minimum: 'Minimum',
  Merge: 'Merge', // Keras 1; becomes one of the merge layers above
  LSTM: 'LSTM',
  GRU: 'GRU',
  SimpleRNN: 'SimpleRNN',
  Bidirectional: 'Bidirectional',
  // TF.js has these …
  Cropping2D: 'Cropping2D',
  ZeroPadding2D: 'ZeroPadding2D',
  UpSampling2D: 'UpSampling2D',
  Conv2DTranspose: 'Conv2DTranspose',
  Convolution2DTranspose: 'Conv2DTranspose',
  SeparableConv2D: 'SeparableConv2D',
  SeparableConvolution2D: 'SeparableConv2D',
  DepthwiseConv2D: 'DepthwiseConv2D',
  LayerNormalization: 'LayerNormalization',
  // … these are ours (src/engine/custom-layers).
  Cropping1D: 'Cropping1D',
  ZeroPadding1D: 'ZeroPadding1D',
  UpSampling1D: 'UpSampling1D',
  Conv1DTranspose: 'Conv1DTranspose',
  Convolution1DTranspose: 'Conv1DTranspose',
  SeparableConv1D: 'SeparableConv1D',
  SeparableConvolution1D: 'SeparableConv1D',
  DepthwiseConv1D: 'DepthwiseConv1D',
  MultiHeadAttention: 'MultiHeadAttention',
  // An Embedding of the input becomes a OneHotEmbedding (embedding-input.ts) before translation.
  Embedding: 'OneHotEmbedding',
  OneHotEmbedding: 'OneHotEmbedding',
};

/** The supported set, for messages and docs/formats.md (OneHotEmbedding is ours, not a Keras class). */
export const SUPPORTED_LAYERS = [...new Set(Object.keys(CLASS_MAP))].filter((c) => c !== 'OneHotEmbedding').sort();

export const SPATIAL = new Set([
  'Conv1D',
  'Conv2D',
  'MaxPooling1D',
  'MaxPooling2D',
  'AveragePooling1D',
  'AveragePooling2D',
  'GlobalMaxPooling1D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'GlobalAveragePooling2D',
  'Cropping2D',
  'ZeroPadding2D',
  'UpSampling2D',
  'Conv2DTranspose',
  'SeparableConv2D',
  'DepthwiseConv2D',
  'Conv1DTranspose',
  'SeparableConv1D',
  'DepthwiseConv1D',
]);

/** Convolutions besides Conv1D/Conv2D: their kernels have other layouts, so Theano-trained ones are refused. */
export const OTHER_CONVOLUTIONS = new Set(['Conv1DTranspose', 'Conv2DTranspose', 'SeparableConv1D', 'SeparableConv2D', 'DepthwiseConv1D', 'DepthwiseConv2D']);

const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  sigmoid: 'sigmoid',
  softmax: 'softmax',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  hard_sigmoid: 'hard_sigmoid',
  relu6: 'relu6',
  swish: 'swish',
  silu: 'swish',
  mish: 'mish',
  gelu: 'gelu',
};

export function kerasClass(className: string): string | undefined {
  return Object.hasOwn(CLASS_MAP, className) ? CLASS_MAP[className] : undefined;
}

/** First defined value among several spellings of an argument. */
function pick(cfg: Json, ...keys: string[]): unknown {
  for (const k of keys) if (cfg[k] !== undefined && cfg[k] !== null) return cfg[k];
  return undefined;
}

function tuple(v: unknown, n: number, fallback: number): number[] {
  if (v === undefined || v === null) return Array(n).fill(fallback);
  const arr = Array.isArray(v) ? v.map(Number) : [Number(v)];
  return arr.length === n ? arr : Array(n).fill(arr[0]);
}

/** Thrown (and collected by the caller) for a refused argument or activation. */
export class Refusal extends Error {}

export function activation(v: unknown, layer: string): string {
  if (v === undefined || v === null) return 'linear';
  let name: unknown = v;
  if (typeof v === 'object') {
    const o = v as Json;
    // Keras 3 may serialise a built-in activation as {class_name: 'function', config: 'relu'}.
    name = typeof o.config === 'string' ? o.config : o.class_name;
  }
  const key = shown(name).toLowerCase();
  if (!Object.hasOwn(ACTIVATIONS, key)) {
    throw new Refusal(`layer '${layer}' uses the activation '${shown(name)}', a custom object or one TF.js lacks`);
  }
  return ACTIVATIONS[key];
}

function padding(v: unknown, layer: string, allowed = ['valid', 'same', 'causal']): string {
  const p = shown(v ?? 'valid').toLowerCase();
  if (!allowed.includes(p)) throw new Refusal(`layer '${layer}' uses padding '${p}', which is not supported here (${allowed.join(', ')})`);
  return p;
}

/** A 2-D crop or pad as ((top, bottom), (left, right)) from an int, a pair, Keras 1's 4-tuple or dict. */
function margins2d(v: unknown, fallback: number): [[number, number], [number, number]] {
  if (v === undefined || v === null) return [[fallback, fallback], [fallback, fallback]];
  if (typeof v === 'number') return [[v, v], [v, v]];
  if (Array.isArray(v)) {
    if (v.length === 4) return [[Number(v[0]), Number(v[1])], [Number(v[2]), Number(v[3])]];
    const side = (x: unknown): [number, number] => (Array.isArray(x) ? [Number(x[0]), Number(x[1] ?? x[0])] : [Number(x), Number(x)]);
    return [side(v[0]), side(v[1] ?? v[0])];
  }
  const d = v as Json;
  return [[Number(d.top_pad ?? 0), Number(d.bottom_pad ?? 0)], [Number(d.left_pad ?? 0), Number(d.right_pad ?? 0)]];
}

/** A 1-D crop or pad (start, end) from an int or a pair. */
function margins1d(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)];
  const n = v === undefined || v === null ? fallback : Number(v);
  return [n, n];
}

const ZEROS = { class_name: 'Zeros', config: {} };

/** The arguments of a convolution that every kind shares (kernel, strides, padding, dilation, activation, bias). */
function convArgs(cfg: Json, name: string, n: number, paddings: string[]): Json {
  return {
    kernel_size: tuple(cfg.kernel_size, n, 1),
    strides: tuple(cfg.strides, n, 1),
    padding: padding(cfg.padding, name, paddings),
    dilation_rate: tuple(cfg.dilation_rate, n, 1),
    activation: activation(cfg.activation, name),
    use_bias: cfg.use_bias !== false,
  };
}

/** MultiHeadAttention's output width (Keras output_shape: null, an int, or a one-element list). */
function attentionOutput(v: unknown, name: string): number | null {
  if (v === undefined || v === null) return null;
  const dims = Array.isArray(v) ? v : [v];
  if (dims.length !== 1) throw new Refusal(`layer '${name}' (MultiHeadAttention) has a multi-dimensional output_shape, which is not supported`);
  return Number(dims[0]);
}

/** 'channels_first' / 'channels_last' from Keras 2 data_format or Keras 1 dim_ordering. */
export function dataFormat(cfg: Json): 'channels_first' | 'channels_last' | undefined {
  const f = pick(cfg, 'data_format', 'dim_ordering');
  if (f === 'channels_first' || f === 'th') return 'channels_first';
  if (f === 'channels_last' || f === 'tf') return 'channels_last';
  return undefined;
}

const MERGE_MODES: Record<string, string> = { concat: 'Concatenate', sum: 'Add', mul: 'Multiply', ave: 'Average', max: 'Maximum' };

/**
 * Translates one layer. `cls` is the TF.js class (from kerasClass), `cfg` the file's config.
 * Returns the TF.js class (Merge resolves to a concrete merge layer) and snake_case config; the
 * data format is always channels_last (channels-first models are converted by the caller).
 */
export function translateLayer(cls: string, cfg: Json, name: string, kerasMajor: number): { className: string; config: Json } {
  const base: Json = { name, trainable: true };
  switch (cls) {
    case 'Conv1D':
    case 'Conv2D': {
      const n = cls === 'Conv1D' ? 1 : 2;
      const groups = Number(cfg.groups ?? 1);
      if (groups !== 1) throw new Refusal(`layer '${name}' is a grouped convolution (groups ${groups}), which TF.js lacks`);
      const kernel = pick(cfg, 'kernel_size', 'filter_length') ?? (n === 2 ? [cfg.nb_row, cfg.nb_col] : undefined);
      return {
        className: cls,
        config: {
          ...base,
          filters: Number(pick(cfg, 'filters', 'nb_filter')),
          kernel_size: tuple(kernel, n, 1),
          strides: tuple(pick(cfg, 'strides', 'subsample_length', 'subsample'), n, 1),
          padding: padding(pick(cfg, 'padding', 'border_mode'), name),
          data_format: 'channels_last',
          dilation_rate: tuple(pick(cfg, 'dilation_rate', 'atrous_rate'), n, 1),
          activation: activation(cfg.activation, name),
          use_bias: pick(cfg, 'use_bias', 'bias') !== false,
          kernel_initializer: { class_name: 'Zeros', config: {} },
        },
      };
    }
    case 'MaxPooling1D':
    case 'AveragePooling1D':
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const n = cls.endsWith('1D') ? 1 : 2;
      const pool = tuple(pick(cfg, 'pool_size', 'pool_length'), n, 2);
      const strides = pick(cfg, 'strides', 'stride');
      const config: Json = { ...base, pool_size: pool, strides: strides === undefined ? pool : tuple(strides, n, 1), padding: padding(pick(cfg, 'padding', 'border_mode'), name) };
      if (n === 2) config.data_format = 'channels_last';
      return { className: cls, config };
    }
    case 'GlobalMaxPooling1D':
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
      if (cfg.keepdims === true) throw new Refusal(`layer '${name}' keeps the pooled dimensions (keepdims), which TF.js lacks`);
      return { className: cls, config: cls.endsWith('2D') ? { ...base, data_format: 'channels_last' } : base };
    case 'Flatten':
      return { className: cls, config: base };
    case 'Dense':
      return {
        className: cls,
        config: {
          ...base,
          units: Number(pick(cfg, 'units', 'output_dim')),
          activation: activation(cfg.activation, name),
          use_bias: pick(cfg, 'use_bias', 'bias') !== false,
          kernel_initializer: { class_name: 'Zeros', config: {} },
        },
      };
    case 'Dropout':
      return { className: 'Dropout', config: { ...base, rate: Math.min(Number(pick(cfg, 'rate', 'p') ?? 0), 0.99) } };
    case 'Activation':
      return { className: cls, config: { ...base, activation: activation(cfg.activation, name) } };
    case 'ReLU': {
      const slope = Number(cfg.negative_slope ?? 0);
      const threshold = Number(cfg.threshold ?? 0);
      if (slope !== 0 || threshold !== 0) throw new Refusal(`layer '${name}' (ReLU) has a negative slope or threshold, which TF.js lacks`);
      return { className: cls, config: cfg.max_value == null ? base : { ...base, max_value: Number(cfg.max_value) } };
    }
    case 'LeakyReLU':
      return { className: cls, config: { ...base, alpha: Number(pick(cfg, 'alpha', 'negative_slope') ?? 0.3) } };
    case 'ELU':
      return { className: cls, config: { ...base, alpha: Number(cfg.alpha ?? 1) } };
    case 'Softmax':
      return { className: cls, config: { ...base, axis: Number(cfg.axis ?? -1) } };
    case 'BatchNormalization': {
      if (cfg.mode !== undefined && Number(cfg.mode) !== 0) throw new Refusal(`layer '${name}' uses Keras 1 batch-normalisation mode ${String(cfg.mode)} (only mode 0 is supported)`);
      const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
      if (axis.length !== 1) throw new Refusal(`layer '${name}' normalises over several axes, which TF.js lacks`);
      return {
        className: cls,
        config: {
          ...base,
          axis: Number(axis[0]),
          momentum: Number(cfg.momentum ?? 0.99),
          epsilon: Number(cfg.epsilon ?? 1e-3),
          center: cfg.center !== false,
          scale: cfg.scale !== false,
        },
      };
    }
    case 'Reshape':
      return { className: cls, config: { ...base, target_shape: cfg.target_shape } };
    case 'Permute':
      return { className: cls, config: { ...base, dims: cfg.dims } };
    case 'Concatenate':
      return { className: cls, config: { ...base, axis: Number(cfg.axis ?? -1) } };
    case 'Add':
    case 'Multiply':
    case 'Average':
    case 'Maximum':
    case 'Minimum':
      return { className: cls, config: base };
    case 'Merge': {
      const mode = cfg.mode;
      if (typeof mode !== 'string') throw new Refusal(`layer '${name}' (Merge) merges with a Python function, and loading never executes code from the file`);
      if (!Object.hasOwn(MERGE_MODES, mode)) throw new Refusal(`layer '${name}' (Merge) uses mode '${mode}' (supported: ${Object.keys(MERGE_MODES).join(', ')})`);
      const merged = MERGE_MODES[mode];
      return { className: merged, config: merged === 'Concatenate' ? { ...base, axis: Number(cfg.concat_axis ?? -1) } : base };
    }
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      if (cfg.stateful === true) throw new Refusal(`layer '${name}' is stateful, which is not supported`);
      if (cfg.return_state === true) throw new Refusal(`layer '${name}' returns its state, which is not supported`);
      const config: Json = {
        ...base,
        units: Number(pick(cfg, 'units', 'output_dim')),
        activation: activation(cfg.activation ?? 'tanh', name),
        use_bias: cfg.use_bias !== false,
        return_sequences: cfg.return_sequences === true,
        go_backwards: cfg.go_backwards === true,
        kernel_initializer: { class_name: 'Zeros', config: {} },
        recurrent_initializer: { class_name: 'Zeros', config: {} },
      };
      if (cls !== 'SimpleRNN') {
        config.recurrent_activation = activation(pick(cfg, 'recurrent_activation', 'inner_activation') ?? (kerasMajor >= 3 ? 'sigmoid' : 'hard_sigmoid'), name);
      }
      if (cls === 'GRU') config.reset_after = cfg.reset_after === true;
      return { className: cls, config };
    }
    case 'Cropping1D':
      return { className: cls, config: { ...base, cropping: margins1d(cfg.cropping, 1) } };
    case 'ZeroPadding1D':
      return { className: cls, config: { ...base, padding: margins1d(cfg.padding, 1) } };
    case 'UpSampling1D':
      return { className: cls, config: { ...base, size: Number(tuple(pick(cfg, 'size', 'length'), 1, 2)[0]) } };
    case 'Cropping2D':
      return { className: cls, config: { ...base, cropping: margins2d(cfg.cropping, 0), data_format: 'channels_last' } };
    case 'ZeroPadding2D':
      return { className: cls, config: { ...base, padding: margins2d(cfg.padding, 1), data_format: 'channels_last' } };
    case 'UpSampling2D': {
      // Keras resizes with half-pixel centres, TF.js's bilinear resize without: only nearest (the same for whole factors) agrees.
      const interpolation = String(cfg.interpolation ?? 'nearest');
      if (interpolation !== 'nearest') throw new Refusal(`layer '${name}' (UpSampling2D) uses interpolation '${interpolation}'; only 'nearest' is supported (TF.js's bilinear resize differs from Keras's)`);
      return { className: cls, config: { ...base, size: tuple(cfg.size, 2, 2), interpolation, data_format: 'channels_last' } };
    }
    case 'Conv1DTranspose':
    case 'Conv2DTranspose': {
      const n = cls === 'Conv1DTranspose' ? 1 : 2;
      const args = convArgs(cfg, name, n, ['valid', 'same']);
      if ((args.dilation_rate as number[]).some((d) => d !== 1)) throw new Refusal(`layer '${name}' (${cls}) has a dilation rate, which is not supported for transposed convolutions`);
      if (n === 2 && cfg.output_padding != null) throw new Refusal(`layer '${name}' (Conv2DTranspose) sets output_padding, which TF.js lacks`);
      const config: Json = { ...base, filters: Number(cfg.filters), ...args, kernel_initializer: ZEROS };
      if (n === 1) config.output_padding = cfg.output_padding == null ? null : tuple(cfg.output_padding, 1, 0)[0];
      else config.data_format = 'channels_last';
      return { className: cls, config };
    }
    case 'SeparableConv1D':
    case 'SeparableConv2D':
    case 'DepthwiseConv1D':
    case 'DepthwiseConv2D': {
      const n = cls.endsWith('1D') ? 1 : 2;
      const args = convArgs(cfg, name, n, n === 1 ? ['valid', 'same', 'causal'] : ['valid', 'same']);
      const config: Json = { ...base, ...args, depth_multiplier: Number(cfg.depth_multiplier ?? 1), depthwise_initializer: ZEROS };
      if (cls.startsWith('Separable')) Object.assign(config, { filters: Number(cfg.filters), pointwise_initializer: ZEROS });
      if (n === 2) config.data_format = 'channels_last';
      return { className: cls, config };
    }
    case 'LayerNormalization': {
      if (cfg.rms_scaling === true) throw new Refusal(`layer '${name}' (LayerNormalization) uses rms_scaling, which is not supported`);
      return { className: cls, config: { ...base, axis: cfg.axis ?? -1, epsilon: Number(cfg.epsilon ?? 1e-3), center: cfg.center !== false, scale: cfg.scale !== false } };
    }
    case 'MultiHeadAttention': {
      // attention_axes: None or the steps axis (1, or −2 of the projected (batch, steps, heads, size)).
      const axes = cfg.attention_axes == null ? [1] : (Array.isArray(cfg.attention_axes) ? cfg.attention_axes : [cfg.attention_axes]).map(Number);
      if (axes.length !== 1 || (axes[0] !== 1 && axes[0] !== -2)) throw new Refusal(`layer '${name}' (MultiHeadAttention) attends over axes ${JSON.stringify(cfg.attention_axes)}; only the steps axis of (batch, steps, features) is supported`);
      const config = { ...base, num_heads: Number(cfg.num_heads), key_dim: Number(cfg.key_dim), value_dim: cfg.value_dim == null ? null : Number(cfg.value_dim), use_bias: cfg.use_bias !== false, output_dim: attentionOutput(cfg.output_shape, name) };
      return { className: cls, config };
    }
    case 'OneHotEmbedding':
      return { className: cls, config: { ...base, input_dim: Number(cfg.input_dim), output_dim: Number(cfg.output_dim) } };
    default:
      throw new UserError(`internal: no translation for ${cls}`);
  }
}
