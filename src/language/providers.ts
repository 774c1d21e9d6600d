/** Completion and hover providers for deepresolve magic cells (the logic is in complete.ts). */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DeepResolveController } from '../notebook/controller';
import { LANGUAGE_ID } from '../notebook/controller';
import { complete, hoverAt, type CompletionKind } from './complete';

const KINDS: Record<CompletionKind, vscode.CompletionItemKind> = {
  magic: vscode.CompletionItemKind.Keyword,
  option: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.EnumMember,
  file: vscode.CompletionItemKind.File,
  folder: vscode.CompletionItemKind.Folder,
  model: vscode.CompletionItemKind.Module,
  result: vscode.CompletionItemKind.Variable,
  layer: vscode.CompletionItemKind.Field,
  class: vscode.CompletionItemKind.Constant,
};

/** The notebook a cell document belongs to. */
function notebookOf(doc: vscode.TextDocument): vscode.NotebookDocument | undefined {
  return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document === doc));
}

export function registerLanguageFeatures(controller: DeepResolveController): vscode.Disposable {
  const selector: vscode.DocumentSelector = [{ language: LANGUAGE_ID }];
  const completions = vscode.languages.registerCompletionItemProvider(
    selector,
    {
      provideCompletionItems(doc, position) {
        const nb = notebookOf(doc);
        const session = nb ? controller.sessionIfAny(nb) : undefined;
        const folder = session?.folder ?? (nb?.uri.scheme === 'file' ? path.dirname(nb.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '.'));
        const line = doc.lineAt(position.line).text.slice(0, position.character);
        return complete(line, session, folder).map((c) => {
          const item = new vscode.CompletionItem(c.label, KINDS[c.kind]);
          item.detail = c.detail;
          if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
          item.range = new vscode.Range(position.line, c.start, position.line, position.character);
          if (c.retrigger) item.command = { command: 'editor.action.triggerSuggest', title: 'more' };
          return item;
        });
      },
    },
    '%',
    '-',
    '/',
    ' ',
  );
  const hover = vscode.languages.registerHoverProvider(selector, {
    provideHover(doc, position) {
      const h = hoverAt(doc.lineAt(position.line).text, position.character);
      return h ? new vscode.Hover(new vscode.MarkdownString(h.text), new vscode.Range(position.line, h.start, position.line, h.end)) : undefined;
    },
  });
  return vscode.Disposable.from(completions, hover);
}
