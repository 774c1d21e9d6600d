/**
 * `deepresolve predict MODEL --fasta FILE [--out scores.tsv] [--length N]`: the model's outputs for
 * each sequence of a FASTA file as TSV (src/engine/predict.ts), to standard output as it is
 * computed, or to a file written atomically.
 */
import { useBackend, type BackendChoice } from './engine/backend';
import { UserError } from './engine/errors';
import { loadModel } from './engine/load';
import { predictFasta } from './engine/predict';
import { checkOutputPath } from './engine/output-path';
import { writeFileAtomic } from './engine/write-atomic';
import { COMMANDS, parseCommand } from './notebook/options';
import { label, visible } from './shared/escape';

export async function runPredict(words: string[]): Promise<void> {
  const { args, options } = parseCommand(COMMANDS.predict, words, 'cli');
  const fasta = options.fasta as string | undefined;
  if (fasta === undefined) throw new UserError('predict needs --fasta FILE (the sequences to predict)');
  const out = options.out as string | undefined;
  // Checked before the model is read: a path that cannot be written fails in a second.
  if (out !== undefined) checkOutputPath(out, 'the predictions (--out)');
  await useBackend(((options.backend as string | undefined) ?? 'auto') as BackendChoice);
  const loaded = await loadModel(args[0], { length: options.length as number | undefined });
  for (const note of loaded.notes ?? []) process.stderr.write(`note: ${visible(note)}\n`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  if (out === undefined) {
    await predictFasta(loaded, fasta, (text) => process.stdout.write(text), { signal: controller.signal });
    return;
  }
  const parts: string[] = [];
  const { columns, rows } = await predictFasta(loaded, fasta, (text) => parts.push(text), { signal: controller.signal });
  writeFileAtomic(out, parts.join(''));
  process.stdout.write(`${rows} sequence${rows === 1 ? '' : 's'} × ${columns.length} output column${columns.length === 1 ? '' : 's'} of ${label(loaded.name)}: ${out}\n`);
}
