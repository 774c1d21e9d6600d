/**
 * The one way the product writes a file a user keeps (results, notebooks, exports, caches):
 * a temporary file in the target's folder, flushed to disk, then renamed over the target. A
 * failure or a kill at any point leaves the previous file intact (rename is atomic within a
 * folder), and no half-written file ever carries the target's name.
 *
 * A killed writer leaves its temporary file (`.NAME.PID.STAMP.tmp`, hidden, beside the target);
 * the next write of the same target removes it once its process is gone and it has not changed
 * for STALE_MS. Missing folders are created. A write the file system refuses (full disk, read-only,
 * permissions) throws a UserError naming the file and the cause (output-path.ts words it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonChunks } from './json-chunks';
import { cannotWrite } from './output-path';

/** What can be written: text (UTF-8), bytes, or a value written as JSON text in pieces. */
export type Payload = string | Uint8Array | { json: unknown };

export interface FileWrite {
  path: string;
  data: Payload;
}

/** A killed writer's temporary file is removed after this long untouched (its process gone). */
export const STALE_MS = 10 * 60 * 1000;
/** Bytes per write call (and the JSON writer's buffer). */
const CHUNK = 1 << 22;

let counter = 0;

/** The hidden temporary names of `target` start with this (long names are cut to stay legal). */
function tempPrefix(target: string): string {
  return `.${path.basename(target).slice(0, 100)}.`;
}

/** A temporary name beside `target`, unique to this process and call. */
export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `${tempPrefix(target)}${process.pid}.${Date.now().toString(36)}${(counter++).toString(36)}.tmp`);
}

/** The file a write really replaces: a symbolic link's target, so the link stays a link. */
function realTarget(target: string): string {
  try {
    if (fs.lstatSync(target).isSymbolicLink()) return fs.realpathSync(target);
  } catch {
    // missing or a dangling link: write the name itself
  }
  return target;
}

function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Removes temporary files of `target` left by killed writers (best effort, never throws). */
export function removeStaleTemps(target: string, now = Date.now()): void {
  const dir = path.dirname(target);
  const prefix = tempPrefix(target);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
    const pid = Number(name.slice(prefix.length).split('.')[0]);
    if (!Number.isInteger(pid) || pid === process.pid || !processGone(pid)) continue;
    const file = path.join(dir, name);
    try {
      if (now - fs.statSync(file).mtimeMs > STALE_MS) fs.rmSync(file, { force: true });
    } catch {
      // another writer cleaned it up first
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array) {
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, Math.min(CHUNK, bytes.length - off));
}

function writePayload(fd: number, data: Payload) {
  if (typeof data === 'string') {
    // Long strings in slices: one Buffer of the whole text would double the memory.
    let start = 0;
    while (start < data.length) {
      let end = Math.min(data.length, start + CHUNK);
      // Do not split a surrogate pair between two slices.
      const last = data.charCodeAt(end - 1);
      if (end < data.length && last >= 0xd800 && last <= 0xdbff) end--;
      writeAll(fd, Buffer.from(data.slice(start, end), 'utf8'));
      start = end;
    }
  } else if (data instanceof Uint8Array) {
    writeAll(fd, data);
  } else {
    let buffered: string[] = [];
    let size = 0;
    for (const piece of jsonChunks(data.json)) {
      buffered.push(piece);
      size += piece.length;
      if (size >= CHUNK) {
        writeAll(fd, Buffer.from(buffered.join(''), 'utf8'));
        buffered = [];
        size = 0;
      }
    }
    writeAll(fd, Buffer.from(buffered.join(''), 'utf8'));
  }
}

/** Writes `data` to a new temporary file beside `target`, flushed to disk; returns its name. */
function writeTemp(target: string, data: Payload): string {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  removeStaleTemps(target);
  const tmp = tempPathFor(target);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    // A file the user made private stays private.
    try {
      fs.fchmodSync(fd, fs.statSync(target).mode & 0o7777);
    } catch {
      // no previous file
    }
    writePayload(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    return tmp;
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Makes the renames in `dir` durable (best effort: not every platform can fsync a folder). */
function syncFolder(dir: string) {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Windows, some network file systems
  }
}

/** Writes `data` to `target` atomically (temp file + fsync + rename). */
export function writeFileAtomic(target: string, data: Payload): void {
  writeFilesAtomic([{ path: target, data }]);
}

/** Writes a value as JSON text to `target` atomically, in pieces (no size limit but the disk's). */
export function writeJsonAtomic(target: string, value: unknown): void {
  writeFileAtomic(target, { json: value });
}

/**
 * Writes several files as one: every file is written and flushed to a temporary file first, and
 * only when all of them are complete are they renamed over their targets, in the order given.
 * A failure or a kill while writing leaves every previous file as it was. The renames are separate
 * system calls microseconds apart: a kill or power loss exactly between two of them leaves the
 * files before it new and the ones after it old (each one complete, never half-written). Callers
 * put the primary file (results.json) last, so a new primary always comes with its companions.
 */
export function writeFilesAtomic(files: FileWrite[]): void {
  const targets = files.map((f) => realTarget(f.path));
  const temps: string[] = [];
  let current = 0;
  try {
    for (; current < files.length; current++) temps.push(writeTemp(targets[current], files[current].data));
    for (current = 0; current < files.length; current++) {
      fs.renameSync(temps[current], targets[current]);
      temps[current] = '';
    }
  } catch (err) {
    for (const t of temps) if (t) fs.rmSync(t, { force: true });
    // The file system refused (full, read-only, permissions): the user's to fix, named by path.
    // Anything else (a value JSON cannot hold) is a bug and goes up as it is.
    if (typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall) throw cannotWrite(files[current].path, err);
    throw err;
  }
  for (const dir of new Set(targets.map((t) => path.dirname(t)))) syncFolder(dir);
}
