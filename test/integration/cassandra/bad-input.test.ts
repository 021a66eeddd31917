import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, type ConnectError, RetriableError } from '../../../src/api/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { sinkRecord } from '../../unit/cassandra/records.ts';
import { adminClient, freshKeyspace, rows, startError, startTask, write } from './harness.ts';

const ks = 'cass_bad';
const topic = 'bad.topic';
const good = { [`topic.${topic}.${ks}.items.mapping`]: 'id=key.id, label=value.label, qty=value.qty' };
let admin: cassandra.Client;

beforeAll(async () => {
  await requireServer('cassandra');
  admin = adminClient();
  await admin.connect();
  await freshKeyspace(admin, ks, ['items (id int PRIMARY KEY, label text, qty int, seen timestamp)']);
}, 60_000);

afterAll(async () => {
  await admin?.shutdown();
});

describe('Cassandra sink bad input', () => {
  it('an unreachable contact point is a retriable seam.cassandra.unreachable naming the host', async () => {
    const error = await startError({ ...good, contactPoints: '127.0.0.1:1' });
    expect(error).toBeInstanceOf(RetriableError);
    expect(error.code).toBe('seam.cassandra.unreachable');
    expect(error.message).toContain('127.0.0.1:1');
  }, 30_000);

  it('a wrong data centre name is a config error on loadBalancing.localDc', async () => {
    const error = await startError({ ...good, 'loadBalancing.localDc': 'nowhere' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('seam.cassandra.datacenter_unknown');
    expect((error as ConfigError).problems[0]!.key).toBe('loadBalancing.localDc');
    expect(error.message).toContain(
      "configured as 'nowhere', but only found hosts in data centers: [datacenter1]",
    );
  }, 30_000);

  it('a keyspace or table that does not exist is seam.cassandra.table_missing naming the mapping', async () => {
    const noKeyspace = await startError({ [`topic.${topic}.cass_absent.items.mapping`]: 'id=key.id' });
    expect(noKeyspace.code).toBe('seam.cassandra.table_missing');
    expect(noKeyspace.message).toContain("keyspace 'cass_absent' does not exist");
    const noTable = await startError({ [`topic.${topic}.${ks}.absent.mapping`]: 'id=key.id' });
    expect(noTable.code).toBe('seam.cassandra.table_missing');
    expect(noTable.message).toContain(`table '${ks}.absent' does not exist`);
  }, 30_000);

  it('a mapping naming a missing column or leaving the key unmapped lists every problem', async () => {
    const error = await startError({
      [`topic.${topic}.${ks}.items.mapping`]: 'labl=value.label, qty=value.qty',
    });
    expect(error.code).toBe('seam.cassandra.mapping_invalid');
    const messages = (error as ConfigError).problems.map((p) => p.message);
    expect(messages).toEqual([
      expect.stringContaining("column 'labl' does not exist"),
      expect.stringContaining("primary key column 'id' of cass_bad.items is not mapped"),
    ]);
  }, 30_000);

  it('a record missing a mapped key field goes to the dead-letter queue with the reason', async () => {
    const { task, seen } = await startTask(good);
    try {
      await write(task, [
        sinkRecord({ topic, offset: 0, key: { ident: 1 }, value: { label: 'x', qty: 1 } }),
        sinkRecord({ topic, offset: 1, key: { id: 2 }, value: { label: 'ok', qty: 2 } }),
      ]);
      expect(seen.deadLetters.map((d) => d.error.message)).toEqual([
        expect.stringContaining("column 'id' = key.id, but the record key has no such field"),
      ]);
      expect(await rows(admin, `${ks}.items`)).toEqual([{ id: 2, label: 'ok', qty: 2, seen: null }]);
    } finally {
      await task.stop();
    }
  }, 30_000);

  it('a value that does not fit its column type goes to the dead-letter queue, the rest of the batch is written', async () => {
    const { task, seen } = await startTask(good);
    try {
      await write(task, [
        sinkRecord({ topic, offset: 0, key: { id: 3 }, value: { label: 'three', qty: 'many' } }),
        sinkRecord({ topic, offset: 1, key: { id: 3 }, value: { label: 'three', qty: 3, __lsn: 1 } }),
        sinkRecord({ topic, offset: 2, key: { id: 4 }, value: { label: { nested: true }, qty: 4 } }),
      ]);
      expect(seen.deadLetters.map((d) => d.record.kafkaOffset).sort()).toEqual([0, 2]);
      for (const d of seen.deadLetters) expect((d.error as ConnectError).code).toBe('seam.data.invalid');
      expect(await rows(admin, `${ks}.items`)).toContainEqual({ id: 3, label: 'three', qty: 3, seen: null });
    } finally {
      await task.stop();
    }
  }, 30_000);

  it('without a dead-letter queue a bad record fails the task unless ignoreErrors covers it', async () => {
    const bad = sinkRecord({ topic, offset: 0, key: { id: 5 }, value: { label: 'five', qty: 'x' } });
    const strict = await startTask(good, false);
    await expect(write(strict.task, [bad])).rejects.toThrow(/qty|Int|number/i);
    await strict.task.stop();
    const lenient = await startTask({ ...good, ignoreErrors: 'Driver' }, false);
    await write(lenient.task, [bad]);
    await lenient.task.stop();
  }, 30_000);
});
