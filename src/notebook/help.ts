/** %help and hover text: the same usage lines as the CLI's help, with % in front. */
import { usage } from './options';
import { MAGIC_NAMES, magicSpec } from './magics';

export function magicUsage(name: string): string | undefined {
  const spec = magicSpec(name);
  return spec ? usage(spec, 'magic', '%') : undefined;
}

export function helpIndex(): string {
  const rows = MAGIC_NAMES.map((n) => `  %${n.padEnd(14)} ${magicSpec(n)!.summary}`);
  return [
    'DeepResolve magics (one per line; # starts a comment; paths are relative to the notebook):',
    '',
    ...rows,
    '',
    'Results are named (r1, r2, … or --as NAME); magics that take RESULT use the last one by default.',
    'Run %help MAGIC or MAGIC? for its options.',
  ].join('\n');
}
