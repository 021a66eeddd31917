/**
 * `POST /connectors/{name}/rebuild` when the log is Kafka: an Elasticsearch sink reads a Kafka topic, a
 * rebuild replays the topic into a fresh index through its own consumer group (`connect-<name>~rebuild`)
 * while records keep arriving, swaps the alias, and the new index equals the old one plus what arrived
 * meanwhile. The embedded-log version is test/integration/elasticsearch/rebuild.test.ts. Names start with
 * `krebuild-`; the topics, groups and indices are deleted afterwards.
 */
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppendRecord } from '../../../src/log/topic-log.ts';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { es } from '../elasticsearch/harness.ts';
import { type KafkaHerder, startKafkaHerder, until } from './topics-harness.ts';

let k: KafkaHerder | null = null;
const utf8 = new TextEncoder();

beforeAll(async () => {
  await requireServer('kafka');
  await requireServer('elasticsearch');
  k = await startKafkaHerder({ prefix: 'krebuild-', registry: builtinRegistry() });
});

afterAll(async () => {
  const h = k;
  if (!h) return;
  await h.cleanup();
  await es.indices
    .delete({ index: `${h.prefix}*`, ignore_unavailable: true, expand_wildcards: 'all' } as never)
    .catch(() => undefined);
  const kafka = new Kafka({
    clientId: 'krebuild',
    brokers: servers.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([`connect-${h.prefix}es`, `connect-${h.prefix}es~rebuild`]).catch(() => {});
  await admin.disconnect();
});

interface Row {
  id: number;
  name: string;
  qty: number;
}

/** Documents of an index (or alias), id → source without the position field. */
async function documents(index: string): Promise<Map<string, Row>> {
  await es.indices.refresh({ index });
  const res = await es.search({ index, size: 10_000, query: { match_all: {} } });
  return new Map(
    res.hits.hits.map((hit) => {
      const s = hit._source as Row & { __lsn: number };
      return [hit._id!, { id: s.id, name: s.name, qty: s.qty }];
    }),
  );
}

describe('view rebuild on the Kafka log', () => {
  it('rebuilds the Elasticsearch view from Kafka topics into a fresh index equal to the old one', async () => {
    const h = k!;
    const topic = `${h.prefix}items`;
    const index = topic.toLowerCase();
    const name = `${h.prefix}es`;
    const expected = new Map<string, Row>();
    let lsn = 1000;
    /** Appends one change per id given, in one transaction, and notes the row each leaves. */
    const write = async (ids: number[], tag: string) => {
      const records: AppendRecord[] = ids.map((id) => {
        const row = { id, name: `${tag}${id}`, qty: lsn % 97 };
        expected.set(String(id), row);
        return {
          topic,
          partition: null,
          key: utf8.encode(String(id)),
          value: utf8.encode(JSON.stringify({ ...row, __lsn: lsn++ })),
          headers: [],
          timestamp: null,
        };
      });
      await h.log.append(records);
    };
    await h.log.createTopics(new Map([[topic, { partitions: 3, replicationFactor: 1 }]]));
    const ids = Array.from({ length: 150 }, (_, i) => i);
    await write(ids, 'insert');
    await write(
      ids.filter((i) => i % 3 === 0),
      'update',
    );
    await h.herder.putConnectorConfig(
      name,
      {
        'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
        topics: topic,
        'tasks.max': '2',
        'connection.url': servers.elasticsearchUrl,
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable': 'false',
        'schema.ignore': 'true',
        'retry.backoff.ms': '100',
      },
      { allowReplace: false },
    );
    const equal = async (target: string) => {
      const docs = await documents(target).catch(() => new Map<string, Row>());
      return (
        docs.size === expected.size &&
        [...expected].every(([id, row]) => {
          const d = docs.get(id);
          return d !== undefined && d.name === row.name && d.qty === row.qty;
        })
      );
    };
    await until(() => equal(index), 60_000, 'the live index to hold every row');
    const before = await documents(index);

    const started = await h.herder.rebuildConnector(name);
    expect(started.rebuild).toMatchObject({ state: 'RUNNING', generation: 1 });
    // Progress: how far the rebuild group has committed against where the live group stood.
    expect(started.rebuild!.partitions.length).toBeGreaterThan(0);
    expect(started.rebuild!.partitions.every((p) => p.target > 0)).toBe(true);
    await expect(h.herder.rebuildConnector(name)).rejects.toMatchObject({ code: 'seam.rest.conflict' });
    // Changes keep arriving during the rebuild: the live tasks write them to both views.
    for (let round = 0; round < 3; round++) {
      await write(
        ids.filter((i) => i % 5 === round),
        `during${round}-`,
      );
    }
    const done = await until(
      async () => {
        const r = (await h.herder.connectorStatus(name)).rebuild;
        if (r?.state === 'ABORTED') throw new Error(`rebuild aborted: ${JSON.stringify(r)}`);
        return r?.state === 'COMPLETED' && r.generation === 1 ? r : null;
      },
      90_000,
      'the rebuild to complete',
    );
    expect(done.partitions.every((p) => p.offset >= p.target)).toBe(true);
    // The name the sink wrote to is now an alias of the rebuilt index; the old index is gone.
    expect(Object.keys(await es.indices.getAlias({ name: index }))).toEqual([`${index}-v1`]);
    await until(() => equal(index), 60_000, 'the rebuilt index to hold every row');
    const after = await documents(`${index}-v1`);
    // Equal to the old view for every row no later change touched (ids 3 and 4 modulo 5), and to the
    // log for the rest.
    const untouched = [...before].filter(([id]) => Number(id) % 5 >= 3);
    expect(untouched.length).toBe(60);
    for (const [id, row] of untouched) expect(after.get(id)).toEqual(row);
    expect(after).toEqual(expected);
    const status = await h.herder.connectorStatus(name);
    expect(status.tasks.map((t) => t.state)).toEqual(['RUNNING', 'RUNNING']);
    // The rebuild's consumer group is removed once it has swapped.
    expect((await h.log.committedOffsets(`connect-${name}~rebuild`)).size).toBe(0);
  }, 180_000);
});
