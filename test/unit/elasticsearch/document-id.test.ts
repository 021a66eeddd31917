import { describe, expect, it } from 'vitest';
import { documentId } from '../../../connectors/elasticsearch/document-id.ts';
import { DataError } from '../../../src/api/index.ts';
import { sinkRecord } from './records.ts';

describe('documentId', () => {
  it('uses topic+partition+offset when the key is ignored', () => {
    expect(documentId(sinkRecord({ topic: 't', partition: 2, offset: 7, key: 1 }), true)).toBe('t+2+7');
  });

  it('turns primitive keys into their text', () => {
    expect(documentId(sinkRecord({ key: 42 }), false)).toBe('42');
    expect(documentId(sinkRecord({ key: 'abc' }), false)).toBe('abc');
    expect(documentId(sinkRecord({ key: 2n ** 62n }), false)).toBe('4611686018427387904');
    expect(documentId(sinkRecord({ key: true }), false)).toBe('true');
    expect(documentId(sinkRecord({ key: { unscaled: 1234n, scale: 2 } }), false)).toBe('12.34');
  });

  it('gives a one-field struct key the same id as its primitive', () => {
    expect(documentId(sinkRecord({ key: { id: 42 } }), false)).toBe('42');
  });

  it('writes a multi-field struct key as JSON sorted by field name, whatever the field order', () => {
    const a = documentId(sinkRecord({ key: { tenant: 'x', id: 7 } }), false);
    const b = documentId(sinkRecord({ key: { id: 7, tenant: 'x' } }), false);
    expect(a).toBe('{"id":7,"tenant":"x"}');
    expect(b).toBe(a);
    expect(documentId(sinkRecord({ key: { a: null, b: 1 } }), false)).toBe('{"a":null,"b":1}');
  });

  it('refuses keys that cannot be turned into an id, with the reason', () => {
    expect(() => documentId(sinkRecord({ key: null }), false)).toThrow(/null key/);
    expect(() => documentId(sinkRecord({ key: [1, 2] }), false)).toThrow(DataError);
    expect(() => documentId(sinkRecord({ key: { a: { nested: 1 }, b: 2 } }), false)).toThrow(
      /key field 'a' is struct/,
    );
    expect(() => documentId(sinkRecord({ key: { only: [1] } }), false)).toThrow(/one-field key/);
    expect(() => documentId(sinkRecord({ key: new Map([[1, 2]]) }), false)).toThrow(
      /map cannot be turned into a document id/,
    );
    expect(() => documentId(sinkRecord({ key: 'x'.repeat(513) }), false)).toThrow(/512/);
    expect(() => documentId(sinkRecord({ key: '' }), false)).toThrow(/empty/);
  });
});
