import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mysqlConfigSpec } from '../../../connectors/mysql/config.ts';
import { type ChangeEvent, ConfigError } from '../../../src/api/index.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_bad';
let conn: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, [
    'CREATE TABLE nokey (a INT, b VARCHAR(10))',
    'CREATE TABLE `odd table``name` (`select` INT PRIMARY KEY, `from col` VARCHAR(10))',
    "INSERT INTO `odd table``name` VALUES (1, 'x')",
  ]);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
});

const config = (o: Record<string, string> = {}) => baseConfig({ 'database.include.list': DB, ...o });

async function startError(
  cfg: Record<string, string>,
  offset: Record<string, unknown> | null = null,
): Promise<unknown> {
  const h = new TaskHarness(offset);
  const error = await h.start(cfg).catch((e: unknown) => e);
  await h.stop();
  return error;
}

describe('MySQL source bad input', () => {
  it('fails on a wrong password without echoing it', async () => {
    const error = await startError(config({ 'database.password': 'not-the-password-xyz' }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).not.toContain('not-the-password-xyz');
    expect(JSON.stringify(error)).not.toContain('not-the-password-xyz');
  });

  it('reports an unreachable host as retriable', async () => {
    const error = await startError(config({ 'database.port': '1', 'connect.timeout.ms': '2000' }));
    expect(error).toMatchObject({ retriable: true });
  });

  it('names the GRANT when the user may not read the binlog', async () => {
    const error = await startError(
      config({ 'database.user': 'seam_limited', 'database.password': 'seam_limited' }),
    );
    expect(error).toMatchObject({ code: 'seam.mysql.privilege' });
    expect((error as Error).message).toContain(
      "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO 'seam_limited'",
    );
  });

  it("refuses the server's own server_id as database.server.id", async () => {
    const error = await startError(config({ 'database.server.id': '1' }));
    expect(error).toMatchObject({ code: 'seam.mysql.server_id' });
  });

  it('validates every problem at once and names unsupported snapshot modes', () => {
    const v = mysqlConfigSpec.validate({
      'database.hostname': 'h',
      'snapshot.mode': 'initial_only',
      'decimal.handling.mode': 'exact',
      'database.server.id': '0',
    });
    const keys = v.problems.map((p) => p.key).sort();
    expect(keys).toEqual([
      'database.server.id',
      'database.user',
      'decimal.handling.mode',
      'snapshot.mode',
      'topic.prefix',
    ]);
    expect(v.problems.find((p) => p.key === 'snapshot.mode')?.message).toContain('not yet supported');
  });

  it('fails with binlog_purged when the committed binlog file is gone, and re-snapshots with when_needed', async () => {
    const gone = { file: 'mariadb-bin.999999', pos: 4, event: 0, row: 0, server_id: 1, ts_sec: 0 };
    const error = await startError(config(), gone);
    expect(error).toMatchObject({ code: 'seam.mysql.binlog_purged' });
    expect((error as Error).message).toContain('snapshot.mode=when_needed');

    const h = new TaskHarness(gone);
    await h.start(config({ 'snapshot.mode': 'when_needed', 'table.include.list': `${DB}\\.odd.*` }));
    try {
      const [r] = await h.collect(1);
      expect((r!.value as ChangeEvent).op).toBe('r');
    } finally {
      await h.stop();
    }
  });

  it('captures a table without primary key with null keys, warning once', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'snapshot.mode': 'no_data', 'table.include.list': `${DB}\\.nokey` }));
    try {
      await conn.query("INSERT INTO nokey VALUES (1, 'x'), (2, 'y')");
      await conn.query('DELETE FROM nokey WHERE a = 1');
      const out = await h.collect(3);
      expect(out.map((r) => r.key)).toEqual([null, null, null]);
      expect(out.map((r) => (r.value as ChangeEvent).op)).toEqual(['c', 'c', 'd']);
      expect(h.warnings.filter((w) => w.includes('no primary key'))).toHaveLength(1);
    } finally {
      await h.stop();
    }
  });

  it('keys a table without primary key by message.key.columns', async () => {
    const h = new TaskHarness();
    await h.start(
      config({
        'snapshot.mode': 'no_data',
        'table.include.list': `${DB}\\.nokey`,
        'message.key.columns': `${DB}\\.nokey:a`,
      }),
    );
    try {
      await conn.query("INSERT INTO nokey VALUES (7, 'k')");
      const [r] = await h.collect(1);
      expect(r!.key).toEqual({ a: 7 });
      expect(h.warnings.filter((w) => w.includes('no primary key'))).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('snapshots and streams identifiers that need quoting', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'table.include.list': `${DB}\\.odd.*` }));
    try {
      const [snap] = await h.collect(1);
      expect(snap!.topic).toBe(`it.${DB}.odd_table_name`);
      expect((snap!.value as ChangeEvent).after).toEqual({ select: 1, 'from col': 'x' });
      await conn.query("UPDATE `odd table``name` SET `from col` = 'y'");
      const [u] = await h.collect(1);
      expect((u!.value as ChangeEvent).after).toEqual({ select: 1, 'from col': 'y' });
    } finally {
      await h.stop();
    }
  });
});
