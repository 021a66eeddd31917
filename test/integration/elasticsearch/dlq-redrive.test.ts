import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterWorker, row } from '../../helpers/dead-letter-worker.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { dropIndices, es } from './harness.ts';

/**
 * Issue 15 §4 on Elasticsearch: an index whose strict mapping refuses a field sends those documents to
 * the dead-letter topic; GET shows them with Elasticsearch's reason; the user adds the field to the
 * mapping; redrive brings the index equal to the source rows, and a redriven record older than what the
 * index holds does not regress its document (external versions from the `__lsn` source position).
 */
const topic = `dlq_es_${process.pid}`;
const index = topic;
const worker = new DeadLetterWorker();

type Row = { id: number; name: string; qty: number; note?: string; __lsn: number };

/** The source's history in log order; rows with `note` do not fit the strict mapping. */
const history: Row[] = [
  ...Array.from({ length: 12 }, (_, i): Row => {
    const id = i + 1;
    return {
      id,
      name: `n${id}`,
      qty: id,
      __lsn: 100 + id,
      ...(id % 4 === 0 || id === 3 ? { note: 'first' } : {}),
    };
  }),
  // Newer than the refused lsn 103: the index must keep this one after the redrive.
  { id: 3, name: 'n3-new', qty: 99, __lsn: 200 },
  // Newer than the accepted lsn 105 and refused: the redrive must apply it.
  { id: 5, name: 'n5-new', qty: 55, note: 'second', __lsn: 205 },
];

/** The source table now: the last row of each id. */
function table(): Map<string, { name: string; qty: number; note?: string }> {
  const out = new Map<string, { name: string; qty: number; note?: string }>();
  for (const r of history)
    out.set(String(r.id), { name: r.name, qty: r.qty, ...(r.note ? { note: r.note } : {}) });
  return out;
}

async function indexed(): Promise<Map<string, { name: string; qty: number; note?: string }>> {
  await es.indices.refresh({ index });
  const res = await es.search({ index, size: 1000, query: { match_all: {} } });
  return new Map(
    res.hits.hits.map((h) => {
      const s = h._source as Row;
      return [h._id!, { name: s.name, qty: s.qty, ...(s.note ? { note: s.note } : {}) }];
    }),
  );
}

const sink = {
  'connector.class': 'io.confluent.connect.elasticsearch.ElasticsearchSinkConnector',
  topics: topic,
  'connection.url': servers.elasticsearchUrl,
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
  'schema.ignore': 'true',
  'retry.backoff.ms': '100',
  'errors.tolerance': 'all',
  'errors.deadletterqueue.topic.name': `${topic}_dlq`,
  'errors.deadletterqueue.context.headers.enable': 'true',
};

beforeAll(async () => {
  await requireServer('elasticsearch');
  await dropIndices(index);
  await es.indices.create({
    index,
    mappings: {
      dynamic: 'strict',
      properties: {
        id: { type: 'long' },
        name: { type: 'keyword' },
        qty: { type: 'long' },
        __lsn: { type: 'long' },
      },
    },
  } as never);
  await worker.append(history.map((r) => row(topic, String(r.id), r)));
  await worker.start();
});

afterAll(async () => {
  await worker.close();
  await dropIndices(index);
  await es.close();
});

describe('Elasticsearch dead letters: list, fix the mapping, redrive', () => {
  it('shows the refused documents with the reason, then redrive after the fix makes the index equal the rows', async () => {
    expect((await worker.call('PUT', '/connectors/es/config', sink)).status).toBe(201);
    const before = await eventually(async () => {
      const r = await worker.deadLetters('es');
      return r.status === 200 && r.body.count === 5 ? r.body : undefined;
    }, 60_000);
    expect(before.reasons).toHaveLength(1);
    expect(before.reasons[0]?.count).toBe(5);
    expect(before.reasons[0]?.example).toMatch(/strict.*\[note\]/);
    expect(before.records.map((r) => Number(r.original?.offset)).sort((a, b) => a - b)).toEqual([
      2, 3, 7, 11, 13,
    ]);
    // The accepted rows are in; the refused ones are not (id 3 and 5 already hold their accepted versions).
    await eventually(async () => (await indexed()).size === 9, 30_000);

    // Not fixed yet: every record fails again and goes back; nothing is lost, the count stays.
    const early = await worker.redrive('es', { reason: 'strict' });
    expect(early.status).toBe(200);
    expect(early.body).toMatchObject({ selected: 5, redriven: 0, failed_again: 5, remaining: 0 });
    expect(early.body.failures[0]?.message).toMatch(/strict/);
    expect((await worker.deadLetters('es')).body).toMatchObject({ count: 5, redriven: 5 });

    // The fix: the mapping gets the field.
    await es.indices.putMapping({ index, properties: { note: { type: 'keyword' } } } as never);
    const fixed = await worker.redrive('es', { all: true });
    expect(fixed.status).toBe(200);
    expect(fixed.body).toMatchObject({ selected: 5, redriven: 5, failed_again: 0, remaining: 0 });
    expect((await worker.deadLetters('es')).body).toMatchObject({ count: 0, redriven: 10, reasons: [] });

    // Equal to the rows: id 3 keeps its newer lsn-200 version (the redriven lsn 103 is older), id 5 gets its
    // newer lsn-205 one, ids 4, 8, 12 appear with their note.
    expect(await indexed()).toEqual(table());
    expect((await es.get({ index, id: '3' }))._source).toMatchObject({ name: 'n3-new', qty: 99 });
    expect((await es.get({ index, id: '3' }))._source).not.toHaveProperty('note');
  });
});
