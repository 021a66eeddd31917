import type cassandra from 'cassandra-driver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterWorker, row } from '../../helpers/dead-letter-worker.ts';
import { eventually } from '../../helpers/runtime-plugins.ts';
import { requireServer } from '../../helpers/servers.ts';
import { adminClient, connection, freshKeyspace } from './harness.ts';

/**
 * Issue 15 §4 on Cassandra: a mapping that sends a text field into an `int` column dead-letters the rows
 * that have it; GET shows them with the driver's reason; the user adds a `text` column and maps the field
 * there; redrive brings the table equal to the source rows, and a redriven record older than what the
 * row holds does not regress it (USING TIMESTAMP from the `__lsn` source position).
 */
const name = `dlq_cass_${process.pid}`;
const topic = name;
const ks = name;
const worker = new DeadLetterWorker();
let admin: cassandra.Client;

/** As a CDC row: every column present, `note` null where the source has none. */
type Row = { id: number; name: string; qty: number; note: string | null; __lsn: number };

/** The source's history in log order; rows with a `note` do not fit the first mapping (note → int). */
const history: Row[] = [
  ...Array.from({ length: 12 }, (_, i): Row => {
    const id = i + 1;
    return {
      id,
      name: `n${id}`,
      qty: id,
      note: id % 4 === 0 || id === 3 ? 'first' : null,
      __lsn: 100 + id,
    };
  }),
  // Newer than the refused lsn 103, refused too: redriven first, the row must keep it when 103 follows.
  { id: 3, name: 'n3-new', qty: 99, note: 'newer', __lsn: 200 },
  // Newer than the accepted lsn 105 and refused: the redrive must apply it.
  { id: 5, name: 'n5-new', qty: 55, note: 'second', __lsn: 205 },
];

/** The source table now (the last row of each id), with `note` where the fixed mapping puts it. */
function table(): Map<number, { name: string; qty: number; remark: string | null }> {
  const out = new Map<number, { name: string; qty: number; remark: string | null }>();
  for (const r of history) out.set(r.id, { name: r.name, qty: r.qty, remark: r.note });
  return out;
}

async function view(): Promise<Map<number, { name: string; qty: number; remark: string | null }>> {
  const rs = await admin.execute(`SELECT id, name, qty, remark FROM ${ks}.users`);
  return new Map(
    rs.rows.map((r) => [
      r.get('id') as number,
      { name: r.get('name'), qty: r.get('qty'), remark: r.get('remark') },
    ]),
  );
}

const sink = (mapping: string) => ({
  'connector.class': 'com.datastax.oss.kafka.sink.CassandraSinkConnector',
  topics: topic,
  ...connection(),
  [`topic.${topic}.${ks}.users.mapping`]: mapping,
  // A null in the source clears the column, so a redriven older value cannot fill it in.
  [`topic.${topic}.${ks}.users.nullToUnset`]: 'false',
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
  'errors.tolerance': 'all',
  'errors.deadletterqueue.topic.name': `${topic}_dlq`,
  'errors.deadletterqueue.context.headers.enable': 'true',
});

beforeAll(async () => {
  await requireServer('cassandra');
  admin = adminClient();
  await admin.connect();
  await freshKeyspace(admin, ks, ['users (id int PRIMARY KEY, name text, qty int, note int)']);
  await worker.append(history.map((r) => row(topic, String(r.id), r)));
  await worker.start();
}, 60_000);

afterAll(async () => {
  await worker.close();
  await admin?.execute(`DROP KEYSPACE IF EXISTS ${ks}`).catch(() => undefined);
  await admin?.shutdown();
});

describe('Cassandra dead letters: list, fix the mapping, redrive', () => {
  it('shows the refused rows with the reason, then redrive after the fix makes the table equal the rows', async () => {
    const broken = 'id=value.id, name=value.name, qty=value.qty, note=value.note';
    expect((await worker.call('PUT', `/connectors/cass/config`, sink(broken))).status).toBe(201);
    const before = await eventually(async () => {
      const r = await worker.deadLetters('cass');
      return r.status === 200 && r.body.count === 6 ? r.body : undefined;
    }, 60_000);
    expect(before.reasons).toEqual([
      expect.objectContaining({
        exception_class: 'TypeError',
        pattern: "Expected Number, obtained '…'",
        count: 6,
      }),
    ]);
    const byOriginal = new Map<number, number>(
      before.records.map((r): [number, number] => [Number(r.original?.offset), r.offset]),
    );
    expect([...byOriginal.keys()].sort((a, b) => a - b)).toEqual([2, 3, 7, 11, 12, 13]);

    // The fix: a text column for the field, and the mapping puts it there.
    await admin.execute(`ALTER TABLE ${ks}.users ADD remark text`);
    const fixed = 'id=value.id, name=value.name, qty=value.qty, remark=value.note';
    expect((await worker.call('PUT', `/connectors/cass/config`, sink(fixed))).status).toBe(200);

    // Id 3's newer change (lsn 200) first, by its dead-letter offset; then everything, so its older
    // change (lsn 103) is written after it and must lose.
    const newer = byOriginal.get(12)!;
    const first = await worker.redrive('cass', { from_offset: newer, to_offset: newer });
    expect(first.body).toMatchObject({ selected: 1, redriven: 1, failed_again: 0 });
    const rest = await worker.redrive('cass', { reason: 'expected number' });
    expect(rest.status).toBe(200);
    expect(rest.body).toMatchObject({ selected: 5, redriven: 5, failed_again: 0, remaining: 0 });
    expect((await worker.deadLetters('cass')).body).toMatchObject({ count: 0, redriven: 6, reasons: [] });

    // Equal to the rows: id 3 keeps its lsn-200 values, id 5 gets its newer lsn-205 ones, ids 4, 8, 12
    // their remark.
    expect(await view()).toEqual(table());
    const id3 = (
      await admin.execute(`SELECT WRITETIME(name) AS n, WRITETIME(remark) AS r FROM ${ks}.users WHERE id = 3`)
    ).first();
    expect([String(id3.get('n')), String(id3.get('r'))]).toEqual(['200', '200']);
  });
});
