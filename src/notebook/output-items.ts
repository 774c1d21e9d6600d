/**
 * Cell outputs as plain data (no vscode), so the magic runner can be unit tested; the controller
 * turns them into vscode.NotebookCellOutput. One Output is one cell output with alternative
 * representations (MIME types) of the same thing.
 */
import { visibleLines } from '../shared/escape';
export interface OutputItem {
  mime: string;
  /** Text for text/* and image/svg+xml, any JSON value for JSON MIME types. */
  value: unknown;
}

export interface Output {
  items: OutputItem[];
  /** Saved with the notebook (the ipynb serializer keeps output metadata). */
  metadata?: Record<string, unknown>;
}

export const RESULT_MIME = 'application/vnd.deepresolve.result+json';

type Metadata = Record<string, unknown> | undefined;

/**
 * The metadata VS Code keeps for an output: its ipynb serializer saves only the `metadata` field
 * of a NotebookCellOutput's metadata (nbformat's output metadata) and gives it back there when the
 * notebook is reopened, so the extension's own part is put in both places.
 */
export function cellOutputMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  return { ...metadata, metadata: { ...((metadata.metadata as Record<string, unknown>) ?? {}), ...metadata } };
}

/** The extension's part of an output's metadata, live (top level) or reopened (under `metadata`). */
export function deepresolveMeta(metadata: Metadata): Record<string, unknown> | undefined {
  const inner = metadata?.metadata as Metadata;
  return (metadata?.deepresolve ?? inner?.deepresolve) as Record<string, unknown> | undefined;
}

/**
 * A text output: plain text, and Markdown when the caller built it (names escaped with mdText,
 * src/shared/escape.ts). VS Code's plain-text renderer reads ANSI escape sequences, so control
 * characters in the plain text are made visible here, whatever the caller did.
 */
export function text(value: string, markdown?: string): Output {
  return { items: [...(markdown ? [{ mime: 'text/markdown', value: markdown }] : []), { mime: 'text/plain', value: visibleLines(value) }] };
}

/** JSON MIME types (…+json, application/json) are written as JSON, the rest as UTF-8 text. */
export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || mime.endsWith('+json');
}
