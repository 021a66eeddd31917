/** A token of a DDL statement; `s`/`e` index the statement text (default expressions keep their text). */
export interface Tok {
  readonly t: 'id' | 'word' | 'str' | 'num' | 'p';
  /** Identifiers unquoted, words upper-cased, strings unescaped. */
  readonly v: string;
  readonly s: number;
  readonly e: number;
}

/**
 * Splits MySQL DDL into tokens. Executable comments (`/*!40101 … *\/`) keep their content, as the server
 * runs it; other comments are dropped. Double quotes are string quotes (the server default, not ANSI_QUOTES).
 */
export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('/*!', i) || sql.startsWith('/*M!', i)) {
      i += sql[i + 2] === 'M' ? 4 : 3;
      while (i < n && /\d/.test(sql[i]!)) i++;
    } else if (sql.startsWith('*/', i)) {
      i += 2;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '#' || (sql.startsWith('--', i) && /\s/.test(sql[i + 2] ?? ' '))) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
    } else if (c === '`') {
      let v = '';
      let j = i + 1;
      for (; j < n; j++) {
        if (sql[j] === '`') {
          if (sql[j + 1] === '`') {
            v += '`';
            j++;
            continue;
          }
          break;
        }
        v += sql[j];
      }
      out.push({ t: 'id', v, s: i, e: j + 1 });
      i = j + 1;
    } else if (c === "'" || c === '"') {
      let v = '';
      let j = i + 1;
      for (; j < n; j++) {
        const d = sql[j]!;
        if (d === '\\' && j + 1 < n) {
          v += unescapeChar(sql[++j]!);
          continue;
        }
        if (d === c) {
          if (sql[j + 1] === c) {
            v += c;
            j++;
            continue;
          }
          break;
        }
        v += d;
      }
      out.push({ t: 'str', v, s: i, e: j + 1 });
      i = j + 1;
    } else if (/\d/.test(c) && !/[A-Za-z_$]/.test(wordAt(sql, i))) {
      const m = /^\d+(\.\d+)?([eE][-+]?\d+)?/.exec(sql.slice(i))!;
      out.push({ t: 'num', v: m[0], s: i, e: i + m[0].length });
      i += m[0].length;
    } else if (/[A-Za-z0-9_$\u0080-\uffff]/.test(c)) {
      const w = wordAt(sql, i);
      out.push({ t: 'word', v: w.toUpperCase(), s: i, e: i + w.length });
      i += w.length;
    } else {
      out.push({ t: 'p', v: c, s: i, e: i + 1 });
      i++;
    }
  }
  return out;
}

function wordAt(sql: string, i: number): string {
  return /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i))?.[0] ?? '';
}

function unescapeChar(c: string): string {
  switch (c) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case 'Z':
      return '\x1a';
    default:
      return c;
  }
}

/** A cursor over tokens with the look-ahead helpers the DDL parser needs. */
export class Cursor {
  readonly sql: string;
  readonly #toks: Tok[];
  i = 0;

  constructor(sql: string) {
    this.sql = sql;
    this.#toks = tokenize(sql).filter((t, k, all) => !(t.v === ';' && t.t === 'p' && k === all.length - 1));
  }

  peek(k = 0): Tok | undefined {
    return this.#toks[this.i + k];
  }

  get done(): boolean {
    return this.i >= this.#toks.length;
  }

  next(): Tok {
    const t = this.#toks[this.i++];
    if (!t) throw new DdlSyntax('unexpected end of statement');
    return t;
  }

  /** Whether the next tokens are these words (or punctuation); consumes them if so. */
  accept(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) {
      const t = this.peek(k);
      if (!t || (t.t !== 'word' && t.t !== 'p') || t.v !== words[k]) return false;
    }
    this.i += words.length;
    return true;
  }

  is(...words: string[]): boolean {
    const t = this.peek();
    return t !== undefined && (t.t === 'word' || t.t === 'p') && words.includes(t.v);
  }

  expect(word: string): void {
    if (!this.accept(word)) throw new DdlSyntax(`expected ${word} near '${this.peek()?.v ?? 'end'}'`);
  }

  /** An identifier: quoted, or a bare word (case kept). */
  ident(): string {
    const t = this.next();
    if (t.t === 'id') return t.v;
    if (t.t === 'word') return this.sql.slice(t.s, t.e);
    if (t.t === 'str') return t.v;
    throw new DdlSyntax(`expected a name near '${t.v}'`);
  }

  /** Skips a balanced parenthesised group starting at the current `(`; returns its inner text. */
  group(): string {
    const open = this.next();
    if (open.v !== '(') throw new DdlSyntax(`expected ( near '${open.v}'`);
    let depth = 1;
    let last = open;
    while (depth > 0) {
      last = this.next();
      if (last.t === 'p' && last.v === '(') depth++;
      else if (last.t === 'p' && last.v === ')') depth--;
    }
    return this.sql.slice(open.e, last.s);
  }

  /** Skips to the next `,` or `)` at this nesting level (not consuming it), or the end. */
  skipItem(): void {
    while (!this.done && !this.is(',', ')')) {
      if (this.is('(')) this.group();
      else this.i++;
    }
  }
}

/** A statement the parser does not understand. */
export class DdlSyntax extends Error {}
