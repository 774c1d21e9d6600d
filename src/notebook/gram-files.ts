/**
 * Gram matrices kept as files between CLI runs (src/engine/ascent/gram-store.ts says why), in
 * $DEEPRESOLVE_CACHE_DIR, else $XDG_CACHE_HOME/deepresolve, else ~/.cache/deepresolve.
 * DEEPRESOLVE_CACHE_DIR=off turns it off. A cache must never fail a run: I/O errors are ignored.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GramStore } from '../engine/ascent/gram-store';
import { writeFileAtomic } from '../engine/write-atomic';

export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.DEEPRESOLVE_CACHE_DIR === 'off') return null;
  return env.DEEPRESOLVE_CACHE_DIR || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'deepresolve');
}

export function gramFileStore(dir = cacheDirectory()): GramStore | undefined {
  if (!dir) return undefined;
  const file = (key: string) => path.join(dir, `gram-${key}.f32`);
  return {
    get(key) {
      try {
        const bytes = fs.readFileSync(file(key));
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      } catch {
        return undefined;
      }
    },
    set(key, gram) {
      try {
        // Atomic: another run reading the cache meanwhile sees the old file or the whole new one.
        writeFileAtomic(file(key), new Uint8Array(gram.buffer, gram.byteOffset, gram.byteLength));
      } catch {
        // read-only or full disk: the next run computes it again
      }
    },
  };
}
