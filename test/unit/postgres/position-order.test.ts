import { describe, expect, it } from 'vitest';
import { writeTimestamp } from '../../../connectors/cassandra/write-timestamp.ts';
import { externalVersion } from '../../../connectors/elasticsearch/version.ts';
import { Lsn } from '../../../connectors/postgres/position.ts';
import { TableSchema } from '../../../connectors/postgres/schema/table-schema.ts';
import { ChangeBuilder } from '../../../connectors/postgres/stream/change-builder.ts';
import { flattenedPosition, type SourceRecord, sourcePosition } from '../../../src/api/index.ts';
import { sinkRecord } from '../elasticsearch/records.ts';

const table = new TableSchema(
  {
    oid: 1,
    schema: 'public',
    table: 'items',
    columns: [{ name: 'id', type: { oid: 23, name: 'int4', category: 'N' }, typmod: -1, optional: false }],
    keyColumns: ['id'],
  },
  {
    prefix: 'srv',
    delimiter: '.',
    types: {
      decimal: 'precise',
      time: 'adaptive',
      binary: 'bytes',
      hstore: 'json',
      interval: 'numeric',
      moneyDigits: 2,
      includeUnknown: false,
    },
    includeColumn: () => true,
    rules: [],
    placeholder: '__debezium_unavailable_value',
  } as unknown as ConstructorParameters<typeof TableSchema>[1],
);
const builder = () =>
  new ChangeBuilder({
    prefix: 'srv',
    db: 'shop',
    tombstonesOnDelete: false,
    skipped: new Set(),
    provideTransactionMetadata: false,
    transactionTopic: 'transaction',
    skipUnchanged: false,
  });
const source = (r: SourceRecord) => (r.value as { source: Record<string, unknown> }).source;
const position = (r: SourceRecord) => sourcePosition(source(r))!.value;

/** The slot's consistent point: where the next WAL record, possibly a change, starts. */
const consistent = Lsn.parse('1/C9BC0000');

describe('PostgreSQL positions order a row from its snapshot read to its streamed changes', () => {
  it('puts an initial snapshot row strictly below a change at the consistent point', () => {
    const b = builder();
    const read = b.read(table, { id: '97' }, 'last', consistent, 0n, {});
    b.begin(5, consistent.add(400), 0n, consistent);
    const [update] = b.update(table, consistent, null, { id: '97' });
    expect(position(read)).toBeLessThan(position(update!));
    // The same order reaches every sink: flattened with add.fields=lsn, the Elasticsearch version and
    // the Cassandra write timestamp.
    const flat = (r: SourceRecord) =>
      flattenedPosition((f) => (f === '__lsn' ? source(r).lsn : undefined), ['__lsn'])!.value;
    expect(flat(read)).toBeLessThan(flat(update!));
    const sink = (r: SourceRecord) => sinkRecord({ key: { id: 97 }, value: r.value });
    const env = (r: SourceRecord) => r.value as Record<string, unknown>;
    const options = { versionHeader: '', positionFields: ['__lsn'] };
    expect(externalVersion(sink(read), env(read), null, options).value).toBeLessThan(
      externalVersion(sink(update!), env(update!), null, options).value,
    );
    const ts = { positionFields: ['__lsn'], mysqlPosition: 'binlog' as const };
    expect(writeTimestamp(sink(read), env(read), null, ts).micros).toBeLessThan(
      writeTimestamp(sink(update!), env(update!), null, ts).micros,
    );
  });

  it('puts snapshot rows at the slot restart LSN, below changes of transactions that began before the consistent point', () => {
    const b = builder();
    const restart = Lsn.parse('1/C9000000');
    b.snapshotFloor(restart);
    const read = b.read(table, { id: '97' }, 'true', consistent, 0n, {});
    expect(position(read)).toBe(restart.value);
    // A transaction that began before the consistent point and committed after it is streamed, not in the
    // snapshot: its change, below the consistent point, still orders after the snapshot row.
    b.begin(7, consistent.add(800), 0n, Lsn.INVALID);
    const [early] = b.update(table, consistent.add(-4000), null, { id: '97' });
    expect(position(read)).toBeLessThan(position(early!));
  });

  it('keeps an incremental snapshot chunk at its window position', () => {
    const read = builder().read(table, { id: '1' }, 'incremental', consistent, 0n, {});
    expect(position(read)).toBe(consistent.value);
  });

  it('gives two changes of a row in one transaction their own LSNs in order', () => {
    const b = builder();
    b.begin(6, Lsn.parse('1/3000'), 0n, Lsn.INVALID);
    const [first] = b.update(table, Lsn.parse('1/1000'), null, { id: '3' });
    const [second] = b.update(table, Lsn.parse('1/1060'), null, { id: '3' });
    expect(position(first!)).toBeLessThan(position(second!));
  });
});
