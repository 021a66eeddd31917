import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../../helpers/servers.ts';
import { envelope, sinkRecord } from '../../unit/elasticsearch/records.ts';
import { documents, dropIndices, es, startTask, write } from './harness.ts';

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

describe('Elasticsearch sink ordering by source position', () => {
  it('is idempotent: running the same records again leaves documents and versions identical', async () => {
    const { task, seen } = await startTask({});
    await write(task, history());
    const first = await documents(topic);
    expect(first.filter((d) => !d.source.__seam_deleted)).toHaveLength(20);
    expect(first.find((d) => d.id === '2')).toMatchObject({
      version: 2_001,
      source: { id: 2, name: 'upd-2' },
    });
    expect(first.find((d) => d.id === '1')?.source).toEqual({ __seam_deleted: true });
    // Sink offsets reset to 0: the whole topic again.
    await write(task, history());
    expect(await documents(topic)).toEqual(first);
    expect(seen.deadLetters).toEqual([]);
    expect(seen.details.get('versionFallback')).toBeUndefined();
    await task.stop();
  });

  it('never regresses on a replay of an older segment, and deletes stay deleted after index.gc_deletes', async () => {
    await es.indices.putSettings({ index: topic, settings: { 'index.gc_deletes': '0s' } });
    const { task } = await startTask({});
    const newest = await documents(topic);
    // A restarted task (no memory of earlier deletes) replays the old snapshot and updates.
    await write(task, history().slice(0, 40));
    await es.indices.forcemerge({ index: topic });
    await write(task, history().slice(0, 40));
    expect(await documents(topic)).toEqual(newest);
    await task.stop();
  });

  it('a tombstone without source position deletes at the current version + 1', async () => {
    const { task } = await startTask({});
    const flat = `${topic}-flat`;
    try {
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 0, value: { id: 7, __lsn: 5_000 } })]);
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 1, value: null })]);
      const [doc] = await documents(flat);
      expect(doc).toEqual({ id: '7', version: 5_001, source: { __seam_deleted: true } });
      await write(task, [sinkRecord({ topic: flat, key: 7, offset: 0, value: { id: 7, __lsn: 5_000 } })]);
      expect((await documents(flat))[0]?.source).toEqual({ __seam_deleted: true });
    } finally {
      await task.stop();
      await dropIndices(flat);
    }
  });
});
