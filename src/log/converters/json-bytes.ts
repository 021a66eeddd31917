/**
 * JSON text written straight into a byte buffer, for the JsonConverter's encoder (json-encoder.ts).
 *
 * Why bytes instead of strings: building a change event's JSON by string concatenation allocated about
 * 2.5 KB of intermediate strings per event (a rope of pieces, then a flat copy for the UTF-8 encoding),
 * most of the worker's garbage. Every function here writes at `p` and returns the position after what it
 * wrote; each makes room for its own bytes first, and may replace `out.b` (callers reload it).
 */
export interface ByteOut {
  /** The buffer being written; replaced by a larger copy when it runs out of room. */
  b: Buffer;
}

/** Makes room for `n` more bytes at `p`, keeping the bytes before it; returns the (maybe new) buffer. */
export function room(out: ByteOut, p: number, n: number): Buffer {
  const b = out.b;
  if (p + n <= b.length) return b;
  const bigger = Buffer.allocUnsafe(Math.max(p + n, 2 * b.length, 256));
  b.copy(bigger, 0, 0, p);
  out.b = bigger;
  return bigger;
}

/** Strings longer than this are escaped by JSON.stringify and encoded natively, which is faster there. */
const LONG_STRING = 96;

/** A string as a JSON string literal, byte for byte what `Buffer.from(JSON.stringify(v))` is. */
export function writeJsonString(out: ByteOut, p: number, v: string): number {
  const n = v.length;
  if (n > LONG_STRING) return writeText(out, p, JSON.stringify(v));
  // Each UTF-16 unit takes at most 6 bytes (an escape such as \u001f or a lone surrogate's \udxxx).
  const b = room(out, p, 6 * n + 2);
  b[p++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) b[p++] = c;
      else p = escapeAscii(b, p, c);
    } else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 0x3f);
      b[p++] = 0x80 | (c & 0x3f);
    } else {
      const d = c <= 0xdbff && i + 1 < n ? v.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        b[p++] = 0xf0 | (cp >> 18);
        b[p++] = 0x80 | ((cp >> 12) & 0x3f);
        b[p++] = 0x80 | ((cp >> 6) & 0x3f);
        b[p++] = 0x80 | (cp & 0x3f);
        i++;
      } else p = unicodeEscape(b, p, c); // a lone surrogate, as JSON.stringify writes it
    }
  }
  b[p++] = 0x22;
  return p;
}

const SHORT_ESCAPES: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

function escapeAscii(b: Buffer, p: number, c: number): number {
  if (c === 0x22 || c === 0x5c) {
    b[p] = 0x5c;
    b[p + 1] = c;
    return p + 2;
  }
  const short = SHORT_ESCAPES[c];
  if (short === undefined) return unicodeEscape(b, p, c);
  b[p] = 0x5c;
  b[p + 1] = short;
  return p + 2;
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

function unicodeEscape(b: Buffer, p: number, c: number): number {
  b[p] = 0x5c;
  b[p + 1] = 0x75;
  b[p + 2] = HEX[(c >> 12) & 0xf]!;
  b[p + 3] = HEX[(c >> 8) & 0xf]!;
  b[p + 4] = HEX[(c >> 4) & 0xf]!;
  b[p + 5] = HEX[c & 0xf]!;
  return p + 6;
}

/** Text that is already JSON (a number, a literal, an escaped string) as UTF-8. */
export function writeText(out: ByteOut, p: number, text: string): number {
  const n = text.length;
  if (n > LONG_STRING) {
    const b = room(out, p, 3 * n);
    return p + b.write(text, p, 'utf8');
  }
  const b = room(out, p, 3 * n);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return p - i + b.write(text, p - i, 'utf8');
    b[p++] = c;
  }
  return p;
}

/** Larger magnitudes are written by String(), as JsonWriter does (it switches to exponents at 1e21). */
const MAX_DIGIT_LOOP = Number.MAX_SAFE_INTEGER;

/** An integral number's digits, as String(v) writes them (NaN from an invalid Date included). */
export function writeInteger(out: ByteOut, p: number, v: number): number {
  if (!(v <= MAX_DIGIT_LOOP && v >= -MAX_DIGIT_LOOP)) return writeText(out, p, String(v));
  const b = room(out, p, 17);
  if (v < 0) {
    b[p++] = 0x2d;
    v = -v;
  }
  if (v < 1e8) return writeDigits(b, p, v);
  // Two int32 halves: integer division on doubles above 2^31 is slow.
  const high = Math.floor(v / 1e8);
  let low = v - high * 1e8;
  p = writeDigits(b, p, high);
  for (let i = p + 7; i >= p; i--) {
    const q = (low / 10) | 0;
    b[i] = 0x30 + low - q * 10;
    low = q;
  }
  return p + 8;
}

/** 0 ≤ v < 2^31. */
function writeDigits(b: Buffer, p: number, v: number): number {
  const end =
    p +
    (v < 10
      ? 1
      : v < 100
        ? 2
        : v < 1e3
          ? 3
          : v < 1e4
            ? 4
            : v < 1e5
              ? 5
              : v < 1e6
                ? 6
                : v < 1e7
                  ? 7
                  : v < 1e8
                    ? 8
                    : v < 1e9
                      ? 9
                      : 10);
  let i = end;
  do {
    const q = (v / 10) | 0;
    b[--i] = 0x30 + v - q * 10;
    v = q;
  } while (v > 0);
  return end;
}

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');

/** `bytes[from..to)` as a quoted base64 JSON string (standard alphabet, padded), as Kafka writes bytes. */
export function writeBase64(out: ByteOut, p: number, bytes: Uint8Array, from = 0, to = bytes.length): number {
  const n = to - from;
  const b = room(out, p, 4 * Math.ceil(n / 3) + 2);
  b[p++] = 0x22;
  let i = from;
  for (; i + 3 <= to; i += 3) {
    const x = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    b[p] = BASE64[x >> 18]!;
    b[p + 1] = BASE64[(x >> 12) & 0x3f]!;
    b[p + 2] = BASE64[(x >> 6) & 0x3f]!;
    b[p + 3] = BASE64[x & 0x3f]!;
    p += 4;
  }
  if (i < to) {
    const two = i + 1 < to;
    const x = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    b[p] = BASE64[x >> 18]!;
    b[p + 1] = BASE64[(x >> 12) & 0x3f]!;
    b[p + 2] = two ? BASE64[(x >> 6) & 0x3f]! : 0x3d;
    b[p + 3] = 0x3d;
    p += 4;
  }
  b[p++] = 0x22;
  return p;
}
