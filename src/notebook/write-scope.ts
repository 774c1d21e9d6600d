/**
 * Where a notebook's magics may write without asking: inside the workspace folders (or the
 * notebook's own folder when it belongs to none). A notebook is a file someone else may have
 * written, so `%export ../../.bashrc.json` must not reach outside them silently (docs/security.md).
 * Pure path logic on the real file system, no vscode: the controller asks the user, run-magic
 * refuses when nobody can be asked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where a write to `file` really lands: its longest existing part (the file itself when it exists,
 * as writeFileAtomic writes through a link at the target) with every symbolic link resolved, then
 * the parts that do not exist yet. `..` is resolved first, as the magics do before writing
 * (Session.resolvePath). Undefined when an existing part cannot be resolved (a dangling link or a
 * folder that cannot be read): nobody can tell where the write would go.
 */
export function realLocation(file: string): string | undefined {
  let existing = path.resolve(file);
  const missing: string[] = [];
  for (;;) {
    try {
      fs.lstatSync(existing);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a part of the path is a file; the write fails later with its own message.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return undefined;
    }
    const parent = path.dirname(existing);
    if (parent === existing) return undefined;
    missing.unshift(path.basename(existing));
    existing = parent;
  }
  try {
    // .native: the names as the file system stores them, so a case-insensitive disk (macOS,
    // Windows) gives one spelling; names are then compared exactly, as Linux does.
    return path.join(fs.realpathSync.native(existing), ...missing);
  } catch {
    return undefined;
  }
}

/** Whether `target` is `folder` or below it (both real, absolute paths); `/ws2` is not below `/ws`. */
export function isBelow(target: string, folder: string): boolean {
  const rel = path.relative(folder, target);
  if (rel === '') return true;
  return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

export interface WriteCheck {
  inside: boolean;
  /** Where the write would really go (links resolved), when that can be told. */
  real?: string;
}

/** Whether writing `file` stays inside one of `folders`, after resolving `..` and links of both. */
export function checkWrite(file: string, folders: readonly string[]): WriteCheck {
  const real = realLocation(file);
  if (real === undefined) return { inside: false };
  const inside = folders.some((f) => {
    const root = realLocation(f);
    return root !== undefined && isBelow(real, root);
  });
  return { inside, real };
}

/** The one line that names a write outside the folders: the path, where it really goes, the folders. */
export function outsideText(file: string, check: WriteCheck, folders: readonly string[]): string {
  const via = check.real === undefined ? ' (where it leads cannot be resolved)' : check.real !== path.resolve(file) ? ` (a link to ${check.real})` : '';
  const where = folders.length === 1 ? `the workspace folder ${folders[0]}` : `the workspace folders ${folders.join(', ')}`;
  return `${file}${via} is outside ${where}`;
}
