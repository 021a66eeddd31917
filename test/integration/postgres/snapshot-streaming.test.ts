import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/api/index.ts';
import { admin, baseConfig, openAdmin, TaskHarness } from './harness.ts';
import { dropSlotAndPublication } from './worker-harness.ts';

/**
 * The initial snapshot and streaming while inserts, updates and deletes run throughout: applying the
 * topic's events in order (r/c/u set the row, d removes it) must give exactly the table's final contents.
 */
const SLOT = 'seam_it_snap_stream';
const PUB = 'seam_it_snap_stream_pub';
const TABLE = 'snap_stream_items';
const ROWS = 50_000;
const MARKER = -1;

let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(
    SLOT,
    PUB,
    [
      `DROP TABLE IF EXISTS ${TABLE}`,
      `CREATE TABLE ${TABLE} (id int PRIMARY KEY, n int NOT NULL, label text)`,
      `INSERT INTO ${TABLE} SELECT g, 0, 'initial ' || g FROM generate_series(1, ${ROWS}) g`,
    ],
    dropSlotAndPublication,
  );
});

afterAll(async () => {
  await dropSlotAndPublication(db, SLOT, PUB).catch(() => {});
  await db?.query(`DROP TABLE IF EXISTS ${TABLE}`).catch(() => {});
  await db?.end();
});

let statements = 0;

/** Random writes over the preloaded and new key range until stopped. */
async function writeUntil(stop: () => boolean): Promise<void> {
  const client = await admin();
  try {
    while (!stop()) {
      await client.query('BEGIN');
      for (let i = 0; i < 10; i++) {
        const id = 1 + Math.floor(Math.random() * ROWS * 1.2);
        const pick = Math.random();
        if (pick < 0.4)
          await client.query(
            `INSERT INTO ${TABLE} VALUES ($1, 1, 'inserted') ON CONFLICT (id) DO UPDATE SET n = ${TABLE}.n + 1`,
            [id],
          );
        else if (pick < 0.8)
          await client.query(`UPDATE ${TABLE} SET n = n + 1, label = 'updated' WHERE id = $1`, [id]);
        else await client.query(`DELETE FROM ${TABLE} WHERE id = $1`, [id]);
        statements++;
      }
      await client.query('COMMIT');
    }
  } finally {
    await client.end();
  }
}

describe('PostgreSQL source: snapshot and streaming under concurrent writes', () => {
  it('derives the final table state from the topic', async () => {
    const h = new TaskHarness();
    let writing = true;
    const writer = writeUntil(() => !writing);
    await h.start(
      baseConfig({
        'slot.name': SLOT,
        'publication.name': PUB,
        'publication.autocreate.mode': 'filtered',
        'table.include.list': `public.${TABLE}`,
        'snapshot.fetch.size': '200',
        'max.batch.size': '200',
      }),
    );
    const state = new Map<number, unknown>();
    const ops = new Map<string, number>();
    let snapshotDone = false;
    let duringSnapshot = 0;
    try {
      const apply = (r: SourceRecord) => {
        const value = r.value as { op: string; after: { id: number } | null; before: { id: number } } | null;
        if (value === null) return; // tombstone
        ops.set(value.op, (ops.get(value.op) ?? 0) + 1);
        if (value.op === 'd') state.delete(value.before.id);
        else state.set(value.after!.id, value.after);
        const source = (value as unknown as { source: { snapshot: string } }).source;
        if (source.snapshot === 'last') {
          snapshotDone = true;
          duringSnapshot = statements;
        }
      };
      // Writes run during the whole snapshot and for a while of streaming after it.
      let afterSnapshot = 0;
      while (!state.has(MARKER)) {
        const batch = (await h.task.poll()) ?? [];
        for (const r of batch) {
          apply(r);
          h.task.commitRecord(r);
        }
        if (batch.length > 0) await h.task.commit();
        if (snapshotDone && writing && ++afterSnapshot > 50) {
          writing = false;
          await writer;
          await db.query(`INSERT INTO ${TABLE} VALUES (${MARKER}, 0, 'marker')`);
        }
      }
    } finally {
      writing = false;
      await writer.catch(() => {});
      await h.stop();
    }
    state.delete(MARKER);
    await db.query(`DELETE FROM ${TABLE} WHERE id = ${MARKER}`);
    const { rows } = await db.query(`SELECT id, n, label FROM ${TABLE} ORDER BY id`);
    const derived = [...state.entries()].sort(([a], [b]) => a - b).map(([, row]) => row);
    expect(derived.length).toBe(rows.length);
    expect(derived).toEqual(rows);
    // Both phases carried data: the snapshot and streamed changes of every kind.
    expect(ops.get('r')).toBeGreaterThan(ROWS * 0.8);
    for (const op of ['c', 'u', 'd']) expect(ops.get(op) ?? 0).toBeGreaterThan(0);
    expect(duringSnapshot).toBeGreaterThan(0);
    console.log(
      `pg snapshot+streaming: ${statements} concurrent statements (${duringSnapshot} before the snapshot ended), ops ${JSON.stringify([...ops])}`,
    );
  }, 180_000);
});
