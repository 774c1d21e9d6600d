/** A known motif as read from a collection file, and the count → probability conversion. */

export interface Motif {
  /** Accession, e.g. 'MA0139.2' (the name when the file gives no accession). */
  id: string;
  /** Factor name, e.g. 'CTCF'. */
  name: string;
  /** positions × A,C,G,T counts (or probabilities × sites for formats that store frequencies). */
  counts: number[][];
  /** File and 1-based line of the record's first line, for messages. */
  source: { file: string; line: number };
  /** Free annotations of the record (TRANSFAC `CC key:value` lines such as tf_family). */
  annotations?: Record<string, string>;
}

/** Total pseudocount added to each position, spread evenly over the four letters. */
export const DEFAULT_PSEUDOCOUNT = 1;

/**
 * Letter probabilities from counts: (n_b + ps/4) / (N + ps). The pseudocount keeps a letter never
 * seen in a small alignment from getting probability 0; with JASPAR's usual 20-1000 sites it barely
 * moves the column.
 */
export function countsToPwm(counts: number[][], pseudocount = DEFAULT_PSEUDOCOUNT): number[][] {
  return counts.map((row) => {
    const total = row[0] + row[1] + row[2] + row[3];
    return row.map((n) => (n + pseudocount / 4) / (total + pseudocount));
  });
}

/** Reverse complement of a positions × A,C,G,T matrix (A↔T, C↔G, order reversed). */
export function reverseComplement(matrix: number[][]): number[][] {
  return matrix
    .slice()
    .reverse()
    .map((row) => [row[3], row[2], row[1], row[0]]);
}

/** IUPAC-free consensus (most probable letter per position), for labels and test messages. */
export function consensus(matrix: number[][]): string {
  return matrix.map((row) => 'ACGT'[row.indexOf(Math.max(...row))]).join('');
}
