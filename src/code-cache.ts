/**
 * A V8 code cache beside a CommonJS bundle, so that a new process does not compile the whole
 * bundle again: V8 took 0.13 s of every CLI run to compile dist/cli-main.js (5.7 MB), about 0.03 s
 * with its cache (issue 16, bench/cli-cold.ts). `npm run build` writes the cache with the Node
 * that builds (scripts/build.mjs, through dist/code-cache.js); it is used only by that same Node
 * version for that very file (size and modification time recorded beside it), because V8 checks
 * its version but not the source text. Anything else — another Node, a rebuilt bundle, no
 * cache, a cache V8 rejects, DEEPRESOLVE_DEBUG (source maps are read only by require) — loads
 * the bundle with plain require, as before.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { writeFileAtomic, writeJsonAtomic } from './engine/write-atomic';

interface Stamp {
  node: string;
  arch: string;
  size: number;
  mtimeMs: number;
}

const cacheFile = (file: string) => `${file}.v8cache`;
const stampFile = (file: string) => `${file}.v8cache.json`;
// The function Node wraps a CommonJS module in.
const wrap = (source: string) => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

function stampOf(file: string): Stamp {
  const s = fs.statSync(file);
  return { node: process.version, arch: process.arch, size: s.size, mtimeMs: s.mtimeMs };
}

/** Runs a compiled bundle as a CommonJS module of `file`; returns its exports. */
function run(script: vm.Script, file: string): unknown {
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** The bundle compiled with its cache, or undefined when there is no cache this Node can use for it. */
function compiledWithCache(file: string): vm.Script | undefined {
  try {
    const recorded = JSON.parse(fs.readFileSync(stampFile(file), 'utf8')) as Stamp;
    const now = stampOf(file);
    if (recorded.node !== now.node || recorded.arch !== now.arch || recorded.size !== now.size || recorded.mtimeMs !== now.mtimeMs) return undefined;
    const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData: fs.readFileSync(cacheFile(file)) });
    return script.cachedDataRejected ? undefined : script;
  } catch {
    return undefined; // no cache (or unreadable): compiled by require below
  }
}

/** Loads the bundle `file` (absolute), with its code cache when this Node made it for this file. */
export function requireBundle(file: string, useCache = true): unknown {
  const script = useCache ? compiledWithCache(file) : undefined;
  // Outside the try above: an error of the bundle's own top level is the bundle's, not a reason to load it twice.
  return script ? run(script, file) : require(file);
}

/**
 * Writes the code cache of the bundle `file` (the build does, once per bundle written): compiled,
 * its top level run (so the functions that run while it loads are compiled into the cache too),
 * and the cache taken then.
 */
export function writeCodeCache(file: string): void {
  const script = new vm.Script(wrap(fs.readFileSync(file, 'utf8')), { filename: file });
  run(script, file);
  writeFileAtomic(cacheFile(file), script.createCachedData());
  writeJsonAtomic(stampFile(file), stampOf(file));
}
