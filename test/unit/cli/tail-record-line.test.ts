import { describe, expect, it } from 'vitest';
import { recordLine } from '../../../src/cli/tail.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('seam tail record lines', () => {
  it('keeps every digit of int64 values and the stored text of numbers', () => {
    const line = recordLine({
      topic: 't',
      partition: 0,
      offset: 7,
      timestamp: 1,
      key: bytes('{"id":9223372036854775807}'),
      value: bytes('{"big":-9223372036854775808,"price":1.10,"n":[1,2e3]}'),
      headers: [{ key: 'h', value: bytes('18446744073709551615') }],
    });
    expect(line).toBe(
      '{"topic":"t","partition":0,"offset":7,"timestamp":1,"key":{"id":9223372036854775807},' +
        '"value":{"big":-9223372036854775808,"price":1.10,"n":[1,2e3]},' +
        '"headers":[{"key":"h","value":18446744073709551615}]}',
    );
  });

  it('prints text and binary values as before', () => {
    const line = JSON.parse(
      recordLine({
        topic: 't',
        partition: 0,
        offset: 0,
        timestamp: 1,
        key: bytes('plain text'),
        value: new Uint8Array([0xff, 0xfe]),
        headers: [],
      }),
    ) as { key: unknown; value: unknown };
    expect(line.key).toBe('plain text');
    expect(line.value).toEqual({ base64: '//4=' });
  });
});
