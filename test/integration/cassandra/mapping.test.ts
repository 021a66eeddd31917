import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinConnectors } from '../../../connectors/index.ts';
import { requireServer } from '../../helpers/servers.ts';
import { envelope, sinkRecord } from '../../unit/cassandra/records.ts';
import { adminClient, freshKeyspace, startTask, write } from './harness.ts';

const ks = 'cass_mapping';
const topic = 'db.public.events';
let admin: cassandra.Client;

beforeAll(async () => {
  await requireServer('cassandra');
  admin = adminClient();
  await admin.connect();
  await freshKeyspace(admin, ks, [
    'events (id int PRIMARY KEY, "Label" text, trace text, at timeuuid, day date, amount decimal, big bigint, payload blob)',
  ]);
}, 60_000);

afterAll(async () => {
  await admin?.shutdown();
});

describe('Cassandra sink mapping features', () => {
  it('is registered under the DataStax class name', () => {
    const plugin = builtinConnectors().find((p) =>
      p.aliases.includes('com.datastax.oss.kafka.sink.CassandraSinkConnector'),
    );
    expect(plugin?.kind).toBe('sink');
  });

  it('writes headers, now(), quoted columns, Debezium types, TTL, and the position as WRITETIME', async () => {
    const { task, seen } = await startTask({
      [`topic.${topic}.${ks}.events.mapping`]:
        'id=key.id, "Label"=value.label, trace=header.trace, at=now(), day=value.day, amount=value.amount, big=value.big, payload=value.payload, __ttl=value.keep',
      [`topic.${topic}.${ks}.events.ttlTimeUnit`]: 'MINUTES',
    });
    try {
      const row = {
        id: 1,
        label: 'first',
        day: 19_000,
        amount: '12.50',
        big: '9007199254740993',
        payload: new Uint8Array([1, 2, 3]),
        keep: 60,
      };
      await write(task, [
        sinkRecord({
          topic,
          key: { id: 1 },
          value: envelope('c', row, 0x1234_5678),
          headers: [{ key: 'trace', value: Buffer.from('abc'), schema: null }],
        }),
      ]);
      expect(seen.deadLetters).toEqual([]);
      const rs = await admin.execute(
        `SELECT "Label", trace, at, day, amount, big, payload, WRITETIME("Label") AS wt, TTL("Label") AS ttl FROM ${ks}.events WHERE id = 1`,
      );
      const r = rs.first();
      expect(r.get('Label')).toBe('first');
      expect(r.get('trace')).toBe('abc');
      expect(r.get('at')).not.toBeNull();
      expect(String(r.get('day'))).toBe('2022-01-08');
      expect(String(r.get('amount'))).toBe('12.50');
      expect(String(r.get('big'))).toBe('9007199254740993');
      expect([...(r.get('payload') as Buffer)]).toEqual([1, 2, 3]);
      expect(String(r.get('wt'))).toBe(String(0x1234_5678));
      expect(r.get('ttl')).toBeGreaterThan(3590);
      expect(r.get('ttl')).toBeLessThanOrEqual(3600);
    } finally {
      await task.stop();
    }
  });
});
