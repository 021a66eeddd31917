import { describe, expect, it } from 'vitest';
import { cqlType, createTableStatement } from '../../../connectors/cassandra/create-table.ts';
import { parseMappings } from '../../../connectors/cassandra/mapping.ts';
import { fromLogical } from '../../../connectors/cassandra/values.ts';
import {
  ConfigError,
  DebeziumNames,
  dateSchema,
  decimalSchema,
  type Schema,
  SchemaBuilder,
  timestampSchema,
} from '../../../src/api/index.ts';
import { sinkRecord } from './records.ts';

const named = (type: Schema['type'], name: string): Schema => ({ type, optional: true, name });

describe('auto.create: CQL types from Connect and Debezium schemas', () => {
  it('maps primitives, logical and Debezium semantic types, arrays and maps', () => {
    const S = SchemaBuilder;
    const cases: [Schema, string][] = [
      [S.int8().build(), 'tinyint'],
      [S.int16().build(), 'smallint'],
      [S.int32().build(), 'int'],
      [S.int64().build(), 'bigint'],
      [S.float32().build(), 'float'],
      [S.float64().build(), 'double'],
      [S.bool().build(), 'boolean'],
      [S.string().build(), 'text'],
      [S.bytes().build(), 'blob'],
      [decimalSchema(2).build(), 'decimal'],
      [decimalSchema(0).build(), 'varint'],
      [named('struct', DebeziumNames.VARIABLE_SCALE_DECIMAL), 'decimal'],
      [dateSchema().build(), 'date'],
      [named('int32', DebeziumNames.DATE), 'date'],
      [named('int64', DebeziumNames.MICRO_TIME), 'time'],
      [timestampSchema().build(), 'timestamp'],
      [named('int64', DebeziumNames.MICRO_TIMESTAMP), 'timestamp'],
      [named('string', DebeziumNames.ZONED_TIMESTAMP), 'timestamp'],
      [named('string', DebeziumNames.UUID), 'uuid'],
      [named('string', DebeziumNames.JSON), 'text'],
      [named('bytes', DebeziumNames.BITS), 'blob'],
      [S.array(S.int32().build()).build(), 'list<int>'],
      [S.array(S.array(S.string().build()).build()).build(), 'list<frozen<list<text>>>'],
      [S.map(S.string().build(), S.string().build()).build(), 'map<text, text>'],
    ];
    for (const [schema, cql] of cases) expect(cqlType(schema), JSON.stringify(schema)).toBe(cql);
    expect(cqlType(S.struct().field('x', S.int32().build()).build())).toBeNull();
  });

  it('builds the table from the mapping and the record schemas, primary key from the key', () => {
    const S = SchemaBuilder;
    const row = S.struct()
      .field('id', S.int32().build())
      .field('name', S.string().optional().build())
      .field('price', decimalSchema(2).optional().build())
      .field('tags', S.array(S.string().build()).optional().build())
      .build();
    const envelope = S.struct()
      .field('before', row)
      .field('after', row)
      .field('source', S.struct().field('lsn', S.int64().build()).build())
      .field('op', S.string().build())
      .build();
    const key = S.struct().field('id', S.int32().build()).build();
    const { mappings } = parseMappings({
      'topic.t.ks.items.mapping':
        'id=key.id, name=value.name, price=value.price, tags=value.tags, h=header.x, at=now()',
    });
    const record = {
      ...sinkRecord({ topic: 't', key: { id: 1 }, value: {} }),
      keySchema: key,
      valueSchema: envelope,
    };
    expect(createTableStatement(mappings[0]!, record)).toBe(
      'CREATE TABLE IF NOT EXISTS "ks"."items" ("id" int, "name" text, "price" decimal, "tags" list<text>, "h" text, "at" timeuuid, PRIMARY KEY (("id")))',
    );
    // A flattened row whose key field is read through value.<f> keys the table too.
    const flat = parseMappings({ 'topic.t.ks.items.mapping': 'id=value.id, name=value.name' }).mappings[0]!;
    expect(createTableStatement(flat, { ...record, valueSchema: row })).toContain('PRIMARY KEY (("id"))');
    const schemaless = sinkRecord({ topic: 't', key: { id: 1 }, value: { id: 1 } });
    expect(() => createTableStatement(mappings[0]!, schemaless)).toThrow(ConfigError);
    expect(() => createTableStatement(mappings[0]!, schemaless)).toThrow(/schemas\.enable=true/);
  });

  it('converts values of logical types to what the column binding expects', () => {
    expect(fromLogical(1_700_000_000_123_456, named('int64', DebeziumNames.MICRO_TIMESTAMP))).toBe(
      1_700_000_000_123,
    );
    expect(fromLogical(3_600_000, named('int32', DebeziumNames.TIME))).toBe(3_600_000_000n);
    expect(fromLogical({ unscaled: 12345n, scale: 2 }, decimalSchema(2).build())).toBe('123.45');
    expect(fromLogical('x', undefined)).toBe('x');
  });
});
