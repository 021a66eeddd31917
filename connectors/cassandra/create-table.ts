import {
  ConfigError,
  DebeziumNames,
  LogicalNames,
  type Schema,
  type SinkRecord,
} from '../../src/api/index.ts';
import type { Source, TableMapping } from './mapping.ts';
import { quote } from './views.ts';

/**
 * `auto.create`: the CQL of a mapped table that does not exist, from a record's schemas. Columns are the
 * mapped ones, typed from the schema of the field they read (the `after` row of a Debezium envelope, or
 * the flattened row); the primary key is every mapped column that reads the record key (`key.<f>`, or
 * `value.<f>` of a field the key also has), as one partition key. Types: README "Table creation".
 */
export function createTableStatement(mapping: TableMapping, record: SinkRecord): string {
  const key = `${mapping.prefix}.mapping`;
  const problem = (message: string) =>
    new ConfigError([{ key: 'auto.create', message: `${key}: ${message}` }]);
  const row = rowSchema(record.valueSchema);
  if (row === null || record.keySchema === null)
    throw problem(
      'creating the table needs records with key and value schemas (JsonConverter schemas.enable=true)',
    );
  const keyFields = new Set((record.keySchema.fields ?? []).map((f) => f.name));
  const columns: string[] = [];
  const primary: string[] = [];
  for (const [column, source] of mapping.columns) {
    const schema = sourceSchema(source, record.keySchema, row);
    if (schema === undefined)
      throw problem(`column '${column}' reads a field the record schema does not have`);
    const type = schema === 'text' || schema === 'timeuuid' ? schema : cqlType(schema);
    if (type === null) throw problem(`column '${column}': no CQL type for ${describe(schema as Schema)}`);
    columns.push(`${quote(column)} ${type}`);
    const fromKey =
      source.from === 'key' ||
      (source.from === 'value' && source.path.length === 1 && keyFields.has(source.path[0]!));
    if (fromKey) primary.push(quote(column));
  }
  if (primary.length === 0)
    throw problem('no mapped column reads the record key, so there is no primary key');
  return `CREATE TABLE IF NOT EXISTS ${quote(mapping.keyspace)}.${quote(mapping.table)} (${columns.join(', ')}, PRIMARY KEY ((${primary.join(', ')})))`;
}

/** The row's schema: `after` of a Debezium envelope, else the value schema itself; null when schemaless. */
export function rowSchema(value: Schema | null): Schema | null {
  if (value === null || value.type !== 'struct') return null;
  const fields = value.fields ?? [];
  const after = fields.find((f) => f.name === 'after');
  if (after && fields.some((f) => f.name === 'op') && fields.some((f) => f.name === 'source'))
    return after.schema;
  return value;
}

function sourceSchema(source: Source, key: Schema, row: Schema): Schema | 'text' | 'timeuuid' | undefined {
  if (source.from === 'now') return 'timeuuid';
  if (source.from === 'header') return 'text';
  let at: Schema | undefined = source.from === 'key' ? key : row;
  for (const name of source.path) at = at?.fields?.find((f) => f.name === name)?.schema;
  return at;
}

const BY_NAME: Readonly<Record<string, string>> = {
  [LogicalNames.DATE]: 'date',
  [LogicalNames.TIME]: 'time',
  [LogicalNames.TIMESTAMP]: 'timestamp',
  [DebeziumNames.DATE]: 'date',
  [DebeziumNames.TIME]: 'time',
  [DebeziumNames.MICRO_TIME]: 'time',
  [DebeziumNames.NANO_TIME]: 'time',
  [DebeziumNames.TIMESTAMP]: 'timestamp',
  [DebeziumNames.MICRO_TIMESTAMP]: 'timestamp',
  [DebeziumNames.NANO_TIMESTAMP]: 'timestamp',
  [DebeziumNames.ZONED_TIMESTAMP]: 'timestamp',
  [DebeziumNames.ISO_TIMESTAMP]: 'timestamp',
  [DebeziumNames.ISO_DATE]: 'date',
  [DebeziumNames.VARIABLE_SCALE_DECIMAL]: 'decimal',
  [DebeziumNames.UUID]: 'uuid',
  [DebeziumNames.BITS]: 'blob',
  [DebeziumNames.YEAR]: 'int',
  [DebeziumNames.MICRO_DURATION]: 'bigint',
};

const BY_TYPE: Readonly<Record<string, string>> = {
  int8: 'tinyint',
  int16: 'smallint',
  int32: 'int',
  int64: 'bigint',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  string: 'text',
  bytes: 'blob',
};

/** The CQL type of a Connect/Debezium schema, or null when there is none (structs, geometries). */
export function cqlType(schema: Schema, nested = false): string | null {
  if (schema.name === LogicalNames.DECIMAL)
    return schema.parameters?.['scale'] === '0' ? 'varint' : 'decimal';
  const named = schema.name === undefined ? undefined : BY_NAME[schema.name];
  if (named) return named;
  if (schema.type === 'array') {
    const inner = schema.valueSchema ? cqlType(schema.valueSchema, true) : null;
    return inner === null ? null : frozen(`list<${inner}>`, nested);
  }
  if (schema.type === 'map') {
    const k = schema.keySchema ? cqlType(schema.keySchema, true) : null;
    const v = schema.valueSchema ? cqlType(schema.valueSchema, true) : null;
    return k === null || v === null ? null : frozen(`map<${k}, ${v}>`, nested);
  }
  return BY_TYPE[schema.type] ?? null;
}

function frozen(type: string, nested: boolean): string {
  return nested ? `frozen<${type}>` : type;
}

function describe(schema: Schema): string {
  return schema.name ? `${schema.type} '${schema.name}'` : schema.type;
}
