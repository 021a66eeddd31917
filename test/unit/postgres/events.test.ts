import { describe, expect, it } from 'vitest';
import { columnRules, postgresConfigSpec } from '../../../connectors/postgres/config.ts';
import { classify, redact } from '../../../connectors/postgres/errors.ts';
import { Lsn } from '../../../connectors/postgres/position.ts';
import { TableSchema } from '../../../connectors/postgres/schema/table-schema.ts';
import type { TypeOptions } from '../../../connectors/postgres/schema/type-mapping.ts';
import { ChangeBuilder } from '../../../connectors/postgres/stream/change-builder.ts';
import { alreadyStored, storedPosition } from '../../../connectors/postgres/stream/stream-position.ts';
import { ConfigError, FatalError, RetriableError } from '../../../src/api/index.ts';

const types: TypeOptions = {
  decimal: 'precise',
  time: 'adaptive',
  binary: 'bytes',
  hstore: 'json',
  interval: 'numeric',
  moneyDigits: 2,
  includeUnknown: false,
};
const table = new TableSchema(
  {
    oid: 1,
    schema: 'public',
    table: 'Order Items',
    columns: [
      { name: 'id', type: { oid: 23, name: 'int4', category: 'N' }, typmod: -1, optional: false },
      { name: 'note', type: { oid: 25, name: 'text', category: 'S' }, typmod: -1, optional: true },
      { name: 'secret', type: { oid: 25, name: 'text', category: 'S' }, typmod: -1, optional: true },
    ],
    keyColumns: ['id'],
  },
  {
    prefix: 'srv',
    delimiter: '.',
    types,
    includeColumn: () => true,
    rules: columnRules({ 'column.mask.with.3.chars': 'public.Order Items.secret' }),
    placeholder: '__debezium_unavailable_value',
  },
);
const builder = (o: Partial<ConstructorParameters<typeof ChangeBuilder>[0]> = {}) =>
  new ChangeBuilder({
    prefix: 'srv',
    db: 'shop',
    tombstonesOnDelete: true,
    skipped: new Set(['t']),
    provideTransactionMetadata: true,
    transactionTopic: 'transaction',
    skipUnchanged: false,
    ...o,
  });
const at = Lsn.parse('0/100');

describe('change events', () => {
  it('builds a create with Debezium names, source fields, transaction block and offset', () => {
    const b = builder();
    const [beginRec] = b.begin(7, Lsn.parse('0/200'), 1_700_000_000_123_456n, Lsn.parse('0/F0'));
    expect(beginRec).toMatchObject({
      topic: 'srv.transaction',
      key: { id: '7:512' },
      value: { status: 'BEGIN', id: '7:512' },
    });
    const [rec] = b.insert(table, at, { id: '1', note: 'hi', secret: 'pw' });
    // A space is not legal in a topic name: `_` as in Debezium, in the topic and the schema names.
    expect(rec!.topic).toBe('srv.public.Order_Items');
    expect(rec!.keySchema?.name).toBe('srv.public.Order_Items.Key');
    expect(rec!.valueSchema?.name).toBe('srv.public.Order_Items.Envelope');
    expect(rec!.key).toEqual({ id: 1 });
    const v = rec!.value as Record<string, unknown>;
    expect(v).toMatchObject({
      op: 'c',
      before: null,
      after: { id: 1, note: 'hi', secret: '***' },
      transaction: { id: '7:512', total_order: 1, data_collection_order: 1 },
    });
    expect(v.source).toEqual({
      version: '0.1.0',
      connector: 'postgresql',
      name: 'srv',
      ts_ms: 1_700_000_000_123,
      snapshot: 'false',
      db: 'shop',
      sequence: '[null,"256"]',
      ts_us: 1_700_000_000_123_456,
      ts_ns: 1_700_000_000_123_456_000n,
      schema: 'public',
      table: 'Order Items',
      txId: 7,
      lsn: 256,
      xmin: null,
      origin: null,
      origin_lsn: null,
    });
    expect(rec!.sourceOffset).toEqual({
      lsn_commit: '512',
      lsn: '256',
      txId: 7,
      ts_usec: '1700000000123456',
    });
    expect(rec!.sourcePartition).toEqual({ server: 'srv' });
    const [end] = b.commit(Lsn.parse('0/200'), Lsn.parse('0/230'), 1_700_000_000_123_456n);
    expect(end!.value).toMatchObject({
      status: 'END',
      event_count: 1,
      data_collections: [{ data_collection: 'public.Order Items', event_count: 1 }],
    });
  });

  it('emits delete + tombstone, placeholder for unchanged TOAST, and PK change as delete + create with headers', () => {
    const b = builder({ provideTransactionMetadata: false });
    b.begin(8, Lsn.parse('0/300'), 0n, at);
    const del = b.delete(table, at, { id: '5', note: undefined, secret: undefined });
    expect(del.map((r) => (r.value as { op?: string } | null)?.op ?? null)).toEqual(['d', null]);
    expect((del[0]!.value as { before: unknown }).before).toEqual({ id: 5, note: null, secret: null });
    expect(del[1]).toMatchObject({ key: { id: 5 }, value: null, valueSchema: null });
    const [upd] = b.update(table, at, null, { id: '5', note: undefined, secret: 'x' });
    expect(upd!.value).toMatchObject({
      op: 'u',
      before: null,
      after: { note: '__debezium_unavailable_value' },
    });
    const moved = b.update(
      table,
      at,
      { id: '5', note: undefined, secret: undefined },
      { id: '6', note: 'n', secret: 's' },
    );
    expect(moved.map((r) => [(r.value as { op?: string } | null)?.op ?? null, r.key])).toEqual([
      ['d', { id: 5 }],
      [null, { id: 5 }],
      ['c', { id: 6 }],
    ]);
    expect(moved[0]!.headers).toEqual([
      { key: '__debezium.newkey', value: { id: 6 }, schema: table.keySchema },
    ]);
    expect(moved[2]!.headers).toEqual([
      { key: '__debezium.oldkey', value: { id: 5 }, schema: table.keySchema },
    ]);
  });

  it('skip.messages.without.change drops an update whose before equals its after, and only that', () => {
    const b = builder({ provideTransactionMetadata: false, skipUnchanged: true });
    b.begin(9, Lsn.parse('0/400'), 0n, at);
    const row = { id: '5', note: 'n', secret: 's' };
    expect(b.update(table, at, row, { ...row })).toEqual([]);
    expect(
      b.update(table, at, row, { ...row, note: 'changed' }).map((r) => (r.value as { op: string }).op),
    ).toEqual(['u']);
    expect(b.update(table, at, { ...row, note: null }, row)).toHaveLength(1);
    // Without an old tuple (REPLICA IDENTITY DEFAULT, key unchanged) nothing can be compared: emitted.
    expect(b.update(table, at, null, row)).toHaveLength(1);
  });

  it('an update that keeps its key is one event, whatever the other columns do', () => {
    const b = builder({ provideTransactionMetadata: false });
    b.begin(10, Lsn.parse('0/500'), 0n, at);
    const updated = b.update(
      table,
      at,
      { id: '5', note: 'a', secret: 's' },
      { id: '5', note: 'b', secret: 't' },
    );
    expect(updated.map((r) => [(r.value as { op: string }).op, r.key])).toEqual([['u', { id: 5 }]]);
  });
  it('skips truncate by default, emits it when asked, and builds logical decoding messages', () => {
    expect(builder().truncate([table], at)).toEqual([]);
    const [t] = builder({ skipped: new Set() }).truncate([table], at);
    expect(t).toMatchObject({ key: null, value: { op: 't', before: null, after: null } });
    const m = builder().message('audit', Uint8Array.from([104, 105]), at, false, 1_000_000n);
    expect(m).toMatchObject({
      topic: 'srv.message',
      key: { prefix: 'audit' },
      value: { op: 'm', message: { prefix: 'audit' }, source: { txId: null, lsn: 256 } },
    });
    expect(m.valueSchema?.name).toBe('io.debezium.connector.postgresql.MessageValue');
  });

  it('resumes after the stored (commit, lsn) position', () => {
    const stored = storedPosition({ lsn_commit: '512', lsn: '300' });
    expect(alreadyStored(stored, Lsn.of(400), Lsn.of(390))).toBe(true);
    expect(alreadyStored(stored, Lsn.of(512), Lsn.of(300))).toBe(true);
    expect(alreadyStored(stored, Lsn.of(512), Lsn.of(301))).toBe(false);
    expect(alreadyStored(stored, Lsn.of(600), Lsn.of(10))).toBe(false);
    expect(alreadyStored(storedPosition({ snapshot: true }), Lsn.of(1), Lsn.of(1))).toBe(false);
  });
});

describe('config and errors', () => {
  it('accepts a Debezium JSON config unchanged', () => {
    const c = postgresConfigSpec.parse({
      'connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
      'database.hostname': 'db',
      'database.port': '5432',
      'database.user': 'u',
      'database.password': 'p',
      'database.dbname': 'inventory',
      'database.server.name': 'dbserver1',
      'plugin.name': 'pgoutput',
      'slot.name': 'dbz',
      'publication.autocreate.mode': 'filtered',
      'table.include.list': 'public.a,public.b',
      'decimal.handling.mode': 'string',
      'snapshot.mode': 'never',
      'skipped.operations': 'none',
    });
    expect(c['topic.prefix']).toBe('dbserver1');
    expect(c['table.include.list']).toEqual(['public.a', 'public.b']);
    expect(String(c['database.password'])).toBe('[hidden]');
  });
  it('reports invalid slot and publication names and unsupported plugins together', () => {
    const { problems } = postgresConfigSpec.validate({
      'database.hostname': 'h',
      'database.user': 'u',
      'database.dbname': 'd',
      'topic.prefix': 'p',
      'slot.name': 'Bad-Slot',
      'publication.name': "x'y",
      'plugin.name': 'decoderbufs',
    });
    expect(problems.map((p) => p.key).sort()).toEqual(['plugin.name', 'publication.name', 'slot.name']);
  });
  it('classifies SQLSTATEs and never echoes passwords', () => {
    expect(
      classify({ code: '28P01', message: 'password authentication failed for user "u"' }, 'connecting'),
    ).toBeInstanceOf(ConfigError);
    expect(classify({ code: '08006', message: 'x' }, 'streaming')).toBeInstanceOf(RetriableError);
    expect(classify({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'connecting')).toBeInstanceOf(
      RetriableError,
    );
    expect(classify({ code: '42P01', message: 'no table' }, 'reading')).toBeInstanceOf(FatalError);
    const inUse = classify(
      { code: '55006', message: 'replication slot "s" is active for PID 4242' },
      'starting',
    );
    expect(inUse).toMatchObject({ code: 'seam.postgres.slot_in_use', retriable: true });
    expect(inUse.message).toContain('4242');
    expect(redact('postgres://u:s3cret@h/db password=s3cret')).not.toContain('s3cret');
  });
});
