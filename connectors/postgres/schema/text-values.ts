/**
 * Parsers for PostgreSQL text forms that need more than a regex: arrays, hstore, bytea (hex output),
 * bit strings, points and money. Values arrive as text because Seam installs identity type parsers on
 * its connections (pg's global parsers drop timestamp microseconds and lose int8/numeric precision).
 */

/** Parses `{a,"b c",NULL,{1,2}}` into nested arrays of strings (null for NULL). */
export function parseArray(text: string): unknown[] {
  let i = 0;
  // Skip optional dimension decoration: `[1:3]={…}`.
  if (text.startsWith('[')) i = text.indexOf('=') + 1;
  const parse = (): unknown[] => {
    if (text[i] !== '{') throw new RangeError(`not an array literal: '${text}'`);
    i++;
    const out: unknown[] = [];
    if (text[i] === '}') {
      i++;
      return out;
    }
    for (;;) {
      if (text[i] === '{') out.push(parse());
      else if (text[i] === '"') {
        i++;
        let s = '';
        while (text[i] !== '"') {
          if (text[i] === '\\') i++;
          s += text[i];
          i++;
        }
        i++;
        out.push(s);
      } else {
        const start = i;
        while (text[i] !== ',' && text[i] !== '}') i++;
        const raw = text.slice(start, i).trim();
        out.push(raw === 'NULL' ? null : raw);
      }
      if (text[i] === ',') i++;
      else if (text[i] === '}') {
        i++;
        return out;
      } else throw new RangeError(`malformed array literal: '${text}'`);
    }
  };
  return parse();
}

/** Parses hstore output `"a"=>"1", "b"=>NULL` into a plain object (insertion order kept). */
export function parseHstore(text: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  let i = 0;
  const quoted = (): string => {
    if (text[i] !== '"') throw new RangeError(`malformed hstore: '${text}'`);
    i++;
    let s = '';
    while (text[i] !== '"') {
      if (text[i] === '\\') i++;
      s += text[i];
      i++;
    }
    i++;
    return s;
  };
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const key = quoted();
    i += 2; // =>
    if (text.startsWith('NULL', i)) {
      out[key] = null;
      i += 4;
    } else out[key] = quoted();
  }
  return out;
}

/** bytea hex output `\x01ab` (bytea_output = hex, set on every connection). */
export function parseBytea(text: string): Uint8Array {
  if (!text.startsWith('\\x')) throw new RangeError('bytea is not in hex output format');
  return Uint8Array.from(Buffer.from(text.slice(2), 'hex'));
}

/** A bit string as Debezium's Bits: little-endian bytes, padded to ceil(length / 8). */
export function bitsToBytes(bits: string, length: number): Uint8Array {
  let value = bits === '' ? 0n : BigInt(`0b${bits}`);
  const out = new Uint8Array(Math.max(1, Math.ceil(length / 8)));
  for (let b = 0; b < out.length; b++) {
    out[b] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** `(1.5,-2)` → {x, y}. */
export function parsePoint(text: string): { x: number; y: number } {
  const m = /^\(([^,]+),([^)]+)\)$/.exec(text);
  if (!m) throw new RangeError(`not a point: '${text}'`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** Well-known binary of a 2D point, little-endian, as Debezium's Point.createValue writes it. */
export function pointWkb(x: number, y: number): Uint8Array {
  const buf = Buffer.alloc(21);
  buf.writeUInt8(1, 0);
  buf.writeUInt32LE(1, 1);
  buf.writeDoubleLE(x, 5);
  buf.writeDoubleLE(y, 13);
  return Uint8Array.from(buf);
}

/** Money as printed under any lc_monetary (`$1,234.56`, `-$0.50`, `(1.00)`) → plain decimal text. */
export function moneyText(text: string): string {
  const negative = text.includes('-') || text.startsWith('(');
  const digits = text.replace(/[^0-9.]/g, '');
  return negative ? `-${digits}` : digits;
}
