import { visible } from '../shared/escape';

/**
 * An error caused by the user's input (a file, an option, a model) rather than by a bug.
 * Front ends show `message` as one line, without a stack trace.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** Raised when a run is stopped through its AbortSignal. */
export class CancelledError extends Error {
  constructor(message = 'analysis cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * One line for the user: the message of a UserError, or a short description of anything else.
 * Messages quote file names and names from files, so control characters are made visible (an ESC
 * would reach the terminal or VS Code's ANSI-reading error view).
 */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return visible(text.split('\n')[0].trim()) || 'unknown error';
}

/** Whether DEEPRESOLVE_DEBUG asks for the stack traces of internal errors (any value but '' or 0). */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.DEEPRESOLVE_DEBUG;
  return v !== undefined && v !== '' && v !== '0';
}

/** Where a user reports an internal error (README, "Reporting a bug", says what to include). */
export const REPORT_BUG = "report it to the DeepResolve maintainers with this line and the command or magic you ran (README: 'Reporting a bug')";

/** What the user was doing when an error came, for its message: "resolving" + "models/ctcf.h5". */
export interface Activity {
  doing: string;
  file?: string;
}

/**
 * The one line shown for an error that is not the user's (a bug, a crash): what the user was
 * doing, on which file, and where to report it; never a stack trace (internalErrorDetails has it,
 * for the log). Every front door (CLI, notebook cells) words internal errors through this.
 */
export function internalErrorLine(err: unknown, activity: Activity, env: NodeJS.ProcessEnv = process.env): string {
  const where = activity.file ? ` ${activity.file}` : '';
  const more = debugEnabled(env) ? '' : '; DEEPRESOLVE_DEBUG=1 adds the details to include';
  // The activity quotes the command line and a file path: control characters made visible, as in oneLine.
  return visible(`internal error while ${activity.doing}${where}: ${oneLine(err)}. This is a bug in DeepResolve, not in your input: please ${REPORT_BUG}${more}`);
}

/** The stack trace of an internal error for the log, only when DEEPRESOLVE_DEBUG is set. */
export function internalErrorDetails(err: unknown, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!debugEnabled(env)) return undefined;
  // A worker's failure carries the worker's own stack as `details`.
  return (err as { details?: string } | null)?.details ?? (err instanceof Error ? err.stack : undefined);
}
