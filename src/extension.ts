/**
 * DeepResolve for VS Code: wires the notebook kernel, the Explorer command, the magic-cell
 * language features and the analysis worker together. Kept thin on purpose: the logic is in
 * src/notebook, src/commands, src/language and src/worker.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { trackPairedArchitectures } from './commands/pair-context';
import { resolveFeaturesCommand } from './commands/resolve-features';
import { showStatus } from './commands/status';
import { registerLanguageFeatures } from './language/providers';
import { DeepResolveController } from './notebook/controller';
import { debugEnabled } from './engine/errors';
import { WorkerClient } from './worker/client';

let client: WorkerClient | undefined;

function createWorker(context: vscode.ExtensionContext): Worker {
  const config = vscode.workspace.getConfiguration('deepresolve');
  const threads = config.get<number>('threads', 0);
  const budgetMB = config.get<number>('maxMemoryMB', 1024);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Native TensorFlow reads its thread pools from the environment at load time.
  if (threads > 0) {
    env.TF_NUM_INTRAOP_THREADS = String(threads);
    env.TF_NUM_INTEROP_THREADS = String(Math.max(1, Math.min(2, threads)));
  }
  // A heap limit turns a runaway analysis into a worker error (ERR_WORKER_OUT_OF_MEMORY) instead of
  // taking the whole extension host down. Tensor data lives outside the JS heap, so this is generous.
  const resourceLimits = { maxOldGenerationSizeMb: Math.max(2048, 2 * budgetMB) };
  // Stack traces of internal errors name TypeScript lines when DEEPRESOLVE_DEBUG asks for them
  // (the worker's own workers inherit the flag).
  const execArgv = debugEnabled() ? ['--enable-source-maps'] : [];
  return new Worker(path.join(context.extensionPath, 'dist', 'worker.js'), { env, name: 'deepresolve-analysis', resourceLimits, execArgv });
}

export function activate(context: vscode.ExtensionContext) {
  const log = vscode.window.createOutputChannel('DeepResolve', { log: true });
  log.info(`DeepResolve ${context.extension.packageJSON.version} activated (${os.platform()}, Node ${process.versions.node}, ${vscode.env.remoteName ?? 'local'})`);
  client = new WorkerClient({ create: () => createWorker(context), log: (line) => log.info(line) });
  const controller = new DeepResolveController(client, log);
  const c = client;
  context.subscriptions.push(
    log,
    controller,
    registerLanguageFeatures(controller),
    trackPairedArchitectures((line) => log.warn(line)),
    vscode.commands.registerCommand('deepresolve.resolveFeatures', (uri?: vscode.Uri) => resolveFeaturesCommand(controller, uri)),
    vscode.commands.registerCommand('deepresolve.showLog', () => log.show()),
    vscode.commands.registerCommand('deepresolve.showStatus', () => showStatus(c, controller)),
    vscode.commands.registerCommand('deepresolve.restartWorker', async () => {
      await c.stop();
      void vscode.window.showInformationMessage('DeepResolve: the analysis worker was stopped; the next cell starts a new one.');
    }),
    { dispose: () => void c.dispose() },
  );
}

export async function deactivate() {
  await client?.dispose();
  client = undefined;
}
