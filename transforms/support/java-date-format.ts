/**
 * The subset of Java's SimpleDateFormat that TimestampRouter and TimestampConverter configs use, always in
 * UTC as Kafka's SMTs do: y M d H h m s S a E D Z X, and 'quoted' literals. Week-year Y is read as the
 * calendar year (they differ only in the days around New Year). Unknown letters are rejected at
 * config time rather than silently printed.
 */

type Token = { letter: string; count: number } | { literal: string };

const LETTERS = 'yYMdHhmsSaEDZX';
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function compileDateFormat(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError(`Unterminated quote in date pattern '${pattern}'`);
      tokens.push({ literal: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!LETTERS.includes(c)) throw new SyntaxError(`Unsupported pattern letter '${c}' in '${pattern}'`);
      let n = 1;
      while (pattern[i + n] === c) n++;
      tokens.push({ letter: c, count: n });
      i += n;
    } else {
      tokens.push({ literal: c });
      i++;
    }
  }
  return tokens;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

export function formatDate(ms: number, tokens: readonly Token[]): string {
  const d = new Date(ms);
  let out = '';
  for (const t of tokens) {
    if ('literal' in t) {
      out += t.literal;
      continue;
    }
    const n = t.count;
    switch (t.letter) {
      case 'y':
      case 'Y':
        out += n === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), n);
        break;
      case 'M':
        out +=
          n >= 4
            ? MONTHS[d.getUTCMonth()]
            : n === 3
              ? MONTHS[d.getUTCMonth()]!.slice(0, 3)
              : pad(d.getUTCMonth() + 1, n);
        break;
      case 'd':
        out += pad(d.getUTCDate(), n);
        break;
      case 'D':
        out += pad(Math.floor((ms - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1, n);
        break;
      case 'H':
        out += pad(d.getUTCHours(), n);
        break;
      case 'h':
        out += pad(d.getUTCHours() % 12 || 12, n);
        break;
      case 'm':
        out += pad(d.getUTCMinutes(), n);
        break;
      case 's':
        out += pad(d.getUTCSeconds(), n);
        break;
      case 'S':
        out += pad(d.getUTCMilliseconds(), n);
        break;
      case 'a':
        out += d.getUTCHours() < 12 ? 'AM' : 'PM';
        break;
      case 'E':
        out += n >= 4 ? DAYS[d.getUTCDay()] : DAYS[d.getUTCDay()]!.slice(0, 3);
        break;
      case 'Z':
        out += '+0000';
        break;
      case 'X':
        out += 'Z';
        break;
    }
  }
  return out;
}

/** Parses `text` with the pattern; returns ms since epoch (UTC), or null when it does not fit. */
export function parseDate(text: string, tokens: readonly Token[]): number | null {
  let pos = 0;
  let [year, month, day, hour, minute, second, milli, offsetMin] = [1970, 1, 1, 0, 0, 0, 0, 0];
  let pm: boolean | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if ('literal' in t) {
      if (!text.startsWith(t.literal, pos)) return null;
      pos += t.literal.length;
      continue;
    }
    if (t.letter === 'X' || t.letter === 'Z') {
      const m = /^(Z|[+-]\d{2}(?::?\d{2})?)/.exec(text.slice(pos));
      if (!m) return null;
      pos += m[0].length;
      if (m[0] !== 'Z') {
        const digits = m[0].replace(':', '');
        offsetMin =
          (digits[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0));
      }
      continue;
    }
    if (t.letter === 'a' || t.letter === 'E' || (t.letter === 'M' && t.count >= 3)) {
      const m = /^[A-Za-z]+/.exec(text.slice(pos));
      if (!m) return null;
      pos += m[0].length;
      if (t.letter === 'a') pm = m[0].toUpperCase() === 'PM';
      if (t.letter === 'M') {
        const idx = MONTHS.findIndex((x) => x.toLowerCase().startsWith(m[0].toLowerCase().slice(0, 3)));
        if (idx < 0) return null;
        month = idx + 1;
      }
      continue;
    }
    // A numeric field followed directly by another numeric field takes exactly `count` digits (yyyyMMdd).
    const next = tokens[i + 1];
    const adjacent = next !== undefined && 'letter' in next;
    const m = (adjacent ? new RegExp(`^\\d{${t.count}}`) : /^[+-]?\d+/).exec(text.slice(pos));
    if (!m) return null;
    pos += m[0].length;
    const v = Number(m[0]);
    if (t.letter === 'y' || t.letter === 'Y') year = t.count === 2 ? 2000 + v : v;
    else if (t.letter === 'M') month = v;
    else if (t.letter === 'd') day = v;
    else if (t.letter === 'H' || t.letter === 'h') hour = v;
    else if (t.letter === 'm') minute = v;
    else if (t.letter === 's') second = v;
    else if (t.letter === 'S') milli = v;
  }
  if (pos !== text.length) return null;
  if (pm !== null) hour = (hour % 12) + (pm ? 12 : 0);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  return Number.isNaN(utc) ? null : utc - offsetMin * 60_000;
}
