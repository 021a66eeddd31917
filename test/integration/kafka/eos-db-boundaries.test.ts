/**
 * `transaction.boundary=connector` in the PostgreSQL and MySQL sources: the task asks for a transaction
 * boundary after the last record of each database transaction, and never inside one. Run against the
 * databases only (the runner's side is in test/unit/runtime/transaction-boundary.test.ts).
 */
import type mysql from 'mysql2/promise';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord, SourceTaskContext } from '../../../src/api/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { TaskHarness as MysqlHarness, baseConfig as mysqlConfig, openDatabase } from '../mysql/harness.ts';
import {
  admin,
  dropIdleSlotAndPublication,
  TaskHarness as PgHarness,
  baseConfig as pgConfig,
} from '../postgres/harness.ts';

const run = `eos_b_${Date.now().toString(36)}`;

/** A context whose TransactionContext records the ids of the records the task ends transactions after. */
function spying(base: SourceTaskContext): { context: SourceTaskContext; ends: number[] } {
  const ends: number[] = [];
  const id = (r: SourceRecord | undefined) => (r?.key as { id?: number } | null)?.id ?? -1;
  return {
    ends,
    context: {
      ...base,
      transactionContext: {
        commitTransaction: (r) => ends.push(id(r)),
        abortTransaction: () => {
          throw new Error('the source never aborts');
        },
      },
    },
  };
}

interface Poller {
  poll(): Promise<SourceRecord[] | null>;
}

async function collect(task: Poller, count: number): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  const deadline = Date.now() + 30_000;
  while (out.length < count && Date.now() < deadline) out.push(...((await task.poll()) ?? []));
  // Commit marks can follow the rows by a poll.
  for (let i = 0; i < 3; i++) out.push(...((await task.poll()) ?? []));
  return out;
}

describe('database transactions end log transactions', () => {
  let db: pg.Client;
  let my: mysql.Connection;
  beforeAll(async () => {
    await requireServer('postgres');
    await requireServer('mariadb');
    db = await admin();
    await db.query(`CREATE TABLE ${run} (id int PRIMARY KEY)`);
    my = await openDatabase(run, ['CREATE TABLE t (id INT PRIMARY KEY)']);
  });
  afterAll(async () => {
    await dropIdleSlotAndPublication(db, run, run).catch(() => {});
    await db.query(`DROP TABLE IF EXISTS ${run}`).catch(() => {});
    await db.end();
    await my.query(`DROP DATABASE IF EXISTS ${run}`).catch(() => {});
    await my.end();
  });

  it('PostgreSQL: after the last change of each transaction only', async () => {
    const h = new PgHarness();
    const spy = spying(h.context());
    await h.task.start(
      pgConfig({
        'slot.name': run,
        'publication.name': run,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': `public.${run}`,
      }),
      spy.context,
    );
    try {
      await collect(h.task, 0);
      await db.query('BEGIN');
      for (const id of [1, 2, 3]) await db.query(`INSERT INTO ${run} VALUES ($1)`, [id]);
      await db.query('COMMIT');
      await db.query('BEGIN');
      for (const id of [4, 5]) await db.query(`INSERT INTO ${run} VALUES ($1)`, [id]);
      await db.query('COMMIT');
      const records = await collect(h.task, 5);
      expect(records.map((r) => (r.key as { id: number }).id)).toEqual([1, 2, 3, 4, 5]);
      expect(spy.ends).toEqual(expect.arrayContaining([3, 5]));
      expect(spy.ends.filter((id) => id !== 3 && id !== 5)).toEqual([]);
    } finally {
      await h.stop();
    }
  }, 90_000);

  it('MySQL: after the last change of each transaction only', async () => {
    const h = new MysqlHarness(null, 'mariadb');
    const spy = spying(h.context());
    // no_data: the binlog position is taken inside start(), so the transactions below are streamed; under
    // `initial` it is taken in the background and they could arrive as one snapshot with one end.
    await h.task.start(
      mysqlConfig({ 'database.include.list': run, 'snapshot.mode': 'no_data' }),
      spy.context,
    );
    try {
      await collect(h.task, 0);
      await my.query('BEGIN');
      for (const id of [1, 2, 3]) await my.query('INSERT INTO t VALUES (?)', [id]);
      await my.query('COMMIT');
      await my.query('BEGIN');
      for (const id of [4, 5]) await my.query('INSERT INTO t VALUES (?)', [id]);
      await my.query('COMMIT');
      const records = (await collect(h.task, 5)).filter((r) => r.topic.endsWith('.t'));
      expect(records.map((r) => (r.key as { id: number }).id)).toEqual([1, 2, 3, 4, 5]);
      expect(spy.ends).toEqual(expect.arrayContaining([3, 5]));
      expect(spy.ends.filter((id) => id !== 3 && id !== 5 && id !== -1)).toEqual([]);
    } finally {
      await h.stop();
    }
  }, 90_000);
});
