/**
 * Keras architecture files (.json from model.to_json(), .yaml from model.to_yaml()). YAML is read
 * with a data-only schema: PyYAML writes tuples as !!python/tuple, which we read as lists; any
 * other Python tag (objects, functions) is refused rather than interpreted.
 */
import { CORE_SCHEMA, NOT_RESOLVED, defineScalarTag, defineSequenceTag, load } from 'js-yaml';
import { UserError } from '../errors';

const tuple = defineSequenceTag<unknown[]>('tag:yaml.org,2002:python/tuple', {
  create: () => [],
  addItem: (carrier, item) => {
    carrier.push(item);
  },
  identify: () => false,
});
const unicode = defineScalarTag<string>('tag:yaml.org,2002:python/unicode', {
  resolve: (source) => (typeof source === 'string' ? source : NOT_RESOLVED),
  identify: () => false,
});
const SCHEMA = CORE_SCHEMA.withTags(tuple, unicode);

export function isYamlName(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

/** Is this decoded JSON a Keras architecture (not a TF.js model.json)? */
export function isKerasArchitecture(json: unknown): boolean {
  return typeof json === 'object' && json !== null && !Array.isArray(json) && typeof (json as { class_name?: unknown }).class_name === 'string' && 'config' in json;
}

/** Parses an architecture file's text; refuses unreadable text with one line. */
export function parseArchitectureText(file: string, text: string): unknown {
  if (isYamlName(file)) {
    try {
      return load(text, { schema: SCHEMA });
    } catch (err) {
      const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (/python\//.test(msg)) throw new UserError(`${file}: the YAML holds Python objects; refused, because loading a model never executes code from the file`);
      throw new UserError(`${file}: not valid YAML (${msg})`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file}: not valid JSON (truncated or corrupt?): ${err instanceof Error ? err.message : String(err)}`);
  }
}
