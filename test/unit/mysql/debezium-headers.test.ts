import { describe, expect, it } from 'vitest';
import type { ColumnMeta } from '../../../connectors/mysql/schema/column.ts';
import { TableSchema } from '../../../connectors/mysql/schema/table-schema.ts';
import { sourceSchema } from '../../../connectors/mysql/source-info.ts';
import { ChangeBuilder, type RowAt } from '../../../connectors/mysql/stream/change-builder.ts';
import { contextHeaders } from '../../../connectors/mysql/stream/context-headers.ts';
import { SchemaChanges } from '../../../connectors/mysql/stream/schema-change.ts';

/** What the Debezium differential suite (test/integration/debezium/mysql-*.ts) found and this pins down. */

const intCol = (name: string): ColumnMeta => ({
  name,
  dataType: 'int',
  columnType: 'int(11)',
  nullable: name !== 'id',
  precision: 10,
  scale: 0,
  fsp: 0,
  charset: null,
});

const table = new TableSchema(
  { db: 'shop', table: 'orders', columns: [intCol('id'), intCol('qty')], keyColumns: ['id'] },
  {
    prefix: 'app',
    types: {
      decimal: 'precise',
      time: 'adaptive_time_microseconds',
      bigintUnsigned: 'long',
      binary: 'bytes',
    },
    includeColumn: () => true,
    sourceSchema: sourceSchema('mysql'),
  },
);

const at: RowAt = {
  file: 'bin.000001',
  pos: 100,
  row: 0,
  serverId: 1,
  gtid: '0-1-5',
  tsMs: 1_700_000_000_000,
  thread: null,
  query: null,
  snapshot: 'false',
  restart: { file: 'bin.000001', pos: 50, gtids: '0-1-4', event: 0, row: 0, snapshot: false },
  transaction: null,
};

const context = contextHeaders('mysql', 'app', 0);
const builder = (headers = context) =>
  new ChangeBuilder({
    flavor: 'mysql',
    prefix: 'app',
    tombstonesOnDelete: true,
    skipped: new Set(),
    provideTransactionMetadata: false,
    contextHeaders: headers,
  });
const keys = (r: { headers: readonly { key: string }[] }) => r.headers.map((h) => h.key);
const CONTEXT = [
  '__debezium.context.connectorLogicalName',
  '__debezium.context.taskId',
  '__debezium.context.connectorName',
  '__debezium.context.runId',
];

describe("MySQL records carry Debezium 3's extended headers", () => {
  it('names the logical name, task, connector type and one run id', () => {
    expect(context.map((h) => [h.key, h.key.endsWith('runId') ? 'id' : h.value])).toEqual([
      ['__debezium.context.connectorLogicalName', 'app'],
      ['__debezium.context.taskId', '0'],
      ['__debezium.context.connectorName', 'mysql'],
      ['__debezium.context.runId', 'id'],
    ]);
    expect(contextHeaders('mariadb', 'app', 2)[2]?.value).toBe('mariadb');
  });

  it('on changes and tombstones; a key change puts its key header first, on the tombstone too', () => {
    const b = builder();
    expect(b.insert(table, { id: 1, qty: 2 }, at).map(keys)).toEqual([CONTEXT]);
    expect(b.delete(table, { id: 1, qty: 2 }, at).map(keys)).toEqual([CONTEXT, CONTEXT]);
    const moved = b.update(table, { id: 1, qty: 2 }, { id: 3, qty: 2 }, at);
    expect(moved.map(keys)).toEqual([
      ['__debezium.newkey', ...CONTEXT],
      ['__debezium.newkey', ...CONTEXT],
      ['__debezium.oldkey', ...CONTEXT],
    ]);
    expect(moved[1]?.value).toBeNull();
    expect(builder([]).insert(table, { id: 1, qty: 2 }, at).map(keys)).toEqual([[]]);
  });

  it('on schema change events, with the changed table in source.table and versioned schemas', () => {
    const changes = new SchemaChanges('mysql', 'app', { server: 'app' }, context);
    const r = changes.record('shop', 'ALTER TABLE orders ADD c INT', at.restart, 1, '0-1-6', at.tsMs, [
      { type: 'ALTER', db: 'shop', table: 'orders', meta: table.meta },
    ]);
    expect(keys(r)).toEqual(CONTEXT);
    expect(r.keySchema?.version).toBe(1);
    expect(r.valueSchema?.version).toBe(1);
    expect((r.value as { source: { table: string | null } }).source.table).toBe('orders');
    const dropDb = changes.record('shop', 'DROP DATABASE shop', at.restart, 1, '0-1-7', at.tsMs, []);
    expect((dropDb.value as { source: { table: string | null } }).source.table).toBeNull();
    expect(sourceSchema('mysql').version).toBe(1);
  });
});
