import type { LogHeader } from '../topic-log.ts';

/**
 * The stored form of record headers (format version 1): NULL when there are none, otherwise
 * `varint count` then per header `varint keyLength, key UTF-8, varint (valueLength + 1), value`, where a
 * value length field of 0 means a null value. Binary rather than JSON so byte values need no base64 and
 * the common header-less record costs nothing.
 */
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encoded frozen header lists: a source shares one list between its records, so it is encoded once. */
const encodedShared = new WeakMap<readonly LogHeader[], Uint8Array>();

export function encodeHeaders(headers: readonly LogHeader[]): Uint8Array | null {
  if (headers.length === 0) return null;
  if (!Object.isFrozen(headers)) return encode(headers);
  let encoded = encodedShared.get(headers);
  if (encoded === undefined) {
    encoded = encode(headers);
    encodedShared.set(headers, encoded);
  }
  return encoded;
}

function encode(headers: readonly LogHeader[]): Uint8Array {
  const keys = headers.map((h) => encoder.encode(h.key));
  let size = varintSize(headers.length);
  headers.forEach((h, i) => {
    const keyLength = keys[i]!.length;
    const valueLength = h.value === null ? 0 : h.value.length + 1;
    size += varintSize(keyLength) + keyLength + varintSize(valueLength) + (h.value?.length ?? 0);
  });
  const out = new Uint8Array(size);
  let pos = writeVarint(out, 0, headers.length);
  headers.forEach((h, i) => {
    const key = keys[i]!;
    pos = writeVarint(out, pos, key.length);
    out.set(key, pos);
    pos += key.length;
    pos = writeVarint(out, pos, h.value === null ? 0 : h.value.length + 1);
    if (h.value !== null) {
      out.set(h.value, pos);
      pos += h.value.length;
    }
  });
  return out;
}

export function decodeHeaders(data: Uint8Array | null): LogHeader[] {
  if (data === null) return [];
  const cursor = { pos: 0 };
  const count = readVarint(data, cursor);
  const headers: LogHeader[] = [];
  for (let i = 0; i < count; i++) {
    const keyLength = readVarint(data, cursor);
    const key = decoder.decode(take(data, cursor, keyLength));
    const valueField = readVarint(data, cursor);
    // slice() copies, so a header value does not keep the whole encoded block alive.
    const value = valueField === 0 ? null : take(data, cursor, valueField - 1).slice();
    headers.push({ key, value });
  }
  return headers;
}

function take(data: Uint8Array, cursor: { pos: number }, length: number): Uint8Array {
  if (cursor.pos + length > data.length) throw new RangeError('stored headers are truncated');
  const part = data.subarray(cursor.pos, cursor.pos + length);
  cursor.pos += length;
  return part;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

function readVarint(data: Uint8Array, cursor: { pos: number }): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    if (cursor.pos >= data.length) throw new RangeError('stored headers are truncated');
    const byte = data[cursor.pos++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
}
