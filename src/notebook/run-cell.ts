/**
 * One magic cell from start to end, for every front door that runs cells (the VS Code kernel,
 * controller.ts, and the Jupyter kernel, src/jupyter/kernel.ts): parse it, check the files it will
 * write, run its magics one after another and word what went wrong as one line. Each front door
 * shows outputs, progress and errors its own way through the hooks. No vscode import.
 */
import type { AscentProgress } from '../engine/ascent/pairs';
import { CancelledError, UserError, internalErrorDetails, internalErrorLine, oneLine, type Activity } from '../engine/errors';
import { parseCell, type MagicCall } from './magics';
import type { Output } from './output-items';
import { duration } from './progress-text';
import { checkCellOutputs, KeptPartial, runMagic, type RunContext } from './run-magic';
import { partialText } from '../shared/partial';

export interface CellContext extends Omit<RunContext, 'onStart' | 'onProgress'> {
  /** What the cell was doing when `call` ran (undefined: before its first magic), for internal errors. */
  activity(call: MagicCall | undefined): Activity;
  /** Where the cell is, for the log: "report.ipynb, cell 3". */
  where: string;
}

export interface CellHooks {
  /** A long step started (loading, an analysis): progress can be shown before its first report. */
  onStart?(label: string): void;
  onProgress?(label: string, p: AscentProgress): void;
  /** One magic's outputs, once it finished (the progress of its step is over). */
  onOutputs(outputs: Output[]): void | Promise<void>;
}

export interface CellFailure {
  /** 'cancelled': stopped on request; 'user': the input's fault; 'internal': a bug or a crash. */
  kind: 'cancelled' | 'user' | 'internal';
  /** The error's name as a cell shows it. */
  name: 'Cancelled' | 'DeepResolve';
  /** One line, never a stack trace. */
  message: string;
  /** What the cell was doing (internal errors name it in a notification). */
  activity: Activity;
  /** The stack of an internal error, for the log, when DEEPRESOLVE_DEBUG=1. */
  details?: string;
}

/** Runs a cell's magics in order; resolves to undefined when all ran, else to the one failure. */
export async function runCell(text: string, ctx: CellContext, hooks: CellHooks): Promise<CellFailure | undefined> {
  let abortedAt = 0;
  const onAbort = () => (abortedAt = Date.now());
  ctx.signal?.addEventListener('abort', onAbort);
  let activity = ctx.activity(undefined);
  let step: { label: string; started: number; progress?: AscentProgress } | undefined;
  try {
    const calls = parseCell(text);
    // Files the cell will write are checked before its first magic runs (an analysis, say).
    checkCellOutputs(calls, ctx);
    for (const call of calls) {
      activity = ctx.activity(call);
      const outputs = await runMagic(call, {
        ...ctx,
        onStart: (label) => {
          step = { label, started: Date.now() };
          ctx.log?.(`${label} (${ctx.where})`);
          hooks.onStart?.(label);
        },
        onProgress: (label, p) => {
          if (step) step.progress = p;
          hooks.onProgress?.(label, p);
        },
      });
      step = undefined;
      await hooks.onOutputs(outputs);
    }
    return undefined;
  } catch (err) {
    if (err instanceof CancelledError) {
      const after = step ? ` after ${duration((Date.now() - step.started) / 1000)}` : '';
      const done = step?.progress ? ` (${step.progress.pairsDone} of ${step.progress.pairsTotal} pairs were done)` : '';
      ctx.log?.(`${step?.label ?? 'run'} cancelled${after}; stopped ${abortedAt ? Date.now() - abortedAt : 0} ms after the request`);
      if (err instanceof KeptPartial) {
        // The classes that finished are a result of the session, shown above the cancel line.
        await hooks.onOutputs(err.outputs);
        const p = err.results.partial!;
        return { kind: 'cancelled', name: 'Cancelled', message: `the analysis was stopped${after}; kept as ${err.resultName} (${partialText(p)}): the classes whose restarts all finished, which %features, %similarity, %export… use`, activity };
      }
      return { kind: 'cancelled', name: 'Cancelled', message: `the analysis was stopped${after}${done}; nothing was kept`, activity };
    }
    if (err instanceof UserError) return { kind: 'user', name: 'DeepResolve', message: oneLine(err), activity };
    // A crash or a bug: one line saying what ran and where to report it.
    return { kind: 'internal', name: 'DeepResolve', message: internalErrorLine(err, activity), activity, details: internalErrorDetails(err) };
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}
