/**
 * How one execution's outputs reach a Jupyter front end over IOPub: each magic's outputs as
 * display_data (the same MIME bundles the VS Code kernel shows), progress of a long step as one
 * display that update_display_data redraws and that becomes the magic's first output when it
 * finishes, and a failure as an `error` output of one line.
 */
import { randomUUID } from 'node:crypto';
import type { AscentProgress } from '../engine/ascent/pairs';
import type { Output } from '../notebook/output-items';
import { progressLine } from '../notebook/progress-text';
import type { CellFailure, CellHooks } from '../notebook/run-cell';

/** Progress redraws at most this often (a fast analysis reports far more often). */
const PROGRESS_MS = 250;

export type Publish = (msgType: string, content: Record<string, unknown>) => void;

/** An output as Jupyter's display content: MIME type to value (text as a string, JSON types as JSON). */
export function displayContent(o: Output): { data: Record<string, unknown>; metadata: Record<string, unknown> } {
  return { data: Object.fromEntries(o.items.map((i) => [i.mime, i.value])), metadata: o.metadata ?? {} };
}

/** The traceback front ends print for an error: the one line (JupyterLab shows the traceback, not evalue). */
export function errorContent(f: Pick<CellFailure, 'name' | 'message'>) {
  return { ename: f.name, evalue: f.message, traceback: [`${f.name}: ${f.message}`] };
}

export class CellDisplay {
  /** What the cell shows so far (re-sent after clear_output when a step fails mid-progress). */
  private readonly shown: Output[] = [];
  private progress?: { id: string; last: number; timer?: NodeJS.Timeout; pending?: string };

  constructor(private readonly publish: Publish) {}

  readonly hooks: CellHooks = {
    onStart: (label) => this.showProgress(progressLine(label, undefined), true),
    onProgress: (label, p: AscentProgress) => this.showProgress(progressLine(label, p), false),
    onOutputs: (outputs) => {
      const [first, ...rest] = outputs;
      const progress = this.endProgress();
      if (progress && first) this.publish('update_display_data', { ...displayContent(first), transient: { display_id: progress } });
      else if (first) this.publish('display_data', displayContent(first));
      for (const o of rest) this.publish('display_data', displayContent(o));
      this.shown.push(...outputs);
    },
  };

  /** The cell's error output; a progress display still showing is removed first. */
  fail(f: CellFailure): void {
    if (this.endProgress()) {
      this.publish('clear_output', { wait: true });
      for (const o of this.shown) this.publish('display_data', displayContent(o));
    }
    this.publish('error', errorContent(f));
  }

  private showProgress(line: string, now: boolean) {
    const data = (text: string) => ({ data: { 'text/plain': text }, metadata: {} });
    if (!this.progress) {
      const id = `deepresolve-progress-${randomUUID()}`;
      this.progress = { id, last: Date.now() };
      this.publish('display_data', { ...data(line), transient: { display_id: id } });
      return;
    }
    const p = this.progress;
    const send = () => {
      p.timer = undefined;
      p.last = Date.now();
      if (p.pending !== undefined) this.publish('update_display_data', { ...data(p.pending), transient: { display_id: p.id } });
      p.pending = undefined;
    };
    p.pending = line;
    const wait = PROGRESS_MS - (Date.now() - p.last);
    if (now || wait <= 0) {
      if (p.timer) clearTimeout(p.timer);
      send();
    } else p.timer ??= setTimeout(send, wait);
  }

  /** Stops progress redraws; returns the progress display's id if one was showing. */
  private endProgress(): string | undefined {
    const p = this.progress;
    this.progress = undefined;
    if (p?.timer) clearTimeout(p.timer);
    return p?.id;
  }
}
