/**
 * Evaluates a VS Code when-clause (package.json menus) against a context, for the subset of the
 * grammar the manifest uses: `||`, `&&`, `!`, parentheses, `key == value`, `key != value`,
 * `key =~ /regex/flags`, `key in key2`, `key not in key2` and a bare `key`. VS Code's own parser
 * (vs/platform/contextkey) is not published as a package; anything outside this subset throws,
 * so a clause the helper does not understand fails the test instead of passing by accident.
 * Precedence as in VS Code: `||` below `&&` below `!`.
 */
export type WhenContext = Record<string, unknown>;

type Token = { kind: 'op'; text: string } | { kind: 'word'; text: string } | { kind: 'regex'; source: string; flags: string };

function tokenize(clause: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ops = ['||', '&&', '==', '!=', '=~', '!', '(', ')'];
  while (i < clause.length) {
    const c = clause[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = ops.find((o) => clause.startsWith(o, i));
    if (op) {
      out.push({ kind: 'op', text: op });
      i += op.length;
      if (op === '=~') {
        while (/\s/.test(clause[i])) i++;
        if (clause[i] !== '/') throw new Error(`when-clause: =~ needs a /regex/ at ${i}: ${clause}`);
        let j = i + 1;
        let inClass = false;
        for (; j < clause.length; j++) {
          const d = clause[j];
          if (d === '\\') j++;
          else if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
        }
        if (j >= clause.length) throw new Error(`when-clause: unterminated regex: ${clause}`);
        const source = clause.slice(i + 1, j);
        let k = j + 1;
        while (/[gimsuy]/.test(clause[k] ?? '')) k++;
        out.push({ kind: 'regex', source, flags: clause.slice(j + 1, k) });
        i = k;
      }
      continue;
    }
    if (c === "'") {
      const end = clause.indexOf("'", i + 1);
      if (end < 0) throw new Error(`when-clause: unterminated string: ${clause}`);
      out.push({ kind: 'word', text: clause.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const m = /^[^\s()!=&|']+/.exec(clause.slice(i));
    if (!m) throw new Error(`when-clause: unexpected '${c}' at ${i}: ${clause}`);
    out.push({ kind: 'word', text: m[0] });
    i += m[0].length;
  }
  return out;
}

export function evaluateWhen(clause: string, context: WhenContext): boolean {
  const tokens = tokenize(clause);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (text: string) => peek()?.kind === 'op' && (peek() as { text: string }).text === text;
  const word = (): string => {
    const t = tokens[pos++];
    if (t?.kind !== 'word') throw new Error(`when-clause: expected a name at token ${pos}: ${clause}`);
    return t.text;
  };
  const literal = (text: string): unknown => (text === 'true' ? true : text === 'false' ? false : text);

  const primary = (): boolean => {
    if (isOp('(')) {
      pos++;
      const v = or();
      if (!isOp(')')) throw new Error(`when-clause: missing ) at token ${pos}: ${clause}`);
      pos++;
      return v;
    }
    const key = word();
    const value = context[key];
    if (isOp('==') || isOp('!=')) {
      const negate = (tokens[pos++] as { text: string }).text === '!=';
      // VS Code compares loosely (a number key equals its digits).
      // eslint-disable-next-line eqeqeq
      const equal = value == literal(word());
      return negate ? !equal : equal;
    }
    if (isOp('=~')) {
      pos++;
      const t = tokens[pos++];
      if (t?.kind !== 'regex') throw new Error(`when-clause: expected a regex: ${clause}`);
      return typeof value === 'string' && new RegExp(t.source, t.flags).test(value);
    }
    const next = peek();
    if (next?.kind === 'word' && (next.text === 'in' || next.text === 'not')) {
      pos++;
      const negate = next.text === 'not';
      if (negate && word() !== 'in') throw new Error(`when-clause: 'not' must be followed by 'in': ${clause}`);
      const container = context[word()];
      const inside = Array.isArray(container) ? container.includes(value) : container !== null && typeof container === 'object' && typeof value === 'string' && Object.hasOwn(container, value);
      return negate ? !inside : inside;
    }
    return Boolean(value);
  };
  const not = (): boolean => {
    if (isOp('!')) {
      pos++;
      return !not();
    }
    return primary();
  };
  const and = (): boolean => {
    let v = not();
    while (isOp('&&')) {
      pos++;
      const r = not();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (isOp('||')) {
      pos++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  const result = or();
  if (pos !== tokens.length) throw new Error(`when-clause: unexpected token ${pos} of ${tokens.length}: ${clause}`);
  return result;
}
