/**
 * The one option parser of the CLI and the notebook magics: what each command accepts, the
 * defaults (from the engine's settings), tokenising, parsing and "did you mean" suggestions.
 */
import { ASCENT_METHODS, DEFAULT_SETTINGS, FEATURE_LOGO_MODES, NATIVE_CHOICES, type Settings } from '../engine/settings';
import { BACKENDS } from '../engine/backend-names';
import { UserError } from '../engine/errors';

export type OptionType = 'string' | 'number' | 'int' | 'flag';
/** Where an option makes sense: both front ends, only the CLI (files it writes), only magics. */
export type Scope = 'both' | 'cli' | 'magic';

export interface OptionSpec {
  name: string;
  type: OptionType;
  help: string;
  placeholder?: string;
  default?: string | number | boolean;
  choices?: readonly string[];
  scope?: Scope;
}

export interface ArgumentSpec {
  name: string;
  help: string;
  optional?: boolean;
  /** A model file or folder (front ends offer path completion). */
  path?: boolean;
  /** The last argument may be given several times (`resolve MODEL...`). */
  variadic?: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  args: ArgumentSpec[];
  /** The magic's arguments, where they differ from the CLI's (e.g. %predict FASTA [MODEL] for predict MODEL --fasta FILE). */
  magicArgs?: ArgumentSpec[];
  options: OptionSpec[];
  scope?: Scope;
}

const d = DEFAULT_SETTINGS;

/** Analysis options shared by `resolve` in the CLI and `%resolve`. */
export const ANALYSIS_OPTIONS: OptionSpec[] = [
  { name: 'layer', type: 'string', placeholder: 'L', help: 'analysis layer, by name or index (default: the last convolution/pooling output before the dense part)' },
  { name: 'output', type: 'string', placeholder: 'NAME', default: d.output, help: "model output(s) to analyse: 'all' or one output's name; every unit of each output is a class, named OUTPUT or OUTPUT[i]" },
  { name: 'positions', type: 'string', placeholder: 'A-B', help: 'profile outputs (N, positions, channels): sum only positions A to B (0-based, inclusive) into each channel\'s score (default: every position)' },
  { name: 'classes', type: 'string', placeholder: 'SPEC', default: d.classes, help: "classes to analyse: 'all', indices and ranges like 0-9,12, or names (OUTPUT[i], or from --labels)" },
  { name: 'restarts', type: 'int', placeholder: 'N', default: d.restarts, help: 'random restarts of the ascent per class (T)' },
  { name: 'l2', type: 'number', placeholder: 'X', default: d.l2, help: 'L2 coefficient λ of the objective S_c(H) − λ‖H‖² (sets the scale of every importance)' },
  { name: 'lr', type: 'number', placeholder: 'X', default: d.lr, help: 'initial step size η (decays after 500 iterations)' },
  { name: 'max-iter', type: 'int', placeholder: 'N', default: d.maxIter, help: 'iteration limit per restart' },
  { name: 'patience', type: 'int', placeholder: 'N', default: d.patience, help: 'stop a restart after N iterations without improving the objective' },
  { name: 'seed', type: 'int', placeholder: 'N', default: d.seed, help: 'random seed of the starts (same seed and backend, same numbers)' },
  { name: 'batch-size', type: 'int', placeholder: 'N', default: d.batchSize, help: 'most (class, restart) pairs optimised at once' },
  { name: 'max-memory', type: 'number', placeholder: 'MB', default: d.maxMemoryMB, help: 'memory budget of one chunk of the ascent, in MB' },
  { name: 'backend', type: 'string', placeholder: 'NAME', default: d.backend, choices: BACKENDS, help: 'TensorFlow.js backend: auto (tensorflow, then wasm, then cpu), tensorflow, wasm or cpu' },
  { name: 'ascent', type: 'string', placeholder: 'HOW', default: d.ascent, choices: ASCENT_METHODS, help: "how the ascent is computed: 'direct' through the head, 'hidden' in the space of the head's first dense layer (exact; heads that start with a dense layer), 'auto' picks 'hidden' when it pays" },
  { name: 'native', type: 'string', placeholder: 'HOW', default: d.native, choices: NATIVE_CHOICES, help: "direct ascent on ONNX Runtime's native kernels on every core when it loads and knows every layer of the head ('auto'; else TensorFlow.js, with a note), or always on TensorFlow.js ('off')" },
  { name: 'workers', type: 'int', placeholder: 'N', default: d.workers, help: "worker threads for the ascent and the Gram matrix (0: one per core, at most 4; 1: this thread only)" },
  { name: 'labels', type: 'string', placeholder: 'FILE', help: 'class names (one per line) or a training label matrix (CSV/TSV with a header of names, or NPY; samples × classes)' },
  { name: 'length', type: 'int', placeholder: 'N', help: 'input length for models that declare an unspecified sequence length' },
  { name: 'motifs', type: 'string', placeholder: 'DB', default: 'jaspar', help: "known motifs to name first-layer features by: 'jaspar' (JASPAR 2024 CORE vertebrates, shipped), motif files (TRANSFAC, JASPAR, MEME; comma-separated, e.g. jaspar,mine.meme), or 'none'" },
  { name: 'feature-logos', type: 'string', placeholder: 'HOW', default: d.featureLogos, choices: FEATURE_LOGO_MODES, help: "sequence logos of the features: 'filters' (first-layer filters' weight PWMs), 'optimised' (also logos derived from the model for each class's top --logo-top channels by |OFIV|, at any layer), 'all' (model-derived logos for every channel), 'auto' (filters when the features are first-layer filters, else optimised), 'none'" },
  { name: 'logo-top', type: 'int', placeholder: 'N', default: d.logoTop, help: 'channels per class, by |OFIV|, that get a model-derived logo (--feature-logos optimised or auto)' },
  { name: 'logo-seconds', type: 'number', placeholder: 'S', default: d.logoSeconds, help: 'seconds the sampling of model-derived logos may take; past them the logos come from the sequences drawn so far (the note says how many)' },
  { name: 'keep-maps', type: 'flag', default: d.keepFeatureMaps, help: 'keep every restart’s final feature map in the results (large)' },
];

/**
 * Options of a batch (several models, src/batch): where the results go, how many models run at
 * once, which share of the collection this machine takes, and whether current results are redone.
 */
export const BATCH_OPTIONS: OptionSpec[] = [
  { name: 'out-dir', type: 'string', placeholder: 'DIR', help: 'several models: one NAME.json (and NAME.ipynb) per model in DIR, NAME after the model (CLI default: results)' },
  { name: 'jobs', type: 'int', placeholder: 'N', help: 'models analysed at once, each in its own process (default: what the cores and the free memory allow)' },
  { name: 'shard', type: 'string', placeholder: 'I/N', help: 'take only every N-th model of the sorted collection, starting with the I-th (1 ≤ I ≤ N), so that N machines share it without coordination' },
  { name: 'force', type: 'flag', help: 'redo models whose result in the output folder is already complete and current (same settings and model files)' },
  { name: 'no-notebooks', type: 'flag', help: "several models: write only NAME.json, not the model's notebook of views NAME.ipynb" },
];

export const COMMANDS: Record<string, CommandSpec> = {
  resolve: {
    name: 'resolve',
    summary: 'run DeepResolve on a model: feature importance, non-additive features, class similarity',
    args: [
      {
        name: 'MODEL',
        help: "model file or folder (ONNX .onnx, TF.js model.json, Keras .h5/.keras); several, a folder of models, a quoted glob ('models/**/*.h5') or @LIST (a file of paths, one a line) run a batch",
        path: true,
        variadic: true,
      },
    ],
    options: [
      ...ANALYSIS_OPTIONS,
      ...BATCH_OPTIONS,
      { name: 'out', type: 'string', placeholder: 'FILE', default: 'results.json', scope: 'cli', help: 'one model: where to write the results JSON' },
      { name: 'notebook', type: 'string', placeholder: 'FILE', scope: 'cli', help: 'one model: also write a notebook (.ipynb) whose cells show the results' },
      { name: 'as', type: 'string', placeholder: 'NAME', scope: 'magic', help: 'name of the result in this notebook session' },
    ],
  },
  summarize: {
    name: 'summarize',
    summary: "one row per model (and class) of a folder of results: top features with their best known motif, whether the model's factor is among them at ranks 1/3/5 (q ≤ 0.05 and ≤ 0.5), non-additive features; and the counts over all models",
    args: [{ name: 'DIR', help: 'folder of results (.json, as resolve --out-dir writes them; searched recursively)', path: true }],
    options: [
      { name: 'factors', type: 'string', placeholder: 'FILE', help: "which factor each model was trained on: lines 'PATTERN FACTOR[,FACTOR…]' (PATTERN: a model name, path or class name, * and ? allowed) and families 'FACTOR ~ NAME …' (e.g. CTCF ~ CTCFL, FOXA1 ~ FOX*)" },
      { name: 'out', type: 'string', placeholder: 'FILE', help: 'write the table as TSV (CLI default: DIR/summary.tsv)' },
      { name: 'notebook', type: 'string', placeholder: 'FILE', scope: 'cli', help: 'also write a notebook (.ipynb) with the table (sortable, filterable, rows linking to each model\'s notebook) and the counts' },
    ],
  },
  predict: {
    name: 'predict',
    summary: "the model's outputs (after its final activation) for each sequence of a FASTA file, as TSV: id, then one column per output unit",
    args: [{ name: 'MODEL', help: 'model file or folder (ONNX .onnx, TF.js model.json, Keras .h5/.keras)', path: true }],
    magicArgs: [
      { name: 'FASTA', help: 'FASTA file of the sequences, relative to the notebook', path: true },
      { name: 'MODEL', help: 'session model name or model path (default: the last model loaded)', optional: true, path: true },
    ],
    options: [
      { name: 'fasta', type: 'string', placeholder: 'FILE', scope: 'cli', help: 'FASTA file of the sequences (each as long as the model input; A, C, G, T in any case, N and other letters encode as zeros)' },
      { name: 'out', type: 'string', placeholder: 'FILE', help: 'write the TSV to FILE (CLI default: standard output; notebook: shown in the cell)' },
      { name: 'length', type: 'int', placeholder: 'N', help: 'input length for models that declare an unspecified sequence length' },
      { name: 'backend', type: 'string', placeholder: 'NAME', default: d.backend, choices: BACKENDS, help: 'TensorFlow.js backend: auto, tensorflow, wasm or cpu' },
    ],
  },
  layers: {
    name: 'layers',
    summary: 'list the layers of a model with their output shapes (* marks the default analysis layer) and its outputs',
    args: [{ name: 'MODEL', help: 'model file or folder', path: true }],
    options: [{ name: 'length', type: 'int', placeholder: 'N', help: 'input length for models with an unspecified length' }],
  },
  kernel: {
    name: 'kernel',
    scope: 'cli',
    summary: "the Jupyter kernel (docs/jupyter.md): 'install' its kernel spec, so that JupyterLab, Jupyter Notebook and VS Code's Jupyter extension offer the DeepResolve kernel; 'uninstall' it; 'run' it (what kernel.json starts)",
    args: [{ name: 'ACTION', help: 'install, uninstall or run' }],
    options: [
      { name: 'user', type: 'flag', help: "the user's Jupyter data folder (jupyter --data-dir; the default)" },
      { name: 'prefix', type: 'string', placeholder: 'DIR', help: 'DIR/share/jupyter/kernels instead (a virtualenv or conda environment: its sys.prefix)' },
      { name: 'name', type: 'string', placeholder: 'NAME', default: 'deepresolve', help: 'kernel spec name (notebooks name their kernel by it)' },
      { name: 'display-name', type: 'string', placeholder: 'TEXT', default: 'DeepResolve', help: 'name shown in the launcher and the kernel menus' },
      { name: 'connection-file', type: 'string', placeholder: 'FILE', help: "run: the connection file Jupyter wrote ({connection_file} in kernel.json)" },
    ],
  },
  // Notebook-only commands (the magics); the CLI ignores scope 'magic' commands.
  load_model: {
    name: 'load_model',
    scope: 'magic',
    summary: 'load a model into this notebook session (later magics refer to it by name)',
    args: [{ name: 'PATH', help: 'model file or folder, relative to the notebook', path: true }],
    options: [
      { name: 'as', type: 'string', placeholder: 'NAME', help: 'session name of the model (default: the file or folder name)' },
      { name: 'length', type: 'int', placeholder: 'N', help: 'input length for models with an unspecified length' },
    ],
  },
  similarity: {
    name: 'similarity',
    scope: 'magic',
    summary: 'class similarity: correlation of the classes’ OFIV vectors, clustered (and the label correlation when labels were given)',
    args: [{ name: 'RESULT', help: 'result name (default: the last result)', optional: true }],
    options: [],
  },
  interactions: {
    name: 'interactions',
    scope: 'magic',
    summary: 'non-additive features of a class: importance variance across restarts and the Gaussian-mixture groups',
    args: [
      { name: 'CLASS', help: "class index or name, or 'top' (the class with the highest score)" },
      { name: 'RESULT', help: 'result name (default: the last result)', optional: true },
    ],
    options: [],
  },
  features: {
    name: 'features',
    scope: 'magic',
    summary: 'the most important features of a class (OFIV, ONIV, spread), with negative features marked',
    args: [
      { name: 'CLASS', help: "class index or name, or 'top' (the class with the highest score)" },
      { name: 'RESULT', help: 'result name (default: the last result)', optional: true },
    ],
    options: [{ name: 'top', type: 'int', placeholder: 'N', default: 10, help: 'how many features to list' }],
  },
  logos: {
    name: 'logos',
    scope: 'magic',
    summary: 'sequence logos of first-layer features (their filters as position weight matrices)',
    args: [
      { name: 'FEATURES', help: "feature indices and ranges like 0-3,7 (default: all)", optional: true },
      { name: 'RESULT', help: 'result name (default: the last result)', optional: true },
    ],
    options: [],
  },
  motifs: {
    name: 'motifs',
    scope: 'magic',
    summary: 'known transcription-factor motifs that match the features (TOMTOM-like; name, ID, offset, strand, p, q)',
    args: [
      { name: 'FEATURE', help: "a feature index or name, or indices and ranges like 0-3,7 (default: every feature with a PWM)", optional: true },
      { name: 'RESULT', help: 'result name (default: the last result)', optional: true },
    ],
    options: [
      { name: 'db', type: 'string', placeholder: 'FILE', help: "match again against this collection: motif files relative to the notebook (TRANSFAC, JASPAR, MEME; comma-separated) or 'jaspar' (default: the matches stored by %resolve)" },
      { name: 'top', type: 'int', placeholder: 'N', default: 3, help: 'matches listed per feature, best first' },
    ],
  },
  export: {
    name: 'export',
    scope: 'magic',
    summary: 'write a result to a file: .json for the full results document, .csv for the OFIV matrix (features × classes)',
    args: [
      { name: 'PATH', help: 'output file, relative to the notebook (.json or .csv)' },
      { name: 'RESULT', help: 'result name (default: the last result)', optional: true },
    ],
    options: [],
  },
  backend: {
    name: 'backend',
    scope: 'magic',
    summary: 'show the TensorFlow.js backend of this session, or choose one (auto, tensorflow, wasm, cpu)',
    args: [{ name: 'NAME', help: `backend: ${BACKENDS.join(', ')}`, optional: true }],
    options: [],
  },
  help: {
    name: 'help',
    scope: 'magic',
    summary: 'list the magics, or show the help of one (also: %resolve?)',
    args: [{ name: 'MAGIC', help: 'a magic name', optional: true }],
    options: [],
  },
};

/** Splits a command line into words; single or double quotes keep spaces, backslash escapes. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | null = null;
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`unclosed ${quote} quote`);
  if (inWord) words.push(word);
  return words;
}

/** Edit distance, for suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]++;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest candidate, if it is close enough to be what was meant. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = c.startsWith(word) && word.length >= 2 ? 0.5 : distance(word, c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

export interface Parsed {
  args: string[];
  options: Record<string, string | number | boolean>;
}

function parseValue(spec: OptionSpec, raw: string, prefix: string): string | number {
  const name = `${prefix}${spec.name}`;
  if (spec.type === 'number' || spec.type === 'int') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new UserError(`${name} expects a number, got '${raw}'`);
    if (spec.type === 'int' && !Number.isInteger(value)) throw new UserError(`${name} expects a whole number, got '${raw}'`);
    return value;
  }
  if (spec.choices && !spec.choices.includes(raw)) {
    const hint = closest(raw, [...spec.choices]);
    throw new UserError(`${name} must be one of ${spec.choices.join(', ')}, got '${raw}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
  }
  return raw;
}

/** Parses the words after the command name. `scope` drops the other front end's options. */
export function parseCommand(command: CommandSpec, words: string[], scope: Exclude<Scope, 'both'>, prefix = '--'): Parsed {
  const options = command.options.filter((o) => (o.scope ?? 'both') === 'both' || o.scope === scope);
  const parsed: Parsed = { args: [], options: {} };
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (!word.startsWith('--') || word === '--') {
      parsed.args.push(word);
      continue;
    }
    const [key, inline] = word.slice(2).split(/=(.*)/s, 2);
    const spec = options.find((o) => o.name === key);
    if (!spec) {
      const hint = closest(key, options.map((o) => o.name));
      throw new UserError(`unknown option --${key} for ${prefix === '--' ? '' : '%'}${command.name}${hint ? ` (did you mean --${hint}?)` : ''}`);
    }
    if (spec.type === 'flag') {
      if (inline !== undefined) throw new UserError(`--${key} takes no value`);
      parsed.options[spec.name] = true;
      continue;
    }
    const raw = inline ?? words[++i];
    if (raw === undefined) throw new UserError(`--${key} needs a value (${spec.placeholder ?? spec.type})`);
    parsed.options[spec.name] = parseValue(spec, raw, '--');
  }
  const required = command.args.filter((a) => !a.optional).length;
  if (parsed.args.length < required) {
    throw new UserError(`${command.name} needs ${command.args.slice(parsed.args.length, required).map((a) => a.name).join(' ')}`);
  }
  if (parsed.args.length > command.args.length && !command.args[command.args.length - 1]?.variadic) {
    throw new UserError(`${command.name}: unexpected argument '${parsed.args[command.args.length]}'`);
  }
  return parsed;
}

/** Engine settings from parsed analysis options (unset options keep the engine's defaults). */
export function toSettings(options: Parsed['options']): Partial<Settings> {
  const pick = <T>(key: string) => options[key] as T | undefined;
  return {
    layer: pick<string>('layer'),
    classes: pick<string>('classes'),
    output: pick<string>('output'),
    positions: pick<string>('positions'),
    restarts: pick<number>('restarts'),
    l2: pick<number>('l2'),
    lr: pick<number>('lr'),
    maxIter: pick<number>('max-iter'),
    patience: pick<number>('patience'),
    seed: pick<number>('seed'),
    batchSize: pick<number>('batch-size'),
    maxMemoryMB: pick<number>('max-memory'),
    backend: pick<Settings['backend']>('backend'),
    ascent: pick<Settings['ascent']>('ascent'),
    native: pick<Settings['native']>('native'),
    workers: pick<number>('workers'),
    keepFeatureMaps: pick<boolean>('keep-maps'),
    featureLogos: pick<Settings['featureLogos']>('feature-logos'),
    logoTop: pick<number>('logo-top'),
    logoSeconds: pick<number>('logo-seconds'),
  };
}

/** Usage text of a command, for --help and %help. */
export function usage(command: CommandSpec, scope: Exclude<Scope, 'both'>, prefix: string): string {
  const options = command.options.filter((o) => (o.scope ?? 'both') === 'both' || o.scope === scope);
  const shown = (a: ArgumentSpec) => `${a.name}${a.variadic ? '...' : ''}`;
  const args = command.args.map((a) => (a.optional ? `[${shown(a)}]` : shown(a))).join(' ');
  const lines = [`${prefix}${command.name} ${args}${options.length ? ' [options]' : ''}`.trim(), '', command.summary];
  if (command.args.length) lines.push('', ...command.args.map((a) => `  ${a.name.padEnd(22)} ${a.help}`));
  if (options.length) {
    lines.push('', 'Options:');
    for (const o of options) {
      const left = `  --${o.name}${o.type === 'flag' ? '' : ` ${o.placeholder ?? 'X'}`}`;
      const def = o.default !== undefined && o.type !== 'flag' ? ` (default: ${o.default})` : '';
      lines.push(`${left.padEnd(24)} ${o.help}${def}`);
    }
  }
  return lines.join('\n');
}

/** The commands of one front end: the CLI should offer only these in help and "did you mean". */
export function commandsFor(scope: Exclude<Scope, 'both'>): CommandSpec[] {
  return Object.values(COMMANDS).filter((c) => (c.scope ?? 'both') === 'both' || c.scope === scope);
}
