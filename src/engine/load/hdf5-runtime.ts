/**
 * The HDF5 library (h5wasm: the HDF5 C library compiled to WebAssembly) and the one door every
 * call into it goes through, `guard`: any failure — an HDF5 error stack, one of h5wasm's own
 * errors ("error - name not defined!"), a trap of the WebAssembly module — comes out as an
 * Hdf5Failure holding a short cause, and the debris of an exception thrown through WebAssembly
 * frames is cleared away.
 *
 * Why the debris matters: h5wasm's throwing error handler (`activate_throwing_error_handler`,
 * which turns HDF5's error stack into a JavaScript Error at the failing call instead of printing
 * it and carrying on with invalid ids) throws from inside C code. The C frames are abandoned
 * without running: the shadow-stack pointer stays where they left it (about 1 kB lower per
 * error) and the temporary file the handler prints the stack into stays open. Measured: after
 * ~2,260 errors the 2 MB stack runs into the heap and the module fails with "null function or
 * function signature mismatch". `guard` puts the stack pointer back and closes those files
 * (20,000 errors in a row then leave the module working).
 *
 * What it cannot undo: HDF5 objects the abandoned C code had opened stay open, and they keep
 * their file open inside the library, which recognises a file by device and inode. Measured: a
 * file that failed once and was then rewritten in place read back as its old contents. Files
 * whose reading failed are therefore remembered (`taint`); asked for one again (`isTainted`), the
 * reader thread (hdf5-reader.ts) gives way to a fresh one with a fresh library.
 *
 * Runs on the reader thread only.
 */
import fs from 'node:fs';
import type * as H5 from 'h5wasm/node';

export type H5Wasm = typeof H5.default;

/** The parts of Emscripten's module we use beyond h5wasm's typed API. */
interface Module {
  activate_throwing_error_handler?: () => number;
  FS: { streams?: ({ fd: number } | null | undefined)[]; close(stream: unknown): void };
}

interface StackExports {
  emscripten_stack_get_current(): number;
  _emscripten_stack_restore(sp: number): void;
}

interface Runtime {
  h5: H5Wasm;
  module: Module;
  /** The WebAssembly instance's stack exports, when we saw it being created. */
  stack?: StackExports;
  /** HDF5 errors throw (h5wasm's throwing handler), rather than being printed to stderr. */
  throwing: boolean;
  /** Set after a trap or abort of the WebAssembly module: its memory can no longer be trusted. */
  broken?: boolean;
}

/**
 * A failure inside the HDF5 library. `detail` says what is wrong ('bad object header version
 * number'); `phrase`, when set, is the whole cause already (a truncation, a crashed library).
 */
export class Hdf5Failure extends Error {
  constructor(
    readonly detail: string,
    /** fatal: the library crashed on this file; fresh: not tried, because it had crashed before. */
    readonly options: { phrase?: boolean; fatal?: boolean; fresh?: boolean } = {},
  ) {
    super(detail);
    this.name = 'Hdf5Failure';
  }

  /** The cause for `<file>: <cause>`; `where` names the object being read, when known. */
  describe(where?: string): string {
    if (this.options.phrase) return this.detail;
    return `corrupt HDF5 file (${where ? `${where}: ` : ''}${this.detail})`;
  }
}

let started: Promise<Runtime> | undefined;
let runtime: Runtime | undefined;
/** Files (device:inode) whose reading failed after they were opened: the library may still hold them. */
const tainted = new Set<string>();

/** A file's identity as HDF5 sees it. */
export function fileIdentity(stat: fs.Stats): string {
  return `${stat.dev}:${stat.ino}`;
}

export function taint(identity: string): void {
  tainted.add(identity);
}

export function isTainted(identity: string): boolean {
  return tainted.has(identity);
}

export function start(): Promise<Runtime> {
  started ??= load().then((r) => (runtime = r));
  return started;
}

type Instantiate = (...args: unknown[]) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>;

async function load(): Promise<Runtime> {
  // h5wasm does not hand out its WebAssembly instance; catch it as it is created. (If h5wasm was
  // already loaded by someone else, we do not see it and fall back to the printing handler.)
  let stack: StackExports | undefined;
  const wasm = WebAssembly as unknown as { instantiate: Instantiate };
  const original = wasm.instantiate;
  wasm.instantiate = async function (this: unknown, ...args: unknown[]) {
    const result = await original.apply(this, args);
    const instance = 'instance' in result ? result.instance : result;
    const e = instance.exports as Partial<StackExports> & Record<string, unknown>;
    if (typeof e.H5Fopen === 'function' && typeof e.emscripten_stack_get_current === 'function' && typeof e._emscripten_stack_restore === 'function') {
      stack = e as unknown as StackExports;
    }
    return result;
  };
  let h5: H5Wasm;
  let module: Module;
  try {
    // h5wasm's Node build is an ES module with only an `import` export condition, so a CommonJS
    // caller (tsx in this package, the esbuild bundles) must reach it through a dynamic import.
    h5 = (await import('h5wasm/node')).default;
    module = (await h5.ready) as unknown as Module;
  } finally {
    wasm.instantiate = original;
  }
  // Without the stack exports a throwing handler would leak stack on every error: keep the
  // printing one then (its output is captured by `guard`).
  const throwing = stack !== undefined && typeof module.activate_throwing_error_handler === 'function' && module.activate_throwing_error_handler() >= 0;
  return { h5, module, stack, throwing };
}

function loaded(): Runtime {
  if (!runtime) throw new Error('hdf5Library() must be awaited before the first call');
  return runtime;
}

/**
 * Runs `fn` (calls into h5wasm) and turns any failure into an Hdf5Failure. Also silences what
 * the library prints: HDF5's diagnostics go straight to file descriptor 2 through fs.writeSync
 * (Emscripten NODERAWFS), Emscripten's own complaints ("Cannot enlarge memory", "Aborted(…)")
 * through console.error; both would put C traces in front of our one-line message. The text is
 * kept to explain the failure instead.
 */
export function guard<T>(fn: () => T): T {
  const rt = loaded();
  if (rt.broken) {
    throw new Hdf5Failure('not read: an earlier corrupt file crashed the HDF5 library', { phrase: true, fatal: true, fresh: true });
  }
  const sp = rt.stack?.emscripten_stack_get_current();
  const streams = openStreams(rt);
  const mutable = fs as unknown as { writeSync: (...args: unknown[]) => number };
  const original = mutable.writeSync;
  let diagnostics = '';
  mutable.writeSync = function (fd: unknown, data: unknown, offset?: unknown, length?: unknown) {
    if (fd !== 2) return original.apply(fs, [...arguments]);
    if (ArrayBuffer.isView(data)) {
      // Emscripten passes its whole heap (an Int8Array) with an offset and a length.
      const start = typeof offset === 'number' ? offset : 0;
      const end = typeof length === 'number' ? start + length : data.byteLength;
      diagnostics += Buffer.from(data.buffer, data.byteOffset + start, end - start).toString('utf8');
      return end - start;
    }
    diagnostics += String(data);
    return String(data).length;
  };
  const stderr = process.stderr as unknown as { write: (...args: unknown[]) => boolean };
  const originalStderr = stderr.write;
  stderr.write = (chunk: unknown) => {
    diagnostics += String(chunk);
    return true;
  };
  try {
    const value = fn();
    // With the printing handler a failure may only show as printed text (and a -1 somewhere).
    if (!rt.throwing && /#\d+:/.test(diagnostics)) throw fromStack(diagnostics);
    return value;
  } catch (err) {
    if (sp !== undefined) rt.stack!._emscripten_stack_restore(sp);
    closeNewStreams(rt, streams);
    if (err instanceof Hdf5Failure) throw err;
    const failure = translate(err, diagnostics);
    if (failure.options.fatal) rt.broken = true;
    throw failure;
  } finally {
    mutable.writeSync = original;
    stderr.write = originalStderr;
  }
}

function openStreams(rt: Runtime): Set<number> {
  const out = new Set<number>();
  for (const s of rt.module.FS.streams ?? []) if (s) out.add(s.fd);
  return out;
}

/** Closes the files opened during a failed call: the error handler's temporary file, never closed. */
function closeNewStreams(rt: Runtime, before: Set<number>): void {
  for (const s of rt.module.FS.streams ?? []) {
    if (s && !before.has(s.fd)) {
      try {
        rt.module.FS.close(s);
      } catch {
        // already closed
      }
    }
  }
}

/** Any error out of h5wasm → what is wrong, in words a user can act on. */
function translate(err: unknown, diagnostics: string): Hdf5Failure {
  const message = err instanceof Error ? err.message : String(err);
  if (/^HDF5-DIAG/.test(message)) return fromStack(message);
  if (/#\d+:/.test(diagnostics)) return fromStack(diagnostics);
  if (err instanceof WebAssembly.RuntimeError || /^Aborted\(/.test(message)) {
    const what = clean(message.replace(/^Aborted\((.*)\)$/s, '$1').split('\n')[0]);
    return new Hdf5Failure(`the HDF5 library crashed on it: ${what || 'aborted'}`, { fatal: true });
  }
  const bytes = /(?:Requested allocation|Memory allocation) of (\d+) bytes/.exec(message)?.[1];
  if (bytes) return new Hdf5Failure(`an object claims ${Number(bytes).toLocaleString('en-US')} bytes, more than can be allocated`);
  // h5wasm's own message when an object it was told exists cannot be opened.
  if (/name not defined/.test(message)) return new Hdf5Failure('an object listed in the file cannot be opened');
  return new Hdf5Failure(clean(message.split('\n')[0]) || 'unreadable');
}

/** The most telling line of an HDF5 error stack (the innermost one); a truncation is said as such. */
export function fromStack(stack: string): Hdf5Failure {
  const lines = stack.split('\n').filter((l) => /^\s*#\d+:/.test(l));
  const last = lines[lines.length - 1] ?? '';
  const text = clean(last.replace(/^.*\(\):\s*/, ''));
  if (/truncated file/.test(text)) {
    const eof = /eof = (\d+)/.exec(text)?.[1];
    const stored = /stored_eof = (\d+)/.exec(text)?.[1];
    return new Hdf5Failure(eof && stored ? `truncated HDF5 file (${eof} bytes, the header says ${stored})` : 'truncated HDF5 file', { phrase: true });
  }
  return new Hdf5Failure(text || 'unreadable');
}

/** HDF5 says "address undefined" for an address it could not read; in a one-line message that reads like a JavaScript slip. */
function clean(text: string): string {
  return text.replace(/\bundefined\b/g, 'not set').replace(/\s+/g, ' ').trim();
}

