import { describe, expect, it } from 'vitest';
import { interpretChange } from '../../../connectors/elasticsearch/change.ts';
import { externalVersion, parseLsn } from '../../../connectors/elasticsearch/version.ts';
import { DataError, POSITION_HEADER, Schemas } from '../../../src/api/index.ts';
import { envelope, sinkRecord } from './records.ts';

const options = { versionHeader: '', positionFields: ['__lsn', '__source_lsn'] };

describe('external version', () => {
  it('reads the position header of ExtractNewRecordState when no position field is present', () => {
    const header = (lsn: number) => [
      {
        key: POSITION_HEADER,
        value: `{"source":{"connector":"postgresql","lsn":${lsn}}}`,
        schema: Schemas.STRING,
      },
    ];
    const write = interpretChange(sinkRecord({ key: 1, value: { id: 1 }, headers: header(700) }), options);
    expect(write.kind === 'write' && write.version).toEqual({ value: 700n, source: 'position' });
    const withField = interpretChange(
      sinkRecord({ key: 1, value: { id: 1, __lsn: 800 }, headers: header(700) }),
      options,
    );
    expect(withField.kind === 'write' && withField.version.value).toBe(800n);
    const tombstone = interpretChange(sinkRecord({ key: 1, value: null, headers: header(900) }), options);
    expect(tombstone).toEqual({ kind: 'delete', version: { value: 900n, source: 'position' } });
  });

  it('takes source.lsn from a Debezium envelope, also for snapshot reads and deletes', () => {
    for (const op of ['c', 'u', 'r', 'd']) {
      const change = interpretChange(
        sinkRecord({ key: 1, offset: 5, value: envelope(op, { id: 1 }, 123_456) }),
        options,
      );
      expect(change.kind === 'skip' ? null : change.version).toEqual({ value: 123_456n, source: 'position' });
    }
  });

  it('reads the LSN of flattened records from __lsn, __source_lsn or a header', () => {
    expect(externalVersion(sinkRecord({ offset: 3 }), null, { id: 1, __lsn: 99 }, options)).toEqual({
      value: 99n,
      source: 'position',
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
    expect(() => externalVersion(sinkRecord({}), { source: { lsn: -1 } }, null, options)).toThrow(DataError);
    expect(() => externalVersion(sinkRecord({}), { source: { lsn: 'x' } }, null, options)).toThrow(
      /not a non-negative integer/,
    );
  });

  it('orders MySQL envelopes by binlog position and flattened MySQL records by __file/__pos/__row', () => {
    const mysql = (file: string, pos: number, row: number) => ({
      before: null,
      after: { id: 1 },
      op: 'u',
      source: { connector: 'mysql', file, pos, row, snapshot: 'false', gtid: null },
      transaction: null,
    });
    const a = interpretChange(sinkRecord({ value: mysql('mysql-bin.000003', 4015, 1) }), options);
    const b = interpretChange(sinkRecord({ value: mysql('mysql-bin.000004', 4, 0) }), options);
    expect(a).toMatchObject({ version: { value: (3n << 32n) + 4016n, source: 'position' } });
    expect(b.kind === 'write' && a.kind === 'write' && b.version.value > a.version.value).toBe(true);
    const flat = { id: 1, __file: 'mysql-bin.000003', __pos: 4015, __row: 1 };
    expect(externalVersion(sinkRecord({}), null, flat, options)).toEqual({
      value: (3n << 32n) + 4016n,
      source: 'position',
    });
  });

  it('orders MySQL envelopes by GTID when source.position.mysql=gtid', () => {
    const value = {
      before: null,
      after: { id: 1 },
      op: 'c',
      source: { connector: 'mariadb', file: 'b.000001', pos: 4, row: 0, gtid: '0-1-42', snapshot: 'false' },
      transaction: { id: '0-1-42', total_order: 3, data_collection_order: 1 },
    };
    expect(externalVersion(sinkRecord({}), value, null, { ...options, mysqlPosition: 'gtid' })).toEqual({
      value: (42n << 22n) | 3n,
      source: 'position',
    });
  });

  it('leaves a connector it does not know to the fallbacks', () => {
    const value = { before: null, after: { id: 1 }, op: 'c', source: { connector: 'oracle', scn: '5' } };
    expect(externalVersion(sinkRecord({ offset: 8 }), value, null, options)).toEqual({
      value: 8n,
      source: 'offset',
    });
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
    expect(c).toEqual({ kind: 'delete', version: { value: 50n, source: 'position' } });
  });

  it('gives a tombstone a version only from a position header', () => {
    expect(interpretChange(sinkRecord({ key: 1, offset: 9 }), options)).toEqual({
      kind: 'delete',
      version: null,
    });
    const headers = [{ key: '__lsn', value: 40, schema: null }];
    expect(interpretChange(sinkRecord({ key: 1, headers }), options)).toEqual({
      kind: 'delete',
      version: { value: 40n, source: 'position' },
    });
  });

  it('refuses a value that is not an object', () => {
    expect(() => interpretChange(sinkRecord({ value: 'text' }), options)).toThrow(
      /not a struct or JSON object/,
    );
    expect(() => interpretChange(sinkRecord({ value: [1] }), options)).toThrow(DataError);
  });
});
