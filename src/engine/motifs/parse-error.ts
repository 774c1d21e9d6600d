/** The one way motif parsers report a bad record: file and 1-based line first, as editors link them. */
import { UserError } from '../errors';

export function parseError(file: string, line: number, message: string): never {
  throw new UserError(`${file}:${line}: ${message}`);
}

/** A count or probability: a finite, non-negative number, else an error naming the line. */
export function parseCount(token: string, file: string, line: number): number {
  const value = Number(token);
  if (token === '' || !Number.isFinite(value)) parseError(file, line, `'${token}' is not a number`);
  if (value < 0) parseError(file, line, `negative count ${token}`);
  return value;
}

/** Checks that every position has some weight (an all-zero position has no probabilities). */
export function checkPositions(counts: number[][], file: string, line: number, what: string): void {
  if (counts.length === 0) parseError(file, line, `${what} has no positions`);
  counts.forEach((row, i) => {
    if (row[0] + row[1] + row[2] + row[3] <= 0) parseError(file, line, `${what}: position ${i + 1} has no counts`);
  });
}
