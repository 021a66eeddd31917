import { describe, expect, it } from 'vitest';
import {
  DataError,
  flattenedPosition,
  MAX_POSITION,
  type SourcePosition,
  sourcePosition,
} from '../../../src/api/index.ts';

function pg(lsn: unknown, extra: Record<string, unknown> = {}) {
  return { connector: 'postgresql', name: 'db', snapshot: 'false', lsn, ...extra };
}

function mysql(file: unknown, pos: unknown, row: unknown, extra: Record<string, unknown> = {}) {
  return {
    connector: 'mysql',
    name: 'db',
    server_id: 1,
    snapshot: 'false',
    gtid: null,
    file,
    pos,
    row,
    ...extra,
  };
}

function value(p: SourcePosition | null): bigint {
  if (p === null) throw new Error('no position');
  return p.value;
}

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error('expected a DataError');
}

describe('PostgreSQL positions', () => {
  it('orders the changes of one transaction by their LSNs', () => {
    const seq = (lsn: number) => pg(lsn, { sequence: `["100","${lsn}"]`, txId: 7 });
    const first = value(sourcePosition(seq(200)));
    const second = value(sourcePosition(seq(248)));
    expect(second).toBeGreaterThan(first);
    expect(sourcePosition(seq(200))).toEqual({
      connector: 'postgresql',
      scheme: 'lsn',
      scope: '',
      value: 200n,
    });
  });

  it('orders a later transaction after an earlier one, above 2^53 too', () => {
    const earlier = value(sourcePosition(pg(2n ** 60n + 10n)));
    const later = value(sourcePosition(pg('10000000/0000001A')));
    expect(later).toBe(2n ** 60n + 26n);
    expect(later).toBeGreaterThan(earlier);
  });

  it('ranks snapshot rows at the snapshot LSN, below changes streamed after it', () => {
    const snapshot = value(sourcePosition(pg(5000, { snapshot: 'last' })));
    const streamed = value(sourcePosition(pg(5008)));
    expect(snapshot).toBe(5000n);
    expect(streamed).toBeGreaterThan(snapshot);
  });

  it('takes the LSN from source.sequence when source.lsn is absent, and treats a bare lsn block as PostgreSQL', () => {
    expect(value(sourcePosition({ connector: 'postgresql', sequence: '["90","120"]' }))).toBe(120n);
    expect(value(sourcePosition({ lsn: 77 }))).toBe(77n);
    expect(sourcePosition({ connector: 'postgresql', lsn: null })).toBeNull();
  });

  it('refuses malformed values with a DataError naming the field and the fix', () => {
    expect(dataError(() => sourcePosition(pg(-1))).message).toMatch(/source\.lsn value -1 .*Fix:/);
    expect(dataError(() => sourcePosition(pg('abc'))).message).toMatch(/source\.lsn value 'abc'/);
    expect(dataError(() => sourcePosition(pg(1.5))).message).toMatch(/not a non-negative integer/);
    expect(dataError(() => sourcePosition(pg(2n ** 63n))).message).toMatch(/larger than .*Fix:/);
    expect(dataError(() => sourcePosition({ connector: 'postgresql', sequence: 'x' })).message).toMatch(
      /source\.sequence 'x'.*Fix:/,
    );
  });
});

describe('MySQL binlog positions', () => {
  it('orders rows of one event, events of one file, and files', () => {
    const row0 = value(sourcePosition(mysql('mysql-bin.000003', 4015, 0)));
    const row1 = value(sourcePosition(mysql('mysql-bin.000003', 4015, 1)));
    const nextEvent = value(sourcePosition(mysql('mysql-bin.000003', 4410, 0)));
    expect(row0).toBe((3n << 32n) + 4015n);
    expect(row1).toBe(row0 + 1n);
    expect(nextEvent).toBeGreaterThan(row1);
  });

  it('orders across a file rollover however far the last file had grown', () => {
    const endOfFile = value(sourcePosition(mysql('mysql-bin.000009', 2 ** 32 - 2, 1)));
    const nextFile = value(sourcePosition(mysql('mysql-bin.000010', 4, 0)));
    expect(nextFile).toBeGreaterThan(endOfFile);
    const highest = value(sourcePosition(mysql('mysql-bin.2147483647', 2 ** 32 - 1, 0)));
    expect(highest).toBe(MAX_POSITION);
  });

  it('refuses a file number past 2^31-1 (what the encoding holds) naming the field', () => {
    const error = dataError(() => sourcePosition(mysql('mysql-bin.2147483648', 4, 0)));
    expect(error.message).toMatch(/source\.file value 2147483648 is larger than 2147483647/);
  });

  it('ranks snapshot rows one below the binlog position they were read at', () => {
    const snapshot = value(sourcePosition(mysql('mysql-bin.000003', 154, 0, { snapshot: 'true' })));
    const firstStreamed = value(sourcePosition(mysql('mysql-bin.000003', 154, 0)));
    expect(snapshot).toBe(firstStreamed - 1n);
  });

  it('reports the binlog base name as the scope and accepts MariaDB and digit strings', () => {
    const p = sourcePosition({ ...mysql('mariadb-bin.000002', '300', '2'), connector: 'mariadb' });
    expect(p).toEqual({
      connector: 'mariadb',
      scheme: 'binlog',
      scope: 'mariadb-bin',
      value: (2n << 32n) + 302n,
    });
    expect(value(sourcePosition(mysql('mysql-bin.000001', 4, null)))).toBe((1n << 32n) + 4n);
  });

  it('refuses bad files, positions and rows with the field and the fix', () => {
    expect(dataError(() => sourcePosition(mysql('mysql-bin', 4, 0))).message).toMatch(
      /source\.file 'mysql-bin' has no numeric suffix.*Fix:/,
    );
    expect(dataError(() => sourcePosition(mysql(null, 4, 0))).message).toMatch(/source\.file is missing/);
    expect(dataError(() => sourcePosition(mysql('b.000001', -4, 0))).message).toMatch(/source\.pos value -4/);
    expect(dataError(() => sourcePosition(mysql('b.000001', 4, 'x'))).message).toMatch(
      /source\.row value 'x'/,
    );
    expect(dataError(() => sourcePosition(mysql('b.000001', 2 ** 32 - 1, 1))).message).toMatch(/32 bits/);
  });
});

describe('MySQL GTID positions', () => {
  const gtid = { mysql: 'gtid' } as const;
  const uuid = '3E11FA47-71CA-11E1-9E33-C80AA9429562';

  it('orders by transaction sequence, then by the event order within the transaction', () => {
    const at = (seq: number, order: number) =>
      value(
        sourcePosition(mysql('b.000001', 4, 0, { gtid: `${uuid}:${seq}` }), { total_order: order }, gtid),
      );
    expect(at(23, 1)).toBe((23n << 22n) | 1n);
    expect(at(23, 2)).toBeGreaterThan(at(23, 1));
    expect(at(24, 1)).toBeGreaterThan(at(23, 4_000_000));
  });

  it('scopes MySQL GTIDs by server UUID (and tag) and MariaDB GTIDs by domain', () => {
    const tagged = sourcePosition(mysql('b.1', 4, 0, { gtid: `${uuid}:etl:5` }), { total_order: 1 }, gtid);
    expect(tagged).toMatchObject({
      scheme: 'gtid',
      scope: `${uuid.toLowerCase()}:etl`,
      value: (5n << 22n) | 1n,
    });
    const maria = sourcePosition(
      { ...mysql('b.1', 4, 0, { gtid: '3-17-900' }), connector: 'mariadb' },
      { total_order: 2 },
      gtid,
    );
    expect(maria).toEqual({ connector: 'mariadb', scheme: 'gtid', scope: '3', value: (900n << 22n) | 2n });
  });

  it('ranks snapshot rows (no GTID) at 0, below every streamed change', () => {
    const snapshot = sourcePosition(mysql('b.000001', 154, 0, { snapshot: 'true' }), null, gtid);
    expect(snapshot).toMatchObject({ scheme: 'gtid', value: 0n });
  });

  it('refuses a streamed change without a GTID or an event order, and bad GTIDs', () => {
    expect(dataError(() => sourcePosition(mysql('b.1', 4, 0), { total_order: 1 }, gtid)).message).toMatch(
      /source\.gtid is empty.*Fix:/,
    );
    expect(
      dataError(() => sourcePosition(mysql('b.1', 4, 0, { gtid: `${uuid}:5` }), null, gtid)).message,
    ).toMatch(/transaction\.total_order is missing.*provide\.transaction\.metadata=true/);
    expect(
      dataError(() => sourcePosition(mysql('b.1', 4, 0, { gtid: 'nonsense' }), { total_order: 1 }, gtid))
        .message,
    ).toMatch(/source\.gtid 'nonsense'/);
    expect(
      dataError(() =>
        sourcePosition(mysql('b.1', 4, 0, { gtid: `${uuid}:5` }), { total_order: 2 ** 22 }, gtid),
      ).message,
    ).toMatch(/transaction\.total_order value 4194304 is larger/);
    expect(
      dataError(() =>
        sourcePosition(mysql('b.1', 4, 0, { gtid: `${uuid}:${2 ** 41}` }), { total_order: 1 }, gtid),
      ).message,
    ).toMatch(/source\.gtid value 2199023255552 is larger/);
  });
});

describe('other connectors', () => {
  it('gives no position to a connector it does not know', () => {
    expect(sourcePosition({ connector: 'sqlserver', change_lsn: '00000027:00000758:0003' })).toBeNull();
    expect(sourcePosition({ name: 'x' })).toBeNull();
  });
});

describe('flattened records (ExtractNewRecordState add.fields / add.headers)', () => {
  const fields = ['__lsn', '__source_lsn'];
  const from = (row: Record<string, unknown>) => (name: string) => row[name];

  it('reads the LSN from the first position field present', () => {
    expect(value(flattenedPosition(from({ id: 1, __lsn: 99 }), fields))).toBe(99n);
    expect(value(flattenedPosition(from({ id: 1, __source_lsn: '16/B374D848' }), fields))).toBe(
      (0x16n << 32n) | 0xb374d848n,
    );
    expect(flattenedPosition(from({ id: 1 }), fields)).toBeNull();
  });

  it('reads MySQL file/pos/row under the prefixes the position fields name', () => {
    const row = {
      id: 1,
      __source_file: 'mysql-bin.000002',
      __source_pos: 10,
      __source_row: 3,
      __source_snapshot: 'false',
    };
    expect(flattenedPosition(from(row), fields)).toEqual({
      connector: 'mysql',
      scheme: 'binlog',
      scope: 'mysql-bin',
      value: (2n << 32n) + 13n,
    });
  });

  it('reads a GTID with the transaction order added as a field', () => {
    const row = { id: 1, __gtid: '0-1-8', __connector: 'mariadb', __transaction_total_order: 4 };
    expect(flattenedPosition(from(row), fields, { mysql: 'gtid' })).toEqual({
      connector: 'mariadb',
      scheme: 'gtid',
      scope: '0',
      value: (8n << 22n) | 4n,
    });
  });

  it('names the flattened field of a bad value', () => {
    expect(dataError(() => flattenedPosition(from({ __lsn: 'late' }), fields)).message).toMatch(
      /__lsn value 'late'.*Fix:/,
    );
  });
});
