import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/api/index.ts';
import { sourcePosition } from '../../../src/api/index.ts';
import { dropSlots } from '../../helpers/drop-slots.ts';
import { seeded } from '../elasticsearch/pipeline.ts';
import { admin, baseConfig, openAdmin, TaskHarness } from './harness.ts';

/*
 * The source position every sink orders by (src/api/source-position.ts) must grow strictly from one change
 * of a row to the next: from a snapshot row to the first streamed change of it, between two changes of a
 * row in one transaction, across a restart; and a restart at a stored offset must neither skip nor repeat.
 */
const T = `lsn_order_${process.pid}`;
const SLOT = T;
const PUB = `${T}_pub`;
let db: pg.Client;
let load: pg.Client;

const config = (overrides: Record<string, string> = {}) =>
  baseConfig({
    'slot.name': SLOT,
    'publication.name': PUB,
    'publication.autocreate.mode': 'filtered',
    'table.include.list': `public.${T}`,
    ...overrides,
  });

async function reset(): Promise<void> {
  await dropSlots(db, SLOT);
  await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
  await db.query(`DROP TABLE IF EXISTS ${T}`);
  await db.query(`CREATE TABLE ${T} (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)`);
  await db.query(`ALTER TABLE ${T} REPLICA IDENTITY FULL`);
}

beforeAll(async () => {
  db = await openAdmin(SLOT, PUB, [], async () => {});
  load = await admin();
});

afterAll(async () => {
  if (db) {
    await dropSlots(db, SLOT);
    await db.query(`DROP PUBLICATION IF EXISTS ${PUB}`);
    await db.query(`DROP TABLE IF EXISTS ${T}`);
  }
  await db?.end();
  await load?.end();
});

/** One to five inserts-or-updates, updates and deletes of random rows in one transaction (ids below 20). */
async function randomTransaction(rnd: () => number): Promise<void> {
  await load.query('BEGIN');
  const n = 1 + Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) {
    const id = Math.floor(rnd() * 20);
    const p = rnd();
    if (p < 0.45)
      await load.query(
        `INSERT INTO ${T} VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty`,
        [id, `n${Math.floor(rnd() * 1e6)}`, Math.floor(rnd() * 1000)],
      );
    else if (p < 0.8)
      await load.query(`UPDATE ${T} SET qty = qty + 1, name = $2 WHERE id = $1`, [id, `u${rnd()}`]);
    else await load.query(`DELETE FROM ${T} WHERE id = $1`, [id]);
  }
  await load.query('COMMIT');
}

/** Polls until no record comes for a while (the workload has ended before). */
async function drain(h: TaskHarness, out: SourceRecord[]): Promise<void> {
  for (;;) {
    const got = await h.collect(1, 5000).catch(() => []);
    if (got.length === 0) return;
    out.push(...got);
  }
}

/** Every violation of "a row's positions grow strictly, and its last change is the table's row". */
async function orderProblems(records: readonly SourceRecord[]): Promise<string[]> {
  const last = new Map<string, { position: bigint; value: Record<string, unknown>; at: number }>();
  const problems: string[] = [];
  records.forEach((r, at) => {
    const value = r.value as Record<string, unknown> | null;
    if (value === null || r.topic !== `it.public.${T}`) return;
    const key = JSON.stringify(r.key);
    const position = sourcePosition(value.source as Record<string, unknown>)!.value;
    const prev = last.get(key);
    if (prev && position <= prev.position)
      problems.push(
        `row ${key}: #${prev.at} ${prev.value.op}@${prev.position} then #${at} ${value.op}@${position}`,
      );
    last.set(key, { position, value, at });
  });
  const rows = (await db.query(`SELECT id, name, qty FROM ${T}`)).rows as Record<string, unknown>[];
  const view = new Map<string, unknown>();
  for (const [key, e] of last) if (e.value.op !== 'd') view.set(key, e.value.after);
  if (view.size !== rows.length) problems.push(`view has ${view.size} rows, the table ${rows.length}`);
  for (const row of rows)
    if (JSON.stringify(view.get(JSON.stringify({ id: row.id }))) !== JSON.stringify(row))
      problems.push(`row ${row.id}: last change ${JSON.stringify(view.get(JSON.stringify({ id: row.id })))}`);
  return problems;
}

describe('PostgreSQL source positions', () => {
  it('grow strictly per row from the snapshot through multi-statement transactions, a COPY and a restart', async () => {
    await reset();
    await db.query(`INSERT INTO ${T} SELECT g, 's', 0 FROM generate_series(0, 19) g`);
    const rnd = seeded(15);
    const records: SourceRecord[] = [];
    // Transactions run while the slot is created and the snapshot read: one of them often writes a change
    // at the slot's consistent point, the position the snapshot rows are read at.
    let loading = true;
    const workload = (async () => {
      for (let i = 0; i < 150 && loading; i++) await randomTransaction(rnd);
    })();
    const h = new TaskHarness();
    await h.start(config({ 'snapshot.mode': 'initial' }));
    try {
      await workload;
      loading = false;
      // Two changes of one row in one transaction, and a COPY whose rows share one WAL record.
      await load.query('BEGIN');
      await load.query(`UPDATE ${T} SET qty = 1000 WHERE id = 3`);
      await load.query(`UPDATE ${T} SET qty = 1001 WHERE id = 3`);
      await load.query(`DELETE FROM ${T} WHERE id BETWEEN 30 AND 40`);
      await load.query(`COPY ${T} FROM PROGRAM 'seq 30 40 | sed "s/.*/&\\tc\\t&/"'`);
      await load.query(`UPDATE ${T} SET qty = 2000 WHERE id = 31`);
      await load.query('COMMIT');
      await drain(h, records);
    } finally {
      await h.stop();
    }
    for (let i = 0; i < 20; i++) await randomTransaction(rnd);
    const again = new TaskHarness(h.offset);
    await again.start(config());
    try {
      for (let i = 0; i < 20; i++) await randomTransaction(rnd);
      await drain(again, records);
    } finally {
      await again.stop();
    }
    const copied = records.filter((r) => {
      const v = r.value as { op?: string; after?: { name?: string } } | null;
      return v?.op === 'c' && v.after?.name === 'c';
    });
    expect(copied.length).toBe(11);
    // Snapshot rows sit below the consistent point (their offset's lsn_commit), where streaming starts
    // and where the first streamed change may itself start.
    const snapshot = records.filter((r) => (r.value as { op?: string } | null)?.op === 'r');
    expect(snapshot.length).toBeGreaterThan(0);
    for (const r of snapshot) {
      const at = sourcePosition((r.value as { source: Record<string, unknown> }).source)!.value;
      expect(at).toBeLessThan(BigInt(r.sourceOffset!.lsn_commit as string));
    }
    expect(await orderProblems(records)).toEqual([]);
  }, 120_000);

  it('a restart at a BEGIN record delivers the transaction from its first change', async () => {
    await reset();
    const h = new TaskHarness();
    const metadata = config({ 'snapshot.mode': 'no_data', 'provide.transaction.metadata': 'true' });
    await h.start(metadata);
    let begin: SourceRecord | undefined;
    try {
      await load.query('BEGIN');
      await load.query(`INSERT INTO ${T} VALUES (1, 'a', 1)`);
      await load.query(`INSERT INTO ${T} VALUES (2, 'b', 2)`);
      await load.query('COMMIT');
      // The runtime stored the BEGIN record's offset, then the task stopped (as after a crash).
      [begin] = await h.collect(1);
    } finally {
      await h.stop();
    }
    expect((begin!.value as { status: string }).status).toBe('BEGIN');
    const again = new TaskHarness(begin!.sourceOffset);
    await again.start(metadata);
    try {
      const records = await again.collect(3);
      expect(records.map((r) => [(r.value as { op?: string }).op, r.key])).toEqual([
        ['c', { id: 1 }],
        ['c', { id: 2 }],
        [undefined, { id: expect.any(String) }],
      ]);
    } finally {
      await again.stop();
    }
  }, 60_000);
});
