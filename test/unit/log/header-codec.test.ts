import { describe, expect, it } from 'vitest';
import { decodeHeaders, encodeHeaders } from '../../../src/log/embedded/header-codec.ts';

describe('header codec', () => {
  it('stores no headers as NULL', () => {
    expect(encodeHeaders([])).toBeNull();
    expect(decodeHeaders(null)).toEqual([]);
  });

  it('round-trips keys, byte values, empty values and null values in order', () => {
    const big = new Uint8Array(300).map((_, i) => i % 256);
    const headers = [
      { key: 'a', value: new Uint8Array([1, 2, 3]) },
      { key: 'ünïcode', value: null },
      { key: '', value: new Uint8Array(0) },
      { key: 'a', value: big },
    ];
    expect(decodeHeaders(encodeHeaders(headers))).toEqual(headers);
  });

  it('rejects a truncated block instead of inventing values', () => {
    const encoded = encodeHeaders([{ key: 'key', value: new Uint8Array([9, 9, 9]) }])!;
    expect(() => decodeHeaders(encoded.subarray(0, encoded.length - 1))).toThrow(RangeError);
  });

  it('encodes a frozen (shared) header list once, to the same bytes as a fresh list', () => {
    const shared = Object.freeze([
      { key: '__debezium.context.taskId', value: new TextEncoder().encode('0') },
      { key: '__debezium.context.connectorName', value: new TextEncoder().encode('postgresql') },
    ]);
    const first = encodeHeaders(shared);
    expect(encodeHeaders(shared)).toBe(first);
    expect(first).toEqual(encodeHeaders([...shared]));
    expect(encodeHeaders([...shared])).not.toBe(encodeHeaders([...shared]));
    expect(decodeHeaders(first)).toEqual([...shared]);
  });
});
