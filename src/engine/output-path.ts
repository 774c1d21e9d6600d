/**
 * Whether a file can be written where the user asked, checked before any long work starts (every
 * front door: the CLI's --out and --notebook, %export), so a typo or a read-only folder costs a
 * second, not an analysis. The check creates nothing but one probe file it removes at once; the
 * folders are made when the file is written (write-atomic.ts). Failures are one UserError line
 * naming the path and the cause.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UserError } from './errors';

/** The cause of a failed write in words, from the system error code; `where` adds detail. */
function describe(code: string | undefined, where?: string): string {
  const at = where ? ` (${where})` : '';
  switch (code) {
    case 'EROFS':
      return `read-only file system${at}`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied${at}`;
    case 'ENOTDIR':
    // mkdir -p says EEXIST when a part of the path is a file.
    case 'EEXIST':
      return `a path under a file${at}`;
    case 'EISDIR':
      return 'it is a folder';
    case 'ENOSPC':
      return `no space left on the device${at}`;
    case 'EDQUOT':
      return `disk quota exceeded${at}`;
    case 'ENAMETOOLONG':
      return 'the name is too long';
    case 'ENOENT':
      // A folder that refuses new files without saying why (e.g. /proc).
      return `files cannot be created there${at}`;
    default:
      return `${code ?? 'unknown error'}${at}`;
  }
}

function message(file: string, what: string, cause: string): string {
  return `${file}: cannot write${what ? ` ${what}` : ''}: ${cause}`;
}

/** The UserError for a write that failed: `<file>: cannot write <what>: <cause>`. */
export function cannotWrite(file: string, err: unknown, what = ''): UserError {
  const code = (err as NodeJS.ErrnoException)?.code;
  return new UserError(message(file, what, code ? describe(code) : err instanceof Error ? err.message : String(err)));
}

function fail(file: string, what: string, code: string | undefined, where?: string): never {
  throw new UserError(message(file, what, describe(code, where)));
}

/**
 * Throws a UserError unless `file` can be written: it is not a folder, every existing part of its
 * folder is a folder, and the nearest existing one accepts a new file (a probe file is created and
 * removed there). `what` says which output it is in the message, e.g. "the results (--out)".
 */
export function checkOutputPath(file: string, what = ''): void {
  const target = path.resolve(file);
  if (Buffer.byteLength(path.basename(target)) > 255) fail(file, what, 'ENAMETOOLONG');
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') {
      // Find which part of the path is a file.
      let dir = path.dirname(target);
      while (dir !== path.dirname(dir) && !isFile(dir)) dir = path.dirname(dir);
      fail(file, what, 'ENOTDIR', `${dir} is a file`);
    }
    if (code !== 'ENOENT') fail(file, what, code);
  }
  if (existing?.isDirectory()) fail(file, what, 'EISDIR');
  // The nearest folder that exists is where the file (or its missing folders) would be created.
  let dir = existing ? path.dirname(fs.realpathSync(target)) : path.dirname(target);
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  if (!fs.statSync(dir).isDirectory()) fail(file, what, 'ENOTDIR', `${dir} is a file`);
  const probe = path.join(dir, `.deepresolve-probe.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    fs.closeSync(fs.openSync(probe, 'wx'));
  } catch (err) {
    fail(file, what, (err as NodeJS.ErrnoException).code, dir === path.dirname(target) ? undefined : `in ${dir}`);
  }
  fs.rmSync(probe, { force: true });
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}
