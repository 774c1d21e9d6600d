/**
 * Explorer → "Resolve features" on a model file: a new notebook with the starter magic cells,
 * the DeepResolve kernel selected, all cells run. The notebook is untitled (nothing is written
 * next to the user's model); its magic paths are relative to the model's workspace folder, which
 * is where "Save" offers to put it.
 *
 * The cells run through VS Code's "Run All" (notebook.execute), never straight through the
 * controller: that is the path a manual run takes, so in Restricted Mode VS Code asks to trust
 * the folder first, and a "Cancel" leaves the cells unrun (docs/security.md).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CONTROLLER_ID, LANGUAGE_ID, NOTEBOOK_TYPE, type DeepResolveController } from '../notebook/controller';
import { Session } from '../notebook/session';
import { starterCells } from './starter-cells';
import { LABEL_FILES, labelsBeside } from '../engine/labels';
import { notebookMetadata } from '../jupyter/spec';

export const EXTENSION_ID = 'deepresolve.deepresolve-vscode';

function selected(uri: vscode.Uri | undefined): vscode.Uri | undefined {
  if (uri instanceof vscode.Uri) return uri;
  const doc = vscode.window.activeTextEditor?.document.uri;
  return doc?.scheme === 'file' ? doc : undefined;
}

export async function resolveFeaturesCommand(controller: DeepResolveController, arg?: vscode.Uri): Promise<void> {
  const uri = selected(arg);
  if (!uri) {
    void vscode.window.showInformationMessage('DeepResolve: right-click a model file (.onnx, model.json, .h5, .keras) in the Explorer and choose "Resolve features".');
    return;
  }
  const file = uri.fsPath;
  const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? path.dirname(file);
  const relative = path.relative(folder, file).split(path.sep).join('/') || path.basename(file);
  // Class names from a labels file beside the model (the deepresolve.labels file name first).
  const named = vscode.workspace.getConfiguration('deepresolve').get<string>('labels')?.trim();
  const labels = labelsBeside(file, [...(named ? [named] : []), ...LABEL_FILES]);
  const toFolder = (f: string) => path.relative(folder, f).split(path.sep).join('/') || path.basename(f);
  const cells = starterCells(relative, Session.modelName(file), labels && toFolder(labels)).map((c) =>
    c.kind === 'markdown'
      ? new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, c.text, 'markdown')
      : new vscode.NotebookCellData(vscode.NotebookCellKind.Code, c.text, LANGUAGE_ID),
  );
  const data = new vscode.NotebookData(cells);
  // The ipynb serializer saves this as the notebook's kernelspec, so reopening suggests our kernel.
  data.metadata = { metadata: notebookMetadata() };
  const nb = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
  controller.folders.set(nb.uri.toString(), folder);
  const editor = await vscode.window.showNotebookDocument(nb);
  await vscode.commands.executeCommand('notebook.selectKernel', { notebookEditor: editor, id: CONTROLLER_ID, extension: EXTENSION_ID });
  await vscode.commands.executeCommand('notebook.execute', nb.uri);
  // VS Code's trust question was answered "Cancel": say why nothing ran.
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showInformationMessage('DeepResolve: the cells were not run (Restricted Mode). Run them when you trust this folder.');
  }
}
