/**
 * Parses Java `.properties` text (what Kafka's FileConfigProvider reads): `key=value`, `key: value` or
 * `key value`; `#` and `!` comments; a trailing backslash continues a line; `\t \n \r \f \uXXXX` escapes,
 * and a backslash before any other character keeps that character (so `\=` and `\:` in keys).
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (endsWithContinuation(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    }
    if (endsWithContinuation(line)) line = line.slice(0, -1);
    const sep = separatorIndex(line);
    const rawKey = sep < 0 ? line : line.slice(0, sep);
    let rest = sep < 0 ? '' : line.slice(sep);
    // The separator is one '=' or ':' possibly surrounded by whitespace, or whitespace alone.
    rest = rest.replace(/^[ \t\f]*[=:]?[ \t\f]*/, '');
    out.set(unescapeProperty(rawKey), unescapeProperty(rest));
  }
  return out;
}

function endsWithContinuation(line: string): boolean {
  let slashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) slashes++;
  return slashes % 2 === 1;
}

function separatorIndex(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\') i++;
    else if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') return i;
  }
  return -1;
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeProperty(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}
