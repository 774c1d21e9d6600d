/**
 * Keeps the context key `deepresolve.pairedArchitectures` (package.json's menus: `resourcePath in
 * deepresolve.pairedArchitectures`) listing the workspace's Keras architecture files that pair by
 * name with a weights .h5 beside them, so "Resolve features" is offered on the .json/.yaml of a
 * pair too. A when-clause sees only the right-clicked file's own name, and an architecture file
 * is a .json like any other: only its neighbour says it is a model. Names only (pair-stem.ts);
 * no file is read.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pairedArchitectures } from '../engine/load/pair-stem';

export const PAIRED_ARCHITECTURES_KEY = 'deepresolve.pairedArchitectures';

/** Enough for any real workspace; a huge one just lists the pairs of its first weights files. */
const MAX_WEIGHTS_FILES = 5000;

async function scan(): Promise<string[]> {
  const weights = await vscode.workspace.findFiles('**/*.{h5,hdf5,H5,HDF5}', '**/{node_modules,.git}/**', MAX_WEIGHTS_FILES);
  const folders = new Map<string, vscode.Uri>();
  for (const w of weights) {
    const dir = vscode.Uri.joinPath(w, '..');
    folders.set(dir.toString(), dir);
  }
  const out: string[] = [];
  for (const dir of folders.values()) {
    try {
      const names = (await vscode.workspace.fs.readDirectory(dir)).filter(([, type]) => type & vscode.FileType.File).map(([name]) => name);
      // resourcePath in a when-clause is the file's fsPath (VS Code's ResourceContextKey).
      for (const name of pairedArchitectures(names)) out.push(path.join(dir.fsPath, name));
    } catch {
      // a folder that went away between the search and the listing
    }
  }
  return out.sort();
}

/** Sets the key now and again (debounced) when a weights or architecture file comes or goes. */
export function trackPairedArchitectures(log: (line: string) => void): vscode.Disposable {
  let timer: NodeJS.Timeout | undefined;
  let disposed = false;
  const refresh = async () => {
    const files = await scan();
    if (!disposed) await vscode.commands.executeCommand('setContext', PAIRED_ARCHITECTURES_KEY, files);
  };
  const later = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void refresh().catch((err) => log(`pair scan failed: ${err}`)), 500);
  };
  void refresh().catch((err) => log(`pair scan failed: ${err}`));
  const watcher = vscode.workspace.createFileSystemWatcher('**/*.{h5,hdf5,json,yaml,yml}', false, true, false);
  return vscode.Disposable.from(
    watcher,
    watcher.onDidCreate(later),
    watcher.onDidDelete(later),
    vscode.workspace.onDidChangeWorkspaceFolders(later),
    {
      dispose: () => {
        disposed = true;
        if (timer) clearTimeout(timer);
      },
    },
  );
}
