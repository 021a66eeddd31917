import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SinkRecord } from '../../../src/api/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { envelope, sinkRecord } from '../../unit/elasticsearch/records.ts';
import { transform } from '../../unit/transforms/helpers.ts';
import { documents, dropIndices, es, startTask, userView, write } from './harness.ts';

const topic = `seam-it-order-${process.pid}`;
const key = (id: number) => ({ id });

/** A mixed CDC history: snapshot reads, inserts, updates and deletes, LSN-ordered. */
function history() {
  const out = [];
  let offset = 0;
  for (let id = 1; id <= 20; id++)
    out.push(
      sinkRecord({
        topic,
        key: key(id),
        offset: offset++,
        value: envelope('r', { id, name: `snap-${id}` }, 1_000),
      }),
    );
  let lsn = 2_000;
  for (let id = 1; id <= 20; id++)
    out.push(
      sinkRecord({
        topic,
        key: key(id),
        offset: offset++,
        value: envelope('u', { id, name: `upd-${id}` }, lsn++),
      }),
    );
  for (let id = 1; id <= 20; id += 4) {
    out.push(
      sinkRecord({ topic, key: key(id), offset: offset++, value: envelope('d', null, lsn++, { id }) }),
    );
    out.push(sinkRecord({ topic, key: key(id), offset: offset++, value: null }));
  }
  for (let id = 21; id <= 25; id++)
    out.push(
      sinkRecord({
        topic,
        key: key(id),
        offset: offset++,
        value: envelope('c', { id, name: `new-${id}` }, lsn++),
      }),
    );
  return out;
}

beforeAll(async () => {
  await requireServer('elasticsearch');
  await dropIndices(topic);
});

afterAll(async () => {
  await dropIndices(topic);
  await es.close();
});

const ids = Array.from({ length: 25 }, (_, i) => String(i + 1));
const deleted = new Set(['1', '5', '9', '13', '17']);
const live = ids.filter((id) => !deleted.has(id)).sort((a, b) => a.localeCompare(b));

describe('Elasticsearch sink ordering by source position', () => {
  it('shows exactly the live rows through the index name, and running the same records again changes nothing', async () => {
    const { task, seen } = await startTask({});
    await write(task, history());
    const first = await documents(topic);
    expect(first.map((d) => d.id)).toEqual(live);
    expect(first.find((d) => d.id === '2')).toMatchObject({
      version: 2_001,
      source: { id: 2, name: 'upd-2' },
    });
    // GET by id, _count and search all see the live rows only: deleted rows are gone, not marked.
    expect(await userView(topic, ids)).toEqual({ found: live, count: 20, searched: live });
    const marker = await es.get({ index: `${topic}-seam-deletes`, id: '1' });
    expect(marker).toMatchObject({ found: true, _version: 2_020 });
    // Sink offsets reset to 0: the whole topic again, within index.gc_deletes.
    await write(task, history());
    expect(await documents(topic)).toEqual(first);
    expect(await userView(topic, ids)).toEqual({ found: live, count: 20, searched: live });
    expect(seen.deadLetters).toEqual([]);
    expect(seen.details.get('versionFallback')).toBeUndefined();
    await task.stop();
  });

  it('never regresses on a replay of an older segment, and deletes stay deleted after index.gc_deletes', async () => {
    await es.indices.putSettings({ index: topic, settings: { 'index.gc_deletes': '0s' } });
    const { task, seen } = await startTask({});
    const newest = await documents(topic);
    // A restarted task (no memory of earlier deletes) replays the old snapshot and updates; the index has
    // forgotten the deletes' versions (gc_deletes 0s, merged away), the delete markers have not.
    await es.indices.forcemerge({ index: topic });
    await write(task, history().slice(0, 40));
    await es.indices.forcemerge({ index: topic });
    await write(task, history().slice(0, 40));
    expect(await documents(topic)).toEqual(newest);
    expect(await userView(topic, ids)).toEqual({ found: live, count: 20, searched: live });
    await task.flush?.(new Map());
    expect(seen.details.get('counters')).toMatchObject({ writesOlderThanDelete: 20 });
    await task.stop();
  });

  it('within index.gc_deletes the index itself refuses an older write of a deleted row', async () => {
    const { task } = await startTask({});
    const within = `${topic}-within`;
    try {
      const at = (lsn: number, value: Record<string, unknown> | null) =>
        sinkRecord({ topic: within, key: { id: 3 }, offset: 0, value: value && { ...value, __lsn: lsn } });
      await write(task, [at(100, { id: 3, name: 'a' }), at(200, { id: 3, __deleted: true })]);
      // Without the markers, only the index's own delete version (kept for gc_deletes, 60 s) guards.
      await dropIndices(`${within}-seam-deletes`);
      await write(task, [at(100, { id: 3, name: 'a' })]);
      expect(await userView(within, ['3'])).toEqual({ found: [], count: 0, searched: [] });
    } finally {
      await task.stop();
      await dropIndices(within);
    }
  });

  it('a tombstone without source position deletes at the current version + 1', async () => {
    const flat = `${topic}-flat`;
    const { task } = await startTask({});
    try {
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 0, value: { id: 7, __lsn: 5_000 } })]);
      await es.indices.putSettings({ index: flat, settings: { 'index.gc_deletes': '0s' } });
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 1, value: null })]);
      expect(await userView(flat, ['7'])).toEqual({ found: [], count: 0, searched: [] });
      const marker = await es.get({ index: `${flat}-seam-deletes`, id: '7' });
      expect(marker).toMatchObject({ found: true, _version: 5_001 });
      await es.indices.forcemerge({ index: flat });
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 0, value: { id: 7, __lsn: 5_000 } })]);
      expect(await userView(flat, ['7'])).toEqual({ found: [], count: 0, searched: [] });
      // A later change (higher position) brings the row back.
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 2, value: { id: 7, __lsn: 6_000 } })]);
      expect(await userView(flat, ['7'])).toEqual({ found: ['7'], count: 1, searched: ['7'] });
    } finally {
      await task.stop();
      await dropIndices(flat);
    }
  });

  it('delete.mode=soft keeps the earlier marker documents for users who read through a filtered alias', async () => {
    const soft = `${topic}-soft`;
    const { task } = await startTask({ 'delete.mode': 'soft' });
    try {
      await write(task, [
        sinkRecord({ topic: soft, key: 8, offset: 0, value: { id: 8, __lsn: 10 } }),
        sinkRecord({ topic: soft, key: 8, offset: 1, value: { id: 8, __lsn: 20, __deleted: true } }),
      ]);
      expect(await documents(soft)).toEqual([{ id: '8', version: 20, source: { __seam_deleted: true } }]);
    } finally {
      await task.stop();
      await dropIndices(soft);
    }
  });

  it('orders a Confluent-style config (ExtractNewRecordState, no add.fields) by source position', async () => {
    const flat = `${topic}-confluent`;
    const unwrap = transform('io.debezium.transforms.ExtractNewRecordState', {
      'add.position.header': 'true',
    });
    const { task, seen } = await startTask({});
    const at = (offset: number, id: number, value: unknown) =>
      unwrap.apply(sinkRecord({ topic: flat, key: { id }, offset, value })) as SinkRecord;
    const changes = [
      at(0, 1, envelope('c', { id: 1, name: 'a' }, 100)),
      at(1, 2, envelope('c', { id: 2, name: 'b' }, 150)),
      at(2, 1, envelope('u', { id: 1, name: 'a2' }, 200)),
      at(3, 2, envelope('u', { id: 2, name: 'b2' }, 250)),
      at(4, 1, envelope('d', null, 300, { id: 1, name: 'a2' })),
      at(5, 1, null),
    ];
    try {
      await write(task, changes);
      await es.indices.putSettings({ index: flat, settings: { 'index.gc_deletes': '0s' } });
      await es.indices.forcemerge({ index: flat });
      // An older segment again, after the newer one: nothing regresses, the deleted row stays deleted.
      await write(task, changes.slice(0, 3));
      expect(await documents(flat)).toEqual([{ id: '2', version: 250, source: { id: 2, name: 'b2' } }]);
      expect(await userView(flat, ['1', '2'])).toEqual({ found: ['2'], count: 1, searched: ['2'] });
      expect(seen.details.get('versionFallback')).toBeUndefined();
      expect(seen.deadLetters).toEqual([]);
    } finally {
      await task.stop();
      await dropIndices(flat);
    }
  });
});
