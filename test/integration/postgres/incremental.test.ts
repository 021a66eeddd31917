import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../src/api/index.ts';
import { admin, baseConfig, dropIdleSlotAndPublication, openAdmin, TaskHarness } from './harness.ts';

const SLOT = 'seam_it_incr';
const PUB = 'seam_it_incr_pub';
let db: pg.Client;

beforeAll(async () => {
  db = await openAdmin(SLOT, PUB, [
    'DROP TABLE IF EXISTS incr_signal, incr_items',
    'CREATE TABLE incr_signal (id varchar(42) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048))',
    'CREATE TABLE incr_items (id int PRIMARY KEY, v text)',
  ]);
});

afterAll(async () => {
  await cleanup();
  await db?.end();
});

const cleanup = () => dropIdleSlotAndPublication(db, SLOT, PUB);

async function reset(rows: number): Promise<void> {
  await cleanup();
  await db.query('TRUNCATE incr_items, incr_signal');
  await db.query(`INSERT INTO incr_items SELECT g, 'v' || g FROM generate_series(1, $1) g`, [rows]);
}

const config = (o: Record<string, string> = {}) =>
  baseConfig({
    'slot.name': SLOT,
    'publication.name': PUB,
    'publication.autocreate.mode': 'filtered',
    // The signal table is not in the include list: Seam adds it to the publication itself.
    'table.include.list': 'public.incr_items',
    'signal.data.collection': 'public.incr_signal',
    'snapshot.mode': 'no_data',
    ...o,
  });

let signals = 0;
async function signal(type: string, data: unknown): Promise<void> {
  await db.query('INSERT INTO incr_signal VALUES ($1, $2, $3)', [
    `test-${++signals}`,
    type,
    JSON.stringify(data),
  ]);
}

type Status = { running: boolean; paused: boolean; rows_emitted: number; tables_remaining: number };
const status = (h: TaskHarness) => h.details.incremental_snapshot as Status | undefined;

/** Polls like the runtime (commitRecord, offset) into `into` until `done` holds. */
async function until(h: TaskHarness, into: SourceRecord[], done: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`timed out; ${into.length} records, status ${JSON.stringify(status(h))}`);
    const batch = (await h.task.poll()) ?? [];
    for (const r of batch) {
      into.push(r);
      h.task.commitRecord(r);
      if (r.sourceOffset) h.offset = r.sourceOffset;
    }
    if (batch.length > 0) await h.task.commit();
  }
}

const op = (r: SourceRecord) => (r.value as { op?: string } | null)?.op;
const id = (r: SourceRecord) => (r.key as { id: number }).id;
const reads = (rs: SourceRecord[]) => rs.filter((r) => op(r) === 'r');

/** Applies change events in order, as a sink would; the result must equal the table. */
function applied(records: SourceRecord[]): Map<number, unknown> {
  const state = new Map<number, unknown>();
  for (const r of records) {
    const value = r.value as { op: string; after: unknown } | null;
    if (value === null || r.topic !== 'it.public.incr_items') continue;
    if (value.op === 'd') state.delete(id(r));
    else state.set(id(r), value.after);
  }
  return state;
}

const lsnOf = (r: SourceRecord) => BigInt(String((r.value as { source: { lsn: unknown } }).source.lsn));

/**
 * Applies change events as a sink ordered by source position does (Elasticsearch external versions): a
 * record replaces a key's state only when its `source.lsn` is higher than the one applied.
 */
function appliedByPosition(records: SourceRecord[]): Map<number, unknown> {
  const state = new Map<number, { lsn: bigint; after: unknown }>();
  for (const r of records) {
    const value = r.value as { op: string; after: unknown } | null;
    if (value === null || r.topic !== 'it.public.incr_items') continue;
    const held = state.get(id(r));
    if (held && held.lsn >= lsnOf(r)) continue;
    state.set(id(r), { lsn: lsnOf(r), after: value.op === 'd' ? null : value.after });
  }
  return new Map([...state].filter(([, s]) => s.after !== null).map(([k, s]) => [k, s.after]));
}

async function table(): Promise<Map<number, unknown>> {
  const { rows } = await db.query<{ id: number; v: string | null }>(
    'SELECT id, v FROM incr_items ORDER BY id',
  );
  return new Map(rows.map((r) => [r.id, { id: r.id, v: r.v }]));
}

/** Writes a marker row and waits for it, so every earlier change has been received. */
async function drain(h: TaskHarness, into: SourceRecord[], marker: number): Promise<void> {
  await db.query(`INSERT INTO incr_items VALUES ($1, 'marker')`, [marker]);
  await until(h, into, () => into.some((r) => op(r) === 'c' && id(r) === marker));
}

describe('PostgreSQL source incremental snapshots', () => {
  it('reads chunks between watermarks while changes stream, without stale rows', async () => {
    await reset(120);
    const h = new TaskHarness();
    await h.start(config({ 'incremental.snapshot.chunk.size': '9' }));
    const got: SourceRecord[] = [];
    try {
      await signal('execute-snapshot', { 'data-collections': ['public.incr_items'], type: 'incremental' });
      // Concurrent writes while chunks are read: updates, deletes and inserts across the key range.
      let n = 0;
      let writes = Promise.resolve();
      const write = (sql: string, params: unknown[]) => {
        writes = writes.then(async () => void (await db.query(sql, params)));
      };
      await until(h, got, () => {
        if (n < 40 && reads(got).length > n) {
          n++;
          write(`UPDATE incr_items SET v = 'u' || $1 WHERE id = $2`, [n, (n * 37) % 120]);
          if (n % 5 === 0) write('DELETE FROM incr_items WHERE id = $1', [(n * 11) % 120]);
          if (n % 7 === 0) write(`INSERT INTO incr_items VALUES ($1, 'new')`, [200 + n]);
        }
        return status(h)?.running === false && reads(got).length > 0;
      });
      await writes;
      await drain(h, got, 10_000);
      const r = reads(got);
      expect(
        r.every((x) => (x.value as { source: { snapshot: string } }).source.snapshot === 'incremental'),
      ).toBe(true);
      expect(r.map(id)).toEqual([...r.map(id)].sort((a, b) => a - b));
      expect(new Set(r.map(id)).size).toBe(r.length);
      expect(r.every((x) => id(x) <= 120)).toBe(true);
      expect(applied(got)).toEqual(await table());
      // The signal table's watermarks never reach a topic.
      expect(got.some((x) => x.topic.includes('incr_signal'))).toBe(false);
    } finally {
      await h.stop();
    }
  });

  it('drops chunk rows whose keys changed between the watermarks (stale reads never overtake the stream)', async () => {
    await reset(40);
    // The filter updates every row ending in 5 while the chunk is selected: the SELECT still returns the
    // old value, and the update commits between the low and the high watermark.
    await db.query(`CREATE OR REPLACE FUNCTION incr_touch(k int) RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF k % 10 = 5 THEN UPDATE incr_items SET v = 'touched' WHERE id = k; END IF;
        RETURN true;
      END $$`);
    const h = new TaskHarness();
    await h.start(config({ 'incremental.snapshot.chunk.size': '8' }));
    const got: SourceRecord[] = [];
    try {
      await signal('execute-snapshot', {
        'data-collections': ['public.incr_items'],
        'additional-conditions': [{ 'data-collection': 'public.incr_items', filter: 'incr_touch(id)' }],
      });
      await until(h, got, () => status(h)?.running === false && reads(got).length > 0);
      await drain(h, got, 10_000);
    } finally {
      await h.stop();
    }
    const touched = [5, 15, 25, 35];
    expect(reads(got).map(id)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1).filter((k) => !touched.includes(k)),
    );
    expect(got.filter((r) => op(r) === 'u').map(id)).toEqual(expect.arrayContaining(touched));
    expect(applied(got)).toEqual(await table());
  });

  it('positions chunk rows below a change made before the chunk and committed after its window', async () => {
    await reset(30);
    const late = await admin();
    const h = new TaskHarness();
    await h.start(config({ 'incremental.snapshot.chunk.size': '100' }));
    const got: SourceRecord[] = [];
    try {
      // The row changes before the chunk is selected (which still reads the old value) and the change
      // commits after the high watermark: streamed after the chunk's row, with an LSN below the window's.
      await late.query('BEGIN');
      await late.query(`UPDATE incr_items SET v = 'late' WHERE id = 7`);
      await signal('execute-snapshot', { 'data-collections': ['public.incr_items'] });
      await until(h, got, () => status(h)?.running === false && reads(got).length > 0);
      await late.query('COMMIT');
      await drain(h, got, 10_008);
    } finally {
      await h.stop();
      await late.end();
    }
    const of7 = got.filter((r) => r.topic === 'it.public.incr_items' && id(r) === 7);
    expect(of7.map(op)).toEqual(['r', 'u']);
    expect(lsnOf(of7[1]!)).toBeGreaterThan(lsnOf(of7[0]!));
    expect(appliedByPosition(got)).toEqual(await table());
  });

  it('resumes after a restart mid-snapshot and finishes with the final state equal to the table', async () => {
    await reset(80);
    // Small polls, so the first run stops with chunks still to read.
    const o = { 'incremental.snapshot.chunk.size': '6', 'max.batch.size': '5' };
    const first = new TaskHarness();
    await first.start(config(o));
    const got: SourceRecord[] = [];
    await signal('execute-snapshot', { 'data-collections': ['public\\.incr_.*'] });
    try {
      await until(first, got, () => reads(got).length >= 20);
    } finally {
      await first.stop();
    }
    const stored = first.offset!;
    expect(stored.incremental_snapshot_collections).toContain('public.incr_items');
    const lastKey = JSON.parse(stored.incremental_snapshot_primary_key as string) as string[];
    expect(Number(lastKey[0])).toBe(id(reads(got).at(-1)!));

    // Changes while the connector is down, on both sides of the stored key.
    await db.query(`UPDATE incr_items SET v = 'down' WHERE id IN (2, 40, 70)`);
    await db.query('DELETE FROM incr_items WHERE id IN (3, 50)');

    const second = new TaskHarness(stored);
    await second.start(config(o));
    const more: SourceRecord[] = [];
    try {
      await until(second, more, () => status(second)?.running === false);
      await drain(second, more, 10_001);
    } finally {
      await second.stop();
    }
    const resumed = reads(more).map(id);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Math.min(...resumed)).toBeGreaterThan(Number(lastKey[0]));
    expect(resumed).not.toContain(50);
    expect(applied([...got, ...more])).toEqual(await table());
    expect(second.offset!.incremental_snapshot_collections).toBeUndefined();
  });

  it('closes windows by deleting the low watermark with insert_delete, leaving no watermark rows', async () => {
    await reset(25);
    const h = new TaskHarness();
    await h.start(
      config({
        'incremental.snapshot.chunk.size': '4',
        'incremental.snapshot.watermarking.strategy': 'insert_delete',
      }),
    );
    const got: SourceRecord[] = [];
    try {
      await signal('execute-snapshot', { 'data-collections': ['public.incr_items'] });
      await until(h, got, () => status(h)?.running === false && reads(got).length > 0);
    } finally {
      await h.stop();
    }
    expect(reads(got).map(id)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM incr_signal WHERE type LIKE 'snapshot-window-%'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('honours additional-conditions, pause-snapshot, resume-snapshot and stop-snapshot', async () => {
    await reset(30);
    const h = new TaskHarness();
    await h.start(config({ 'incremental.snapshot.chunk.size': '2' }));
    const got: SourceRecord[] = [];
    try {
      await signal('pause-snapshot', {});
      await signal('execute-snapshot', {
        'data-collections': ['public.incr_items'],
        'additional-conditions': [{ 'data-collection': 'public.incr_items', filter: 'id % 3 = 0' }],
      });
      await until(h, got, () => status(h)?.paused === true && status(h)?.tables_remaining === 1);
      await drain(h, got, 10_004);
      expect(reads(got)).toEqual([]);
      await signal('resume-snapshot', {});
      await until(h, got, () => status(h)?.running === false);
      expect(reads(got).map(id)).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);

      // Stopped in the same transaction as it was requested: the window of its first chunk is dropped.
      const before = reads(got).length;
      await db.query('BEGIN');
      await signal('execute-snapshot', { 'data-collections': ['public.incr_items'] });
      await signal('stop-snapshot', { 'data-collections': ['public.incr_items'], type: 'incremental' });
      await db.query('COMMIT');
      await drain(h, got, 10_007);
      await until(h, got, () => status(h)?.running === false);
      expect(status(h)).toMatchObject({ running: false, tables_remaining: 0 });
      expect(reads(got).length).toBe(before);
    } finally {
      await h.stop();
    }
  });
});
