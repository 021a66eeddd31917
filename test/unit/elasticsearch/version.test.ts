import { describe, expect, it } from 'vitest';
import { interpretChange } from '../../../connectors/elasticsearch/change.ts';
import { externalVersion, parseLsn } from '../../../connectors/elasticsearch/version.ts';
import { DataError } from '../../../src/api/index.ts';
import { envelope, sinkRecord } from './records.ts';

const options = { versionHeader: '', positionFields: ['__lsn', '__source_lsn'] };

describe('external version', () => {
  it('takes source.lsn from a Debezium envelope, also for snapshot reads and deletes', () => {
    for (const op of ['c', 'u', 'r', 'd']) {
      const change = interpretChange(
        sinkRecord({ key: 1, offset: 5, value: envelope(op, { id: 1 }, 123_456) }),
        options,
      );
      expect(change.kind === 'skip' ? null : change.version).toEqual({ value: 123_456n, source: 'lsn' });
    }
  });

  it('reads the LSN of flattened records from __lsn, __source_lsn or a header', () => {
    expect(externalVersion(sinkRecord({ offset: 3 }), null, { id: 1, __lsn: 99 }, options)).toEqual({
      value: 99n,
      source: 'lsn',
    });
    expect(externalVersion(sinkRecord({}), null, { id: 1, __source_lsn: '77' }, options).value).toBe(77n);
    const headers = [{ key: '__lsn', value: 2n ** 40n, schema: null }];
    expect(externalVersion(sinkRecord({ headers }), null, { id: 1 }, options).value).toBe(2n ** 40n);
  });

  it('falls back to external.version.header, then to the log offset, and says which', () => {
    const headers = [{ key: 'v', value: '17', schema: null }];
    expect(
      externalVersion(
        sinkRecord({ headers, offset: 3 }),
        null,
        { id: 1 },
        { ...options, versionHeader: 'v' },
      ),
    ).toEqual({ value: 17n, source: 'header' });
    expect(externalVersion(sinkRecord({ offset: 3 }), null, { id: 1 }, options)).toEqual({
      value: 3n,
      source: 'offset',
    });
  });

  it('parses PostgreSQL LSN text and refuses what is not a version', () => {
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(() => externalVersion(sinkRecord({}), { lsn: -1 }, null, options)).toThrow(DataError);
    expect(() => externalVersion(sinkRecord({}), { lsn: 'x' }, null, options)).toThrow(
      /not a non-negative integer/,
    );
  });
});

describe('interpretChange', () => {
  it('writes the after row of c/u/r and skips truncate and message events', () => {
    const c = interpretChange(sinkRecord({ value: envelope('u', { id: 1, name: 'b' }, 10) }), options);
    expect(c).toMatchObject({ kind: 'write', row: { id: 1, name: 'b' } });
    expect(interpretChange(sinkRecord({ value: envelope('t', null, 10) }), options).kind).toBe('skip');
  });

  it('treats ExtractNewRecordState rewrite output (__deleted) as a delete', () => {
    const c = interpretChange(sinkRecord({ value: { id: 1, __deleted: 'true', __lsn: 50 } }), options);
    expect(c).toEqual({ kind: 'delete', version: { value: 50n, source: 'lsn' } });
  });

  it('gives a tombstone a version only from a position header', () => {
    expect(interpretChange(sinkRecord({ key: 1, offset: 9 }), options)).toEqual({
      kind: 'delete',
      version: null,
    });
    const headers = [{ key: '__lsn', value: 40, schema: null }];
    expect(interpretChange(sinkRecord({ key: 1, headers }), options)).toEqual({
      kind: 'delete',
      version: { value: 40n, source: 'lsn' },
    });
  });

  it('refuses a value that is not an object', () => {
    expect(() => interpretChange(sinkRecord({ value: 'text' }), options)).toThrow(
      /not a struct or JSON object/,
    );
    expect(() => interpretChange(sinkRecord({ value: [1] }), options)).toThrow(DataError);
  });
});
