import ZongJi, { type AnyBinlogEvent } from '@vlasky/zongji';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { requireServer, servers } from '../../helpers/servers.ts';

let conn: mysql.Connection;

beforeAll(async () => {
  await requireServer('mariadb');
  conn = await mysql.createConnection(servers.mysqlUrl);
  await conn.query('DROP TABLE IF EXISTS smoke_my');
  await conn.query('CREATE TABLE smoke_my (id INT PRIMARY KEY, name VARCHAR(40))');
});

afterAll(async () => {
  await conn?.query('DROP TABLE IF EXISTS smoke_my');
  await conn?.end();
});

test('zongji reads an inserted row from the ROW-format binlog', async () => {
  const url = new URL(servers.mysqlUrl);
  const zongji = new ZongJi({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
  const ready = new Promise<void>((resolve, reject) => {
    zongji.on('ready', () => resolve());
    zongji.on('error', reject);
  });
  const row = new Promise<unknown>((resolve, reject) => {
    zongji.on('binlog', (event: AnyBinlogEvent) => {
      if (event.getEventName() === 'writerows' && 'rows' in event) resolve(event.rows[0]);
    });
    zongji.on('error', reject);
  });
  zongji.start({
    serverId: 4242,
    startAtEnd: true,
    includeEvents: ['tablemap', 'writerows'],
    includeSchema: { [url.pathname.slice(1)]: ['smoke_my'] },
  });
  try {
    await ready;
    await conn.query("INSERT INTO smoke_my VALUES (7, 'seven')");
    expect(await row).toEqual({ id: 7, name: 'seven' });
  } finally {
    const stopped = new Promise((resolve) => zongji.on('stopped', resolve));
    zongji.stop();
    await stopped;
  }
});
