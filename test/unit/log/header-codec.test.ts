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
});
