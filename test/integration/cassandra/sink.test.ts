import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Header, SinkTask } from '../../../src/api/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { envelope, sinkRecord } from '../../unit/cassandra/records.ts';
import { adminClient, freshKeyspace, type Observed, rows, startTask, write } from './harness.ts';

const ks = 'cass_sink';
const topic = 'db.public.customers';
const mapping = {
  [`topic.${topic}.${ks}.customers.mapping`]: 'id=key.id, name=value.name, score=value.score',
  [`topic.${topic}.${ks}.by_name.mapping`]: 'name=value.name, id=key.id',
};
let admin: cassandra.Client;
let task: SinkTask;
let seen: Observed;

beforeAll(async () => {
  await requireServer('cassandra');
  admin = adminClient();
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await task?.stop();
  await admin?.shutdown();
});

beforeEach(async () => {
  await task?.stop();
  await freshKeyspace(admin, ks, [
    'customers (id int PRIMARY KEY, name text, score bigint)',
    'by_name (name text, id int, PRIMARY KEY (name, id))',
  ]);
  ({ task, seen } = await startTask(mapping));
}, 60_000);

const key = (id: number) => ({ id });
let offset = 0;
const rec = (k: unknown, value: unknown, headers: Header[] = []) =>
  sinkRecord({ topic, offset: offset++, key: k, value, headers });

describe('Cassandra sink on raw Debezium envelopes', () => {
  it('upserts c/u/r, deletes on d and tombstones, and feeds several tables from one topic', async () => {
    await write(task, [
      rec(key(1), envelope('c', { id: 1, name: 'ann', score: 10 }, 100)),
      rec(key(2), envelope('c', { id: 2, name: 'bob', score: 20 }, 110)),
      rec(key(1), envelope('u', { id: 1, name: 'ann', score: 11 }, 120, { id: 1, name: 'ann', score: 10 })),
      rec(key(2), envelope('d', null, 130, { id: 2, name: 'bob', score: 20 })),
      rec(key(2), null),
    ]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 1, name: 'ann', score: 11 }]);
    // by_name's key is (name, id): the delete of bob reads name from the row image.
    expect(await rows(admin, `${ks}.by_name`)).toEqual([{ id: 1, name: 'ann' }]);
    expect(seen.deadLetters).toEqual([]);
    expect(seen.details.get('timestampFallback')).toBeUndefined();
  });

  it('moves the row when the primary key changes in an update', async () => {
    await write(task, [rec(key(1), envelope('c', { id: 1, name: 'ann', score: 1 }, 100))]);
    await write(task, [
      rec(key(5), envelope('u', { id: 5, name: 'ann', score: 2 }, 200, { id: 1, name: 'ann', score: 1 })),
    ]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 5, name: 'ann', score: 2 }]);
  });

  it('moves the row on Debezium’s delete + tombstone + create for a key change', async () => {
    await write(task, [rec(key(1), envelope('c', { id: 1, name: 'ann', score: 1 }, 100))]);
    await write(task, [
      rec(key(1), envelope('d', null, 200, { id: 1, name: 'ann', score: 1 })),
      rec(key(1), null),
      rec(key(7), envelope('c', { id: 7, name: 'ann', score: 1 }, 200)),
    ]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 7, name: 'ann', score: 1 }]);
  });

  it('keeps the newest row when older records are replayed after newer ones', async () => {
    const older = [
      rec(key(1), envelope('c', { id: 1, name: 'v1', score: 1 }, 100)),
      rec(key(1), envelope('u', { id: 1, name: 'v2', score: 2 }, 200)),
    ];
    const newer = rec(key(1), envelope('u', { id: 1, name: 'v3', score: 3 }, 300));
    await write(task, [...older, newer]);
    await write(task, older);
    await write(task, [...older].reverse());
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 1, name: 'v3', score: 3 }]);
  });

  it('never lets an older write undo a delete', async () => {
    const create = rec(key(3), envelope('c', { id: 3, name: 'cy', score: 3 }, 100));
    await write(task, [create, rec(key(3), envelope('d', null, 200, { id: 3, name: 'cy', score: 3 }))]);
    await write(task, [create]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([]);
  });

  it('lets later streamed changes win over snapshot reads, whatever the arrival order', async () => {
    // The snapshot read at LSN 500; a change streamed after it has a higher LSN.
    const streamed = rec(key(4), envelope('u', { id: 4, name: 'streamed', score: 2 }, 510));
    const snapshot = rec(key(4), envelope('r', { id: 4, name: 'snapshot', score: 1 }, 500));
    await write(task, [streamed]);
    await write(task, [snapshot]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 4, name: 'streamed', score: 2 }]);
  });
});

describe('Cassandra sink on ExtractNewRecordState output', () => {
  it('upserts flat rows, deletes on __deleted and on tombstones, ordered by __lsn', async () => {
    await write(task, [
      rec(key(1), { id: 1, name: 'a', score: 1, __lsn: 100 }),
      rec(key(2), { id: 2, name: 'b', score: 2, __lsn: 110 }),
      rec(key(3), { id: 3, name: 'c', score: 3, __lsn: 115 }),
      rec(key(1), { id: 1, name: 'a2', score: 5, __lsn: 120 }),
      rec(key(2), { id: 2, name: 'b', score: 2, __lsn: 130, __deleted: 'true' }),
      rec(key(3), null, [{ key: '__lsn', value: 140, schema: null }]),
    ]);
    // Replaying the older insert of 3 does not resurrect it (the tombstone carried its position in a header).
    await write(task, [rec(key(3), { id: 3, name: 'c', score: 3, __lsn: 115 })]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 1, name: 'a2', score: 5 }]);
    expect(seen.details.get('timestampFallback')).toBeUndefined();
  });

  it('falls back to the record timestamp without a position, and says so in the status', async () => {
    await write(task, [
      sinkRecord({ topic, offset: offset++, key: key(9), value: { id: 9, name: 'n', score: 0 } }),
    ]);
    expect(await rows(admin, `${ks}.customers`)).toEqual([{ id: 9, name: 'n', score: 0 }]);
    expect(seen.details.get('timestampFallback')).toEqual({ [topic]: 'record-timestamp' });
    const ts = await admin.execute(`SELECT WRITETIME(name) AS t FROM ${ks}.customers WHERE id = 9`);
    expect(String(ts.first().get('t'))).toBe(String(1_700_000_000_000n * 1000n));
  });
});
