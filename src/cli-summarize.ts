/**
 * `deepresolve summarize DIR [--factors FILE] [--out summary.tsv] [--notebook summary.ipynb]`: the
 * table of a folder of results (src/summary) as TSV, the counts on stdout, and a notebook view.
 * Output paths are checked before the results are read; files are written atomically.
 */
import * as path from 'node:path';
import type { Activity } from './engine/errors';
import { UserError } from './engine/errors';
import { checkOutputPath } from './engine/output-path';
import { writeFileAtomic } from './engine/write-atomic';
import { COMMANDS, parseCommand } from './notebook/options';
import { readFactors } from './summary/factors';
import { countsText, rowsText, summaryTsv } from './summary/output';
import { summaryNotebook } from './summary/notebook';
import { summarize } from './summary/summarize';

export async function runSummarize(words: string[], activity: Activity): Promise<void> {
  const { args, options } = parseCommand(COMMANDS.summarize, words, 'cli');
  const dir = args[0];
  const out = String(options.out ?? path.join(dir, 'summary.tsv'));
  const notebook = options.notebook === undefined ? undefined : String(options.notebook);
  checkOutputPath(out, 'the table (--out)');
  if (notebook !== undefined) {
    if (path.resolve(notebook) === path.resolve(out)) throw new UserError(`${notebook}: --out and --notebook name the same file`);
    checkOutputPath(notebook, 'the notebook (--notebook)');
  }
  Object.assign(activity, { doing: 'reading the factors', file: options.factors as string | undefined });
  const factors = options.factors === undefined ? undefined : readFactors(String(options.factors));
  Object.assign(activity, { doing: 'summarizing the results in', file: dir });
  const summary = summarize(dir, factors);
  Object.assign(activity, { doing: 'writing', file: out });
  writeFileAtomic(out, summaryTsv(summary.rows));
  if (notebook !== undefined) {
    Object.assign(activity, { doing: 'writing', file: notebook });
    writeFileAtomic(notebook, await summaryNotebook(summary, notebook));
  }
  process.stdout.write(`${rowsText(summary.rows)}\n\n${countsText(summary)}\n\ntable: ${out}\n${notebook !== undefined ? `notebook: ${notebook}\n` : ''}`);
}
