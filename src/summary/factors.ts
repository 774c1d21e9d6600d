/**
 * `summarize --factors FILE`: which transcription factor each model was trained on, and which
 * motif names count as that factor. Two kinds of lines (# starts a comment):
 *
 *   ctcf-*            CTCF           a model (its result name, model name or path, or a class name:
 *   *foxa1*           FOXA1          * and ? match, case ignored) and its factor(s), comma-separated
 *   CTCF ~ CTCFL                     a family: motifs named CTCFL count for CTCF too
 *   FOXA1 ~ FOX*                     names may be patterns: any forkhead motif counts for FOXA1
 *
 * The first mapping line that matches a model gives its factors. A motif matches a factor when its
 * name, or one part of a heterodimer's name (JASPAR's FOXO1::ELK1), is the factor or one of its
 * family (case ignored). No family line: only the factor's own name counts.
 */
import * as fs from 'node:fs';
import picomatch from 'picomatch';
import { UserError } from '../engine/errors';

export interface FactorMap {
  /** Mapping lines, in file order. */
  models: { pattern: string; factors: string[]; line: number; test: (s: string) => boolean }[];
  /** Family members (names or patterns) per factor, upper case. */
  families: Map<string, string[]>;
  file: string;
}

const matcher = (pattern: string) => picomatch(pattern, { nocase: true, dot: true });

export function parseFactors(text: string, file: string): FactorMap {
  const map: FactorMap = { models: [], families: new Map(), file };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const where = `${file}:${i + 1}`;
    const family = /^(\S+)\s*~\s*(.*)$/.exec(line);
    if (family) {
      const members = family[2].split(/[\s,]+/).filter(Boolean);
      if (!members.length) throw new UserError(`${where}: a family line is 'FACTOR ~ NAME …' (no names after ~)`);
      const key = family[1].toUpperCase();
      map.families.set(key, [...(map.families.get(key) ?? []), ...members]);
      return;
    }
    const [pattern, ...rest] = line.split(/\s+/);
    const factors = rest.join(' ').split(/[\s,]+/).filter(Boolean);
    if (!factors.length) throw new UserError(`${where}: expected 'PATTERN FACTOR[,FACTOR…]' or 'FACTOR ~ NAME …', got '${line.slice(0, 60)}'`);
    let test: (s: string) => boolean;
    try {
      test = matcher(pattern);
    } catch (err) {
      throw new UserError(`${where}: bad pattern '${pattern}': ${(err as Error).message}`);
    }
    map.models.push({ pattern, factors, line: i + 1, test });
  });
  if (!map.models.length) throw new UserError(`${file}: no 'PATTERN FACTOR' line (which factor does each model find?)`);
  return map;
}

export function readFactors(file: string): FactorMap {
  if (!fs.existsSync(file)) throw new UserError(`${file}: no such file`);
  return parseFactors(fs.readFileSync(file, 'utf8'), file);
}

/** The factors of a model: the first mapping whose pattern matches one of `names` (result name, model name, paths, class name). */
export function factorsFor(map: FactorMap | undefined, names: string[]): string[] {
  if (!map) return [];
  const candidates = names.filter(Boolean).flatMap((n) => [n, n.split(/[\\/]/).pop() ?? n]);
  return map.models.find((m) => candidates.some((c) => m.test(c)))?.factors ?? [];
}

/** Whether a motif name counts as one of `factors` (their own names, their families; heterodimer parts). */
export function motifIsFactor(map: FactorMap | undefined, motifName: string, factors: string[]): boolean {
  const parts = motifName.split('::').map((p) => p.trim()).filter(Boolean);
  return factors.some((f) => {
    const names = [f, ...(map?.families.get(f.toUpperCase()) ?? [])];
    return names.some((n) => {
      const test = matcher(n);
      return parts.some((p) => test(p));
    });
  });
}
