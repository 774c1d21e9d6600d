/** Parsing a class selection: "all", indices and ranges like "0-9,12", or names from a labels file. */
import { UserError } from './errors';

/** `names`: the class names; `fromLabels`: whether a labels file gave them (rather than the model's output names). */
export function parseClassSpec(spec: string | undefined, numClasses: number, names?: string[], fromLabels = true): number[] {
  const all = Array.from({ length: numClasses }, (_, i) => i);
  if (spec === undefined || spec.trim() === '' || spec.trim() === 'all') return all;
  const range = `0-${numClasses - 1}`;
  const picked: number[] = [];
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    const m = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    if (m) {
      const [a, b] = [Number(m[1]), Number(m[2])];
      if (a > b) throw new UserError(`class range '${part}' is backwards (write ${b}-${a})`);
      if (b >= numClasses) throw new UserError(`class ${b} is out of range: the model has ${numClasses} classes (${range})`);
      for (let i = a; i <= b; i++) picked.push(i);
    } else if (/^\d+$/.test(part)) {
      const i = Number(part);
      if (i >= numClasses) throw new UserError(`class ${i} is out of range: the model has ${numClasses} classes (${range})`);
      picked.push(i);
    } else {
      const i = names ? names.indexOf(part) : -1;
      if (i < 0) {
        const shown = names && names.length <= 8 ? names.join(', ') : `${names?.slice(0, 6).join(', ')}, …`;
        throw new UserError(
          !names
            ? `class '${part}' is not a number and no labels file gives class names (classes are ${range})`
            : fromLabels
              ? `unknown class '${part}' (not in the labels file; classes are ${range})`
              : `unknown class '${part}' (classes are ${range}, named after the model's outputs: ${shown}; --labels FILE gives other names)`,
        );
      }
      picked.push(i);
    }
  }
  if (!picked.length) throw new UserError(`no classes selected by '${spec}'`);
  return [...new Set(picked)];
}
