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
