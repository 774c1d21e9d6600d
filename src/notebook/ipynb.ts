/** A whole Jupyter notebook (nbformat 4.5) from cells and their rich outputs, for the CLI's --notebook. */
import { notebookMetadata } from '../jupyter/spec';

export type MimeBundle = Record<string, unknown>;

export interface CellSpec {
  kind: 'markdown' | 'code';
  source: string;
  /** display_data outputs of a code cell. */
  outputs?: MimeBundle[];
  /** nbformat output metadata, by output (VS Code gives it back as the output's `metadata.metadata`). */
  outputMetadata?: (Record<string, unknown> | undefined)[];
}

export interface Notebook {
  nbformat: 4;
  nbformat_minor: 5;
  metadata: Record<string, unknown>;
  cells: Record<string, unknown>[];
}

/** nbformat stores text as a list of lines that keep their newline. */
function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/** JSON MIME types stay objects; text types become line lists, as Jupyter writes them. */
function outputData(bundle: MimeBundle): MimeBundle {
  return Object.fromEntries(
    Object.entries(bundle).map(([mime, value]) => [mime, typeof value === 'string' && !/json$/.test(mime) ? lines(value) : value]),
  );
}

export function makeNotebook(cells: CellSpec[], metadata: Record<string, unknown> = {}): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    // The DeepResolve kernel and its cell language: reopened in VS Code or Jupyter, the cells are magics on this kernel.
    metadata: { ...notebookMetadata(), ...metadata },
    cells: cells.map((c, i) => {
      const id = `deepresolve-${i}`;
      if (c.kind === 'markdown') return { cell_type: 'markdown', id, metadata: {}, source: lines(c.source) };
      return {
        cell_type: 'code',
        id,
        metadata: {},
        execution_count: null,
        source: lines(c.source),
        outputs: (c.outputs ?? []).map((bundle, j) => ({ output_type: 'display_data', data: outputData(bundle), metadata: c.outputMetadata?.[j] ?? {} })),
      };
    }),
  };
}

export function notebookJson(cells: CellSpec[], metadata?: Record<string, unknown>): string {
  return JSON.stringify(makeNotebook(cells, metadata), null, 1) + '\n';
}
