/**
 * "DeepResolve: Show Analysis Status": what runs now and how far it is. Answered by the extension
 * host's main thread while the worker computes (the e2e test uses it to show the host stays free).
 */
import * as vscode from 'vscode';
import type { DeepResolveController } from '../notebook/controller';
import { duration, progressMessage } from '../notebook/progress-text';
import { notificationText } from '../shared/escape';
import type { WorkerClient } from '../worker/client';

export function statusText(client: WorkerClient, controller: DeepResolveController): string {
  const runs = [...controller.active];
  const worker = client.running ? `worker running (started ${client.starts}×)` : 'worker not started';
  if (!runs.length) return `DeepResolve: idle, ${worker}.`;
  const parts = runs.map((r) => `${r.label} in ${r.notebook} for ${duration((Date.now() - r.started) / 1000)}${r.progress ? `: ${progressMessage(r.progress)}` : ''}`);
  return `DeepResolve: ${parts.join('; ')} (${worker}).`;
}

export function showStatus(client: WorkerClient, controller: DeepResolveController) {
  // Notebook names and progress text (class names) are the user's files' names: no links from them.
  const message = notificationText(statusText(client, controller));
  void vscode.window.showInformationMessage(message, 'Show log').then((pick) => pick && vscode.commands.executeCommand('deepresolve.showLog'));
}
