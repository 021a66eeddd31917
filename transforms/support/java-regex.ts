import { ConfigError } from '../../src/api/index.ts';

/**
 * Java regex semantics the routers and predicates need, on top of JS RegExp (see
 * docs/decisions/2026-11-23-expression-language.md for the known differences): `matches()` is a full match,
 * a leading `(?i)`-style flag group becomes a JS flag, and `replaceFirst` replacement strings use Java's
 * `$1` / `${name}` references and backslash escapes.
 */

/** Compiles a Java pattern for whole-string matching (Java's `Matcher.matches()`). */
export function fullMatchRegex(pattern: string): RegExp {
  let src = pattern;
  let flags = '';
  const lead = /^\(\?([imsx]+)\)/.exec(src);
  if (lead) {
    src = src.slice(lead[0].length);
    for (const f of lead[1]!) if (f !== 'x' && !flags.includes(f)) flags += f;
  }
  return new RegExp(`^(?:${src})$`, flags);
}

type Part = string | number | { name: string };

/** Parses a Java replacement string once; throws on a dangling `$` or `\` as Java does. */
export function compileReplacement(replacement: string, groupCount: number): (m: RegExpExecArray) => string {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i]!;
    if (c === '\\') {
      if (i + 1 >= replacement.length) throw new SyntaxError('character to be escaped is missing');
      lit += replacement[++i];
    } else if (c === '$') {
      if (lit) parts.push(lit);
      lit = '';
      if (replacement[i + 1] === '{') {
        const end = replacement.indexOf('}', i);
        if (end < 0) throw new SyntaxError("named capturing group is missing trailing '}'");
        parts.push({ name: replacement.slice(i + 2, end) });
        i = end;
        continue;
      }
      let j = i + 1;
      if (!/[0-9]/.test(replacement[j] ?? '')) throw new SyntaxError('Illegal group reference');
      let n = Number(replacement[j]);
      // As Java: keep reading digits while the number is still a valid group.
      while (/[0-9]/.test(replacement[j + 1] ?? '') && n * 10 + Number(replacement[j + 1]) <= groupCount) {
        n = n * 10 + Number(replacement[++j]);
      }
      if (n > groupCount) throw new RangeError(`No group ${n}`);
      parts.push(n);
      i = j;
    } else lit += c;
  }
  if (lit) parts.push(lit);
  return (m) => {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') out += m[p] ?? '';
      else out += m.groups?.[p.name] ?? '';
    }
    return out;
  };
}

/** Number of capturing groups in a compiled pattern. */
export function groupCount(re: RegExp): number {
  return (new RegExp(`${re.source}|`, re.flags).exec('')?.length ?? 1) - 1;
}

/** Java `matcher.matches() ? matcher.replaceFirst(replacement) : null` for a full-match regex. */
export function replaceIfMatches(
  re: RegExp,
  replace: (m: RegExpExecArray) => string,
  text: string,
): string | null {
  const m = re.exec(text);
  return m ? replace(m) : null;
}

/**
 * Java `matcher.matches() ? matcher.replaceFirst(replacement) : null` compiled once from config text; an
 * invalid replacement (e.g. a group the regex lacks) is a ConfigError on `key`.
 */
export function fullMatchReplacer(
  pattern: string,
  replacement: string,
  key: string,
): (text: string) => string | null {
  const re = fullMatchRegex(pattern);
  let replace: (m: RegExpExecArray) => string;
  try {
    replace = compileReplacement(replacement, groupCount(re));
  } catch (e) {
    throw new ConfigError([{ key, message: (e as Error).message }]);
  }
  return (text) => replaceIfMatches(re, replace, text);
}
