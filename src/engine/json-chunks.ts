/**
 * JSON text of a value in pieces, so a large results document is written without ever being one
 * string: V8 caps a string at 2^29 − 24 characters (about 512 MB), and a single string plus its
 * UTF-8 copy would double the peak memory of a write anyway. The pieces concatenate to exactly
 * `JSON.stringify(value)` (no replacer, no indentation): every small subtree, and every run of
 * primitives in a large array, is serialized by JSON.stringify itself; this file only walks the
 * large arrays and plain objects above them.
 */

/** Subtrees with at most this many values (about a megabyte of JSON) go to JSON.stringify whole. */
const SMALL = 1 << 16;
/** Elements per slice of a large array of primitives. */
const SLICE = 1 << 13;

function isPlainContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Whether `v` holds at most SMALL values (counts without recursing past the budget). */
function isSmall(v: unknown): boolean {
  let budget = SMALL;
  const stack: unknown[] = [v];
  while (stack.length) {
    const x = stack.pop();
    if (typeof x !== 'object' || x === null) continue;
    const n = Array.isArray(x) ? x.length : ArrayBuffer.isView(x) ? (x as unknown as ArrayLike<unknown>).length : Object.keys(x).length;
    budget -= n + 1;
    if (budget < 0) return false;
    if (Array.isArray(x)) for (const y of x) stack.push(y);
    else if (!ArrayBuffer.isView(x)) for (const y of Object.values(x)) stack.push(y);
  }
  return true;
}

/** What JSON.stringify serializes for `value` under `key`: its toJSON result if it has one. */
function jsonValue(value: unknown, key: string): unknown {
  const toJSON = (value as { toJSON?: unknown } | null | undefined)?.toJSON;
  return typeof toJSON === 'function' ? toJSON.call(value, key) : value;
}

/**
 * The JSON text of `value` in pieces of up to about a megabyte each; `undefined` (not JSON) throws.
 * Circular structures throw a TypeError, as JSON.stringify does.
 */
export function* jsonChunks(value: unknown): Generator<string> {
  const top = jsonValue(value, '');
  if (isPlainContainer(top) && !isSmall(top)) {
    yield* container(top, new Set());
    return;
  }
  const text = JSON.stringify(top);
  if (text === undefined) throw new TypeError('not a JSON value');
  yield text;
}

/** One element of a container: its text, or undefined where JSON.stringify leaves it out. */
function* member(v: unknown, ancestors: Set<object>): Generator<string, boolean> {
  if (isPlainContainer(v) && !isSmall(v)) {
    yield* container(v, ancestors);
    return true;
  }
  const text = JSON.stringify(v);
  if (text === undefined) return false;
  yield text;
  return true;
}

function* container(v: Record<string, unknown> | unknown[], ancestors: Set<object>): Generator<string> {
  if (ancestors.has(v)) throw new TypeError('Converting circular structure to JSON');
  ancestors.add(v);
  if (Array.isArray(v)) {
    yield '[';
    for (let i = 0; i < v.length; i += SLICE) {
      const slice = v.slice(i, i + SLICE);
      if (i) yield ',';
      if (slice.every((x) => typeof x !== 'object' || x === null)) {
        // Primitives only: JSON.stringify gives the same text per element as inside the array.
        yield JSON.stringify(slice).slice(1, -1);
        continue;
      }
      for (let j = 0; j < slice.length; j++) {
        if (j) yield ',';
        const written = yield* member(jsonValue(slice[j], String(i + j)), ancestors);
        if (!written) yield 'null';
      }
    }
    yield ']';
  } else {
    yield '{';
    let first = true;
    for (const key of Object.keys(v)) {
      const x = jsonValue(v[key], key);
      // Members JSON leaves out (undefined, functions, symbols) produce no text at all.
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      yield `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      yield* member(x, ancestors);
    }
    yield '}';
  }
  ancestors.delete(v);
}
