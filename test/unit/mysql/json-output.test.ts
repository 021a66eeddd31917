import { describe, expect, it } from 'vitest';
import type { ColumnMeta } from '../../../connectors/mysql/schema/column.ts';
import { TableSchema } from '../../../connectors/mysql/schema/table-schema.ts';
import { sourceSchema } from '../../../connectors/mysql/source-info.ts';
import { JsonConverter, jsonConverterConfig } from '../../../src/log/converters/json-converter.ts';

const col = (name: string, columnType: string, o: Partial<ColumnMeta> = {}): ColumnMeta => ({
  name,
  dataType: columnType.replace(/[\s(].*$/, ''),
  columnType,
  nullable: true,
  precision: null,
  scale: null,
  fsp: 0,
  charset: null,
  ...o,
});

describe('MySQL schemas through the JSON converter', () => {
  it('write defaults of every kind as Debezium does', () => {
    const t = new TableSchema(
      {
        db: 'shop',
        table: 'orders',
        keyColumns: ['id'],
        columns: [
          col('id', 'bigint(20) unsigned', { nullable: false, defaultLiteral: '0' }),
          col('amount', 'decimal(5,2)', { precision: 5, scale: 2, defaultLiteral: '1.50' }),
          col('bits', 'bit(12)'),
          col('made', 'timestamp', { defaultExpression: 'current_timestamp()' }),
          col('note', 'varchar(10)', { defaultLiteral: "it's" }),
        ],
      },
      {
        prefix: 'p',
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
    const converter = new JsonConverter(jsonConverterConfig.parse({}));
    const bytes = converter.fromConnectData('p.shop.orders', t.valueSchema, {
      id: 1,
      amount: { unscaled: 150n, scale: 2 },
      bits: Uint8Array.of(1, 2),
      made: '2024-01-01T00:00:00Z',
      note: null,
    });
    const json = JSON.parse(Buffer.from(bytes!).toString('utf8')) as {
      schema: { fields: { field: string; default?: unknown }[] };
      payload: Record<string, unknown>;
    };
    const defaults = Object.fromEntries(json.schema.fields.map((f) => [f.field, f.default]));
    expect(defaults).toEqual({
      id: 0,
      amount: 'AJY=',
      bits: undefined,
      made: '1970-01-01T00:00:00Z',
      note: "it's",
    });
    // Kafka's JsonConverter writes a null as the field's default unless replace.null.with.default=false.
    expect(json.payload).toMatchObject({ id: 1, amount: 'AJY=', bits: 'AQI=', note: "it's" });
    const exact = new JsonConverter(jsonConverterConfig.parse({ 'replace.null.with.default': 'false' }));
    const kept = JSON.parse(
      Buffer.from(exact.fromConnectData('p.shop.orders', t.valueSchema, { id: 1, note: null })!).toString(
        'utf8',
      ),
    ) as { payload: Record<string, unknown> };
    expect(kept.payload.note).toBeNull();
  });
});
