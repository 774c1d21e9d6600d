/**
 * The supported layer set, and the translation of one layer's Keras 1, 2 or 3 configuration into
 * the Keras-2-style configuration TF.js deserialises. Only arguments that change what the layer
 * computes at inference are kept: initialisers, regularisers and constraints (e.g. Keras 1
 * MaxNorm) only matter for training, so they are dropped rather than interpreted.
 */
import { UserError } from '../errors';

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
};

/** The supported set, for messages and docs/formats.md. */
export const SUPPORTED_LAYERS = [...new Set(Object.keys(CLASS_MAP))].sort();

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
]);

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
  const key = String(name).toLowerCase();
  if (!Object.hasOwn(ACTIVATIONS, key)) {
    throw new Refusal(`layer '${layer}' uses the activation '${String(name)}', a custom object or one TF.js lacks`);
  }
  return ACTIVATIONS[key];
}

function padding(v: unknown, layer: string): string {
  const p = String(v ?? 'valid').toLowerCase();
  if (p !== 'valid' && p !== 'same' && p !== 'causal') throw new Refusal(`layer '${layer}' uses padding '${p}', which TF.js lacks`);
  return p;
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
    default:
      throw new UserError(`internal: no translation for ${cls}`);
  }
}
