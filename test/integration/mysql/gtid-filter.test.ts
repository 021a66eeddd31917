import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChangeEvent, ConfigError, type SourceRecord } from '../../../src/api/index.ts';
import { servers } from '../../helpers/servers.ts';
import { baseConfig, openDatabase, TaskHarness } from './harness.ts';

const DB = 'seam_mysql_gtid_filter';
/** A GTID domain of this suite alone: MariaDB names a transaction's source `<domain_id>-<server_id>`. */
const DOMAIN = 4711;
let conn: mysql.Connection;
let other: mysql.Connection;

beforeAll(async () => {
  conn = await openDatabase(DB, ['CREATE TABLE g (id INT PRIMARY KEY, v INT)']);
  const url = new URL(servers.mysqlUrl);
  other = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: DB,
  });
  // Transactions on this session carry GTIDs of domain 4711, as if replicated from another primary.
  await other.query(`SET SESSION gtid_domain_id = ${DOMAIN}`);
});

afterAll(async () => {
  await conn?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await conn?.end();
  await other?.end();
});

const config = (o: Record<string, string>) =>
  baseConfig({ 'database.include.list': DB, 'snapshot.mode': 'no_data', ...o });

const ids = (records: readonly SourceRecord[]) =>
  records
    .filter((r) => r.value !== null && r.topic.endsWith('.g'))
    .map((r) => (r.value as ChangeEvent).after?.id ?? (r.value as ChangeEvent).before?.id);

const gtidOf = (r: SourceRecord) => (r.value as ChangeEvent).source.gtid as string;

describe('MySQL source: gtid.source.includes / excludes (MariaDB domains)', () => {
  it('emits no rows of an excluded domain, and resumes from the stored position', async () => {
    const first = new TaskHarness();
    await first.start(config({ 'gtid.source.excludes': `${DOMAIN}-.*` }));
    try {
      await conn.query('INSERT INTO g VALUES (1, 0)');
      await other.query('INSERT INTO g VALUES (2, 0)');
      await other.query('UPDATE g SET v = 1 WHERE id = 1');
      await conn.query('INSERT INTO g VALUES (3, 0)');
      const seen = await first.collect(2);
      expect(ids(seen)).toEqual([1, 3]);
      expect(seen.every((r) => !gtidOf(r).startsWith(`${DOMAIN}-`))).toBe(true);
      expect(ids(await first.drain(800))).toEqual([]);
    } finally {
      await first.stop();
    }
    // The stored position names both domains: the excluded one is left out when the dump restarts.
    expect(String(first.offset?.gtids)).toContain(`${DOMAIN}-`);

    await other.query('INSERT INTO g VALUES (4, 0)');
    await conn.query('INSERT INTO g VALUES (5, 0)');
    const second = new TaskHarness(first.offset);
    await second.start(config({ 'gtid.source.excludes': `${DOMAIN}-.*` }));
    try {
      expect(ids(await second.collect(1))).toEqual([5]);
      expect(ids(await second.drain(800))).toEqual([]);
    } finally {
      await second.stop();
    }
  });

  it('follows only the included sources', async () => {
    const h = new TaskHarness();
    await h.start(config({ 'gtid.source.includes': `${DOMAIN}-\\d+` }));
    try {
      await conn.query('INSERT INTO g VALUES (10, 0)');
      await other.query('INSERT INTO g VALUES (11, 0)');
      await conn.query('INSERT INTO g VALUES (12, 0)');
      await other.query('DELETE FROM g WHERE id = 11');
      // The delete is followed by its tombstone.
      const seen = (await h.collect(3)).filter((r) => r.value !== null);
      expect(seen.map((r) => (r.value as ChangeEvent).op)).toEqual(['c', 'd']);
      expect(ids(seen)).toEqual([11, 11]);
      expect(seen.every((r) => gtidOf(r).startsWith(`${DOMAIN}-`))).toBe(true);
      expect(ids(await h.drain(800))).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  it('leaves an excluded source the server never saw out of the start position', async () => {
    const first = new TaskHarness();
    await first.start(config({}));
    await conn.query('INSERT INTO g VALUES (20, 0)');
    await first.collect(1);
    await first.stop();
    // As after a failover: the offset names a domain this server does not have.
    const stored = { ...first.offset!, gtids: `${String(first.offset!.gtids)},4712-99-1000` };

    await conn.query('INSERT INTO g VALUES (21, 0)');
    const filtered = new TaskHarness(stored);
    await filtered.start(config({ 'gtid.source.excludes': '4712-.*' }));
    try {
      expect(ids(await filtered.collect(1))).toEqual([21]);
      // The dump started without the unknown domain: positions stored from now on no longer name it.
      expect(String(filtered.offset?.gtids)).not.toContain('4712-');
      expect(String(filtered.offset?.gtids)).toMatch(/(^|,)0-1-\d+/);
    } finally {
      await filtered.stop();
    }
  });

  it('rejects both lists set, and an invalid regex, naming the key', async () => {
    const both = await new TaskHarness()
      .start(config({ 'gtid.source.includes': '0-1', 'gtid.source.excludes': '7-.*' }))
      .catch((e: unknown) => e);
    expect(both).toBeInstanceOf(ConfigError);
    expect((both as ConfigError).problems).toEqual([
      { key: 'gtid.source.excludes', message: expect.stringContaining('gtid.source.includes') },
    ]);
    const bad = await new TaskHarness()
      .start(config({ 'gtid.source.includes': '0-(1' }))
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as ConfigError).problems.map((p) => p.key)).toEqual(['gtid.source.includes']);
  });
});
