import { describe, expect, it } from 'vitest';
import { Lsn } from '../../../connectors/postgres/position.ts';
import type { TableSchema, TextTuple } from '../../../connectors/postgres/schema/table-schema.ts';
import {
  checkpointOffset,
  resumePoint,
  type SnapshotCheckpoint,
} from '../../../connectors/postgres/snapshot/checkpoint.ts';
import { type Chunk, TablePlan } from '../../../connectors/postgres/snapshot/chunk-plan.ts';
import { boundarySql, chunkSql } from '../../../connectors/postgres/snapshot/chunk-query.ts';
import { SnapshotEmitter } from '../../../connectors/postgres/snapshot/snapshot-emitter.ts';
import type { ChangeBuilder } from '../../../connectors/postgres/stream/change-builder.ts';
import type { SourceRecord } from '../../../src/api/index.ts';
import { RecordQueue } from '../../../src/api/record-queue.ts';

const table = (name: string, key: string[], nullable: string[] = []): TableSchema =>
  ({
    meta: {
      oid: 1,
      schema: 'public',
      table: name,
      keyColumns: key,
      columns: [...key, 'v'].map((c) => ({ name: c, optional: c === 'v' || nullable.includes(c) })),
    },
  }) as unknown as TableSchema;

/** A builder whose records keep the row, marker and offset they were built with. */
const builder = {
  read: (
    t: TableSchema,
    tuple: TextTuple,
    marker: string,
    _p: Lsn,
    _ts: bigint,
    offset: Record<string, unknown>,
  ) => ({ topic: t.meta.table, value: { tuple, marker }, sourceOffset: offset }) as unknown as SourceRecord,
} as unknown as ChangeBuilder;

const AT = Lsn.of(1000n);

/** An emitter of a fresh snapshot of `plans` at AT, queueing into `queue`. */
const freshEmitter = (plans: TablePlan[], queue: RecordQueue): SnapshotEmitter =>
  new SnapshotEmitter({
    builder,
    queue,
    consistentPoint: AT,
    tsUs: 0n,
    plans,
    doneBefore: [],
    rowsBefore: 0,
    fresh: true,
    onChunkDone: () => {},
    onTableDone: () => {},
  });
const rows = (from: number, to: number): TextTuple[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ id: String(from + i), v: 'x' }));

describe('initial snapshot checkpoints', () => {
  it('round-trips through the offset and ignores offsets without a checkpoint', () => {
    const c: SnapshotCheckpoint = {
      done: ['public.a'],
      partial: { 'public.b': { after: ['7', 'x'], rows: 7 } },
      rows: 19,
    };
    const offset = JSON.parse(JSON.stringify(checkpointOffset(AT, c)));
    expect(resumePoint(offset)).toEqual({ checkpoint: c, consistentPoint: AT });
    // A snapshot from before checkpoints, a finished one and a streaming offset start over / do not resume.
    expect(
      resumePoint({ snapshot: true, last_snapshot_record: false, lsn_commit: '1000', lsn: '0' }),
    ).toBeNull();
    expect(resumePoint({ ...offset, last_snapshot_record: true })).toBeNull();
    expect(resumePoint({ lsn_commit: '1000', lsn: '1000' })).toBeNull();
    expect(resumePoint({ ...offset, snapshot_checkpoint: '{"version":99}' })).toBeNull();
  });

  it('moves a table checkpoint only over the contiguous prefix of finished chunks', () => {
    const plan = new TablePlan(table('t', ['id']), null);
    const a = plan.take(['10']);
    const b = plan.take(['20']);
    const c = plan.take(null);
    expect(plan.exhausted).toBe(true);
    expect(plan.open).toBe(3);
    expect(plan.finish(b, 10, ['20'])).toBe(false);
    expect(plan.checkpoint).toBeNull();
    expect(plan.finish(a, 10, ['10'])).toBe(true);
    expect(plan.checkpoint).toEqual({ after: ['20'], rows: 20 });
    expect(plan.done).toBe(false);
    plan.finish(c, 0, null);
    expect(plan.done).toBe(true);
    expect(plan.checkpoint).toEqual({ after: ['20'], rows: 20 });
  });

  it('resumes a table after its checkpoint key; a table without a non-null key is one chunk from the start', () => {
    const resumed = new TablePlan(table('t', ['id']), { after: ['42'], rows: 42 });
    expect(resumed.nextLo).toEqual(['42']);
    expect(chunkSql(resumed.take(['99']))).toBe(
      `SELECT * FROM "public"."t" WHERE ("id") > ('42') AND ("id") <= ('99') ORDER BY "id"`,
    );
    const keyless = new TablePlan(table('k', []), { after: ['1'], rows: 1 });
    expect(keyless.keyed).toBe(false);
    expect(keyless.checkpoint).toBeNull();
    expect(chunkSql(keyless.take(['5']))).toBe('SELECT * FROM "public"."k"');
    expect(keyless.exhausted).toBe(true);
    expect(new TablePlan(table('n', ['a'], ['a']), null).keyed).toBe(false);
    expect(new TablePlan(table('t', ['a', 'b']), { after: ['1'], rows: 1 }).checkpoint).toBeNull();
    expect(boundarySql(table('t', ['a', 'b']), ["it's", '2'], 100)).toBe(
      `SELECT "a", "b" FROM "public"."t" WHERE ("a", "b") > ('it''s', '2') ORDER BY "a", "b" LIMIT 2 OFFSET 99`,
    );
  });

  it('never stores a checkpoint ahead of the rows queued before it, whatever order two readers finish in', async () => {
    const plan = new TablePlan(table('t', ['id']), null);
    const queue = new RecordQueue(1_000_000);
    const emitter = freshEmitter([plan], queue);
    const a: Chunk = plan.take(['4']);
    const b: Chunk = plan.take(['8']);
    const c: Chunk = plan.take(null);
    // Interleaved as two threads would: b finishes before a, the last chunk's last row is held back.
    await Promise.all([
      emitter.rows(a, rows(1, 2), 0),
      emitter.rows(b, rows(5, 7), 0),
      emitter.finish(b, rows(8, 8)[0]!, 4),
      emitter.rows(c, rows(9, 9), 0),
      emitter.rows(a, rows(3, 3), 2),
      emitter.finish(a, rows(4, 4)[0]!, 4),
      emitter.finish(c, rows(10, 10)[0]!, 2),
    ]);
    await emitter.end();
    const out = await queue.take(100, 0, new AbortController().signal);
    const ids = out.map((r) => Number((r.value as { tuple: TextTuple }).tuple.id));
    expect([...ids].sort((x, y) => x - y)).toEqual(rows(1, 10).map((r) => Number(r.id)));
    for (let n = 1; n <= out.length; n++) {
      // A crash after the n-th record: the restart reads what lies after the stored key again.
      const stored = resumePoint(out[n - 1]!.sourceOffset as Record<string, unknown>);
      if (stored === null) continue;
      const after = Number(stored.checkpoint.partial['public.t']?.after?.[0] ?? 0);
      const inLog = new Set(ids.slice(0, n));
      for (let id = 1; id <= after; id++)
        expect(inLog.has(id), `row ${id} before checkpoint ${after}`).toBe(true);
    }
    const markers = out.map((r) => (r.value as { marker: string }).marker);
    expect(markers[0]).toBe('first');
    expect(markers.at(-1)).toBe('last');
    expect(out.at(-1)!.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: true });
  });

  it('keeps `last` on the final row when an empty table finishes after it', async () => {
    const t = new TablePlan(table('t', ['id']), null);
    const e = new TablePlan(table('e', ['id']), null);
    const queue = new RecordQueue(100);
    const emitter = freshEmitter([t, e], queue);
    const only = t.take(null);
    await emitter.rows(only, rows(1, 1), 0);
    await emitter.finish(only, rows(2, 2)[0]!, 2);
    await emitter.finish(e.take(null), null, 0);
    await emitter.end();
    const out = await queue.take(100, 0, new AbortController().signal);
    expect(out.map((r) => (r.value as { marker: string }).marker)).toEqual(['first', 'last']);
    expect(out[1]!.sourceOffset).toMatchObject({ last_snapshot_record: true });
  });

  it("keeps `last` when the table's last chunk finishes before an earlier one (two readers)", async () => {
    const plan = new TablePlan(table('t', ['id']), null);
    const queue = new RecordQueue(100);
    const emitter = freshEmitter([plan], queue);
    const a: Chunk = plan.take(['4']);
    const b: Chunk = plan.take(null);
    // The last chunk (small) is read and finished while the first one still fetches rows.
    await emitter.rows(a, rows(1, 2), 0);
    await emitter.rows(b, rows(5, 5), 0);
    await emitter.finish(b, rows(6, 6)[0]!, 2);
    await emitter.rows(a, rows(3, 3), 2);
    await emitter.finish(a, rows(4, 4)[0]!, 4);
    await emitter.end();
    const out = await queue.take(100, 0, new AbortController().signal);
    const ids = out.map((r) => Number((r.value as { tuple: TextTuple }).tuple.id));
    expect([...ids].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ids.at(-1)).toBe(6);
    expect((out.at(-1)!.value as { marker: string }).marker).toBe('last');
    expect(out.at(-1)!.sourceOffset).toMatchObject({ snapshot: true, last_snapshot_record: true });
    expect(
      out.filter((r) => (r.sourceOffset as { last_snapshot_record?: boolean }).last_snapshot_record),
    ).toHaveLength(1);
  });
});
