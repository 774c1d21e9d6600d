/**
 * The one way the product writes a file a user keeps (results, notebooks, exports, caches):
 * a temporary file in the target's folder, flushed to disk, then renamed over the target. A
 * failure or a kill at any point leaves the previous file intact (rename is atomic within a
 * folder), and no half-written file ever carries the target's name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

let counter = 0;

/** A temporary name beside `target`, unique to this process and call. */
export function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}${(counter++).toString(36)}.tmp`);
}

/** Writes `data` to `target` atomically (temp file + fsync + rename). */
export function writeFileAtomic(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  let fd: number | null = null;
  try {
    fd = fs.openSync(tmp, 'wx', 0o644);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (err) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
