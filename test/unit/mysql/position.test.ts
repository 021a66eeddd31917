import { describe, expect, it } from 'vitest';
import { gtidPositionCovers } from '../../../connectors/mysql/connection/binlog-files.ts';
import { binlogProblems, hasGlobalPrivilege } from '../../../connectors/mysql/connection/prerequisites.ts';
import { offsetOf, parseOffset, RestartSkipper } from '../../../connectors/mysql/position.ts';
import { sourceSchema, sourceStruct } from '../../../connectors/mysql/source-info.ts';
import { sourcePosition } from '../../../src/api/index.ts';

describe('MySQL offsets', () => {
  it('round-trip through the stored form, snapshot flag only while true', () => {
    const o = { file: 'mariadb-bin.000003', pos: 1234, gtids: '0-1-42', event: 2, row: 1, snapshot: false };
    const stored = offsetOf(o, 1, 1700000000);
    expect(stored).toEqual({
      ts_sec: 1700000000,
      file: 'mariadb-bin.000003',
      pos: 1234,
      gtids: '0-1-42',
      event: 2,
      row: 1,
      server_id: 1,
    });
    expect(parseOffset(stored)).toEqual(o);
    expect(offsetOf({ ...o, gtids: null, snapshot: true }, 1, 0)).toMatchObject({ snapshot: true });
    expect(parseOffset({ lsn: '1' })).toBeNull();
  });

  it('skips exactly the rows of the first transaction a previous run emitted', () => {
    const s = new RestartSkipper({ file: 'f.1', pos: 4, gtids: null, event: 1, row: 2, snapshot: false });
    expect(s.rowsToSkip(0, 5)).toBe(5);
    expect(s.rowsToSkip(1, 5)).toBe(2);
    expect(s.rowsToSkip(2, 5)).toBe(0);
    s.transactionEnded();
    expect(s.rowsToSkip(0, 5)).toBe(0);
    expect(new RestartSkipper(null).rowsToSkip(0, 3)).toBe(0);
  });

  it('compares MariaDB GTID positions per domain', () => {
    expect(gtidPositionCovers('0-1-10', '')).toBe(true);
    expect(gtidPositionCovers('0-1-10', '0-1-10')).toBe(true);
    expect(gtidPositionCovers('0-1-9', '0-1-10')).toBe(false);
    expect(gtidPositionCovers('0-1-10', '0-1-5,1-2-3')).toBe(false);
    expect(gtidPositionCovers('0-1-10,1-2-3', '0-1-5,0-2-7,1-2-3')).toBe(true);
    expect(gtidPositionCovers('0-1-18446744073709551615', '0-1-18446744073709551614')).toBe(true);
  });
});

describe('MySQL server prerequisites', () => {
  it('names every binlog setting that blocks CDC, with its fix', () => {
    expect(binlogProblems({ log_bin: 'ON', binlog_format: 'ROW', binlog_row_image: 'FULL' })).toEqual([]);
    const problems = binlogProblems({ log_bin: 'OFF', binlog_format: 'MIXED', binlog_row_image: 'MINIMAL' });
    expect(problems).toHaveLength(3);
    expect(problems[1]).toContain('SET GLOBAL binlog_format=ROW');
    expect(problems[2]).toContain('SET GLOBAL binlog_row_image=FULL');
  });

  it('reads global privileges from SHOW GRANTS', () => {
    const grants = [
      'GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `cdc`@`%`',
      'GRANT SELECT ON `app`.* TO `cdc`@`%`',
    ];
    expect(hasGlobalPrivilege(grants, 'REPLICATION SLAVE')).toBe(true);
    expect(hasGlobalPrivilege(grants, 'REPLICATION CLIENT')).toBe(false);
    expect(hasGlobalPrivilege(grants, 'SELECT')).toBe(false);
    expect(hasGlobalPrivilege(['GRANT ALL PRIVILEGES ON *.* TO `seam`@`%`'], 'REPLICATION CLIENT')).toBe(
      true,
    );
  });
});

describe('MySQL source block', () => {
  it('carries exactly the fields the SPI source position reads', () => {
    const block = sourceStruct({
      flavor: 'mariadb',
      serverName: 'p',
      db: 'd',
      table: 't',
      tsMs: 1_700_000_000_000,
      snapshot: 'false',
      serverId: 1,
      gtid: '0-1-42',
      file: 'mariadb-bin.000003',
      pos: 1000,
      row: 2,
      thread: null,
      query: null,
    });
    expect(Object.keys(block)).toEqual(sourceSchema('mariadb').fields!.map((f) => f.name));
    expect(sourcePosition(block)).toEqual({
      connector: 'mariadb',
      scheme: 'binlog',
      scope: 'mariadb-bin',
      value: (3n << 32n) + 1002n,
    });
    expect(sourcePosition(block, { total_order: 3 }, { mysql: 'gtid' })).toMatchObject({
      scheme: 'gtid',
      scope: '0',
      value: (42n << 22n) | 3n,
    });
    expect(block.ts_ns).toBe(1_700_000_000_000_000_000n);
  });
});
