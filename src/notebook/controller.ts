/**
 * The "DeepResolve" notebook kernel for Jupyter notebooks: runs magic cells, one session per
 * notebook. Heavy work goes to the worker (run-magic.ts); this file only talks to VS Code:
 * cell executions, outputs, progress in the cell and in a notification, errors.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AscentProgress } from '../engine/ascent/pairs';
import { JUPYTER_LANGUAGE } from '../jupyter/spec';
import type { WorkerClient } from '../worker/client';
import { notificationText } from '../shared/escape';
import { isMagicCell } from './magics';
import { cellOutputMetadata, deepresolveMeta, isJsonMime, type Output } from './output-items';
import { progressLine, progressMessage } from './progress-text';
import { runCell } from './run-cell';
import { magicActivity, type Defaults } from './run-magic';
import { restoreResults } from './restore';
import { Session } from './session';
import { notebookMetadata } from '../jupyter/spec';

export const CONTROLLER_ID = 'deepresolve-kernel';
export const NOTEBOOK_TYPE = 'jupyter-notebook';
export const LANGUAGE_ID = 'deepresolve';
/** The item VS Code's error outputs carry (NotebookCellOutputItem.error). */
const ERROR_MIME = 'application/vnd.code.notebook.error';
/** Steps shorter than this get no progress notification (the cell shows progress anyway). */
const NOTIFY_AFTER_MS = 1000;

export interface ActiveRun {
  label: string;
  notebook: string;
  started: number;
  progress?: AscentProgress;
}

function toVscode(o: Output): vscode.NotebookCellOutput {
  const items = o.items.map((i) =>
    isJsonMime(i.mime) ? vscode.NotebookCellOutputItem.json(i.value, i.mime) : vscode.NotebookCellOutputItem.text(String(i.value), i.mime),
  );
  return new vscode.NotebookCellOutput(items, o.metadata && cellOutputMetadata(o.metadata));
}

/** An error output with one line and no stack trace (VS Code shows name and message). */
function errorOutput(message: string, name = 'DeepResolve'): vscode.NotebookCellOutput {
  return new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.error({ name, message, stack: '' })]);
}

export class DeepResolveController implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private readonly sessions = new Map<string, Session>();
  /** Folders for notebooks that have none yet (untitled ones opened by "Resolve features"). */
  readonly folders = new Map<string, string>();
  private order = 0;
  private queue: Promise<void> = Promise.resolve();
  readonly active = new Set<ActiveRun>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly client: WorkerClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.controller = vscode.notebooks.createNotebookController(CONTROLLER_ID, NOTEBOOK_TYPE, 'DeepResolve');
    this.controller.description = 'DeepResolve feature analysis (magics)';
    this.controller.detail = 'Magic commands: %load_model, %resolve, %similarity, … — %help lists them';
    // Notebooks saved by Jupyter with the DeepResolve Jupyter kernel have cells in its language.
    this.controller.supportedLanguages = [LANGUAGE_ID, JUPYTER_LANGUAGE, 'python', 'plaintext'];
    this.controller.supportsExecutionOrder = true;
    this.controller.executeHandler = (cells, notebook) => this.execute(cells, notebook);
    this.disposables.push(
      this.controller,
      this.controller.onDidChangeSelectedNotebooks(({ notebook, selected }) => {
        if (selected) void this.markMagicCells(notebook).then(() => this.claim(notebook));
      }),
      vscode.workspace.onDidCloseNotebookDocument((nb) => {
        this.sessions.delete(nb.uri.toString());
        this.folders.delete(nb.uri.toString());
      }),
      vscode.workspace.onDidOpenNotebookDocument((nb) => this.prefer(nb)),
    );
    vscode.workspace.notebookDocuments.forEach((nb) => this.prefer(nb));
  }

  /** Notebooks made for DeepResolve (kernelspec or magic cells) suggest this kernel. */
  private prefer(nb: vscode.NotebookDocument) {
    if (nb.notebookType !== NOTEBOOK_TYPE) return;
    const spec = (nb.metadata as { metadata?: { kernelspec?: { name?: string } } })?.metadata?.kernelspec?.name;
    const magic = nb.getCells().some((c) => c.kind === vscode.NotebookCellKind.Code && /^\s*%(resolve|load_model)\b/m.test(c.document.getText()));
    if (spec === 'deepresolve' || magic) this.controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
  }

  /**
   * A notebook that runs on this kernel says so when saved (kernelspec and language_info, so it
   * reopens on this kernel with the magic language), and an empty new notebook's cell becomes a
   * magic cell.
   */
  private async claim(nb: vscode.NotebookDocument) {
    const meta = (nb.metadata ?? {}) as { metadata?: Record<string, unknown> };
    const wanted = notebookMetadata();
    const inner = meta.metadata ?? {};
    if ((inner.kernelspec as { name?: string } | undefined)?.name !== wanted.kernelspec.name || (inner.language_info as { name?: string } | undefined)?.name !== wanted.language_info.name) {
      const edit = new vscode.WorkspaceEdit();
      edit.set(nb.uri, [vscode.NotebookEdit.updateNotebookMetadata({ ...meta, metadata: { ...inner, ...wanted } })]);
      await vscode.workspace.applyEdit(edit);
    }
    const cells = nb.getCells();
    if (cells.length === 1 && cells[0].kind === vscode.NotebookCellKind.Code && cells[0].document.getText().trim() === '' && cells[0].document.languageId !== LANGUAGE_ID) {
      await vscode.languages.setTextDocumentLanguage(cells[0].document, LANGUAGE_ID);
    }
  }

  /** Gives magic cells the deepresolve language (grammar, completions, hover). */
  async markMagicCells(nb: vscode.NotebookDocument) {
    for (const cell of nb.getCells()) {
      if (cell.kind === vscode.NotebookCellKind.Code && cell.document.languageId !== LANGUAGE_ID && isMagicCell(cell.document.getText())) {
        await vscode.languages.setTextDocumentLanguage(cell.document, LANGUAGE_ID);
      }
    }
  }

  session(nb: vscode.NotebookDocument): Session {
    const key = nb.uri.toString();
    let s = this.sessions.get(key);
    if (!s) {
      const folder =
        this.folders.get(key) ??
        (nb.uri.scheme === 'file' ? path.dirname(nb.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.env.HOME ?? process.cwd()));
      s = new Session(folder);
      this.sessions.set(key, s);
      // A reopened notebook: its saved %resolve outputs are its results again (restore.ts).
      const restored = restoreResults(s, nb.getCells().flatMap((c) => c.outputs.map((o) => ({ metadata: o.metadata, items: o.items }))));
      if (restored.length) this.log.info(`restored ${restored.join(', ')} from the saved outputs of ${path.basename(nb.uri.path)}`);
    }
    return s;
  }

  sessionIfAny(nb: vscode.NotebookDocument): Session | undefined {
    return this.sessions.get(nb.uri.toString());
  }

  /**
   * Where this notebook's magics write without asking: the workspace folders; a notebook in none
   * of them (untitled, no folder open, or opened from elsewhere) also in its own folder.
   */
  private writeFolders(nb: vscode.NotebookDocument, session: Session): string[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const inWorkspace = nb.uri.scheme === 'file' && vscode.workspace.getWorkspaceFolder(nb.uri) !== undefined;
    return inWorkspace ? folders : [...folders, session.folder];
  }

  /** A modal question with an explicit choice; Cancel (or closing it) writes nothing. */
  private async confirmWrite(file: string, why: string): Promise<boolean> {
    const write = 'Write Outside the Workspace';
    const pick = await vscode.window.showWarningMessage(
      `DeepResolve: write ${notificationText(path.basename(file))} outside the workspace?`,
      { modal: true, detail: `${notificationText(why)}. A notebook's magics write inside the workspace unless you allow it here.` },
      write,
    );
    this.log.info(`write outside the workspace ${pick === write ? 'allowed' : 'refused'}: ${file}`);
    return pick === write;
  }

  private defaults(): Defaults {
    const c = vscode.workspace.getConfiguration('deepresolve');
    const motifs = c.get<string>('motifDatabase') || undefined;
    return {
      backend: c.get('backend', 'auto'),
      restarts: c.get<number>('restarts'),
      l2: c.get<number>('l2'),
      lr: c.get<number>('learningRate'),
      maxMemoryMB: c.get<number>('maxMemoryMB'),
      motifDatabase: motifs,
    };
  }

  /** Cells run one after another (across notebooks too): the worker runs one analysis at a time. */
  execute(cells: vscode.NotebookCell[], nb: vscode.NotebookDocument): Promise<void> {
    const executions = cells.map((cell) => this.controller.createNotebookCellExecution(cell));
    const run = this.queue.then(async () => {
      for (const exec of executions) await this.runCell(exec, nb);
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async runCell(exec: vscode.NotebookCellExecution, nb: vscode.NotebookDocument) {
    if (exec.token.isCancellationRequested) {
      exec.start(Date.now());
      exec.end(undefined);
      return;
    }
    exec.executionOrder = ++this.order;
    exec.start(Date.now());
    // The saved outputs stay until the magic has new ones: a failing or cancelled re-run keeps them.
    const previous = exec.cell.outputs.filter((o) => !deepresolveMeta(o.metadata)?.progress && !o.items.some((i) => i.mime === ERROR_MIME));
    let fresh = false;
    const text = exec.cell.document.getText();
    const abort = new AbortController();
    const sub = exec.token.onCancellationRequested(() => abort.abort());
    const notebook = path.basename(nb.uri.path);
    let current: { out: vscode.NotebookCellOutput; run: ActiveRun } | undefined;
    const endStep = () => {
      if (current) this.active.delete(current.run);
      current = undefined;
    };
    let ok = false;
    try {
      if (exec.cell.document.languageId !== LANGUAGE_ID && isMagicCell(text)) void vscode.languages.setTextDocumentLanguage(exec.cell.document, LANGUAGE_ID);
      const session = this.session(nb);
      const failure = await runCell(
        text,
        {
          session,
          client: this.client,
          defaults: this.defaults(),
          signal: abort.signal,
          log: (line) => this.log.info(line),
          writeFolders: this.writeFolders(nb, session),
          confirmWrite: (file, why) => this.confirmWrite(file, why),
          activity: (call) => magicActivity(call, exec.cell.index, notebook),
          where: `${notebook}, cell ${exec.cell.index + 1}`,
        },
        {
          onStart: (label) => {
            endStep();
            const out = new vscode.NotebookCellOutput([vscode.NotebookCellOutputItem.text(progressLine(label, undefined), 'text/plain')], { deepresolve: { progress: true } });
            const run: ActiveRun = { label, notebook, started: Date.now() };
            current = { out, run };
            this.active.add(run);
            void exec.appendOutput(out);
            this.notify(run, abort);
          },
          onProgress: (label, p) => {
            if (!current) return;
            current.run.progress = p;
            void exec.replaceOutputItems([vscode.NotebookCellOutputItem.text(progressLine(label, p), 'text/plain')], current.out);
          },
          // The progress output is replaced by the magic's results.
          onOutputs: async (outputs) => {
            endStep();
            const kept = fresh ? exec.cell.outputs.filter((o) => !deepresolveMeta(o.metadata)?.progress) : [];
            fresh = true;
            await exec.replaceOutput([...kept, ...outputs.map(toVscode)]);
          },
        },
      );
      endStep();
      ok = failure === undefined;
      if (failure) {
        const kept = fresh ? exec.cell.outputs.filter((o) => !deepresolveMeta(o.metadata)?.progress) : previous;
        await exec.replaceOutput([...kept, errorOutput(failure.message, failure.name)]);
        if (failure.kind === 'internal') {
          // The same line in the log (with the stack when DEEPRESOLVE_DEBUG=1), a notification to find it.
          this.log.error(failure.details ? `${failure.message}\n${failure.details}` : failure.message);
          const { doing, file } = failure.activity;
          void vscode.window.showErrorMessage(notificationText(`DeepResolve: internal error while ${doing}${file ? ` ${file}` : ''} (details in the cell)`), 'Show log').then((pick) => pick && this.log.show());
        }
      }
    } finally {
      endStep();
      sub.dispose();
      exec.end(ok, Date.now());
    }
  }

  /** The window's progress notification with Cancel, for a step that lasts (quick ones show none). */
  private notify(run: ActiveRun, abort: AbortController) {
    setTimeout(() => {
      if (this.active.has(run) && !abort.signal.aborted) this.showProgress(run, abort);
    }, NOTIFY_AFTER_MS);
  }

  private showProgress(run: ActiveRun, abort: AbortController) {
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `DeepResolve: ${run.label}`, cancellable: true },
      (progress, token) =>
        new Promise<void>((resolve) => {
          token.onCancellationRequested(() => abort.abort());
          let last = 0;
          const timer = setInterval(() => {
            if (!this.active.has(run) || abort.signal.aborted) {
              clearInterval(timer);
              resolve();
              return;
            }
            if (run.progress) {
              const pct = run.progress.fraction * 100;
              progress.report({ increment: Math.max(0, pct - last), message: progressMessage(run.progress) });
              last = Math.max(last, pct);
            }
          }, 250);
        }),
    );
  }

  dispose() {
    this.disposables.forEach((d) => d.dispose());
  }
}
