import { SchemaBuilder, Schemas } from '../../../src/api/index.ts';
import { enumValues, lengthOf } from '../schema/column.ts';
import type { TableMeta } from '../schema/table-schema.ts';
import type { TableChange } from './ddl-apply.ts';

const COLUMN_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.schema.Column')
  .field('name', Schemas.STRING)
  .field('jdbcType', Schemas.INT32)
  .field('nativeType', Schemas.OPTIONAL_INT32)
  .field('typeName', Schemas.STRING)
  .field('typeExpression', Schemas.OPTIONAL_STRING)
  .field('charsetName', Schemas.OPTIONAL_STRING)
  .field('length', Schemas.OPTIONAL_INT32)
  .field('scale', Schemas.OPTIONAL_INT32)
  .field('position', Schemas.INT32)
  .field('optional', Schemas.OPTIONAL_BOOLEAN)
  .field('autoIncremented', Schemas.OPTIONAL_BOOLEAN)
  .field('generated', Schemas.OPTIONAL_BOOLEAN)
  .field('comment', Schemas.OPTIONAL_STRING)
  .field('defaultValueExpression', Schemas.OPTIONAL_STRING)
  .field('enumValues', SchemaBuilder.array(Schemas.STRING).optional().build())
  .build();
const TABLE_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.schema.Table')
  .field('defaultCharsetName', Schemas.OPTIONAL_STRING)
  .field('primaryKeyColumnNames', SchemaBuilder.array(Schemas.STRING).optional().build())
  .field('columns', SchemaBuilder.array(COLUMN_SCHEMA).build())
  .field('comment', Schemas.OPTIONAL_STRING)
  .build();
/** Debezium's table change entry of schema change events. */
export const CHANGE_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.schema.Change')
  .field('type', Schemas.STRING)
  .field('id', Schemas.STRING)
  .field('table', TABLE_SCHEMA)
  .build();

/** java.sql.Types of the MySQL types, as Debezium's MySQL DDL parser assigns them. */
const JDBC: Readonly<Record<string, number>> = {
  bit: -7,
  tinyint: -6,
  smallint: 5,
  mediumint: 4,
  int: 4,
  bigint: -5,
  float: 6,
  double: 8,
  decimal: 3,
  char: 1,
  varchar: 12,
  tinytext: 12,
  text: 12,
  mediumtext: 12,
  longtext: 12,
  binary: -2,
  varbinary: -3,
  tinyblob: -3,
  blob: 2004,
  mediumblob: 2004,
  longblob: 2004,
  date: 91,
  time: 92,
  datetime: 93,
  timestamp: 2014,
  year: 4,
  enum: 1,
  set: 1,
  json: 1111,
};

/** `"db"."table"`, Debezium's table id in tableChanges. */
export function tableId(db: string, table: string): string {
  return `"${db}"."${table}"`;
}

/** The Debezium `table` struct of a definition. */
export function debeziumTable(meta: TableMeta): Record<string, unknown> {
  return {
    defaultCharsetName: meta.charset ?? null,
    primaryKeyColumnNames: [...meta.keyColumns],
    columns: meta.columns.map((c, i) => {
      const enumLike = c.dataType === 'enum' || c.dataType === 'set';
      const temporal = c.dataType === 'datetime' || c.dataType === 'timestamp' || c.dataType === 'time';
      const length = temporal
        ? c.fsp
        : c.dataType === 'decimal' || c.dataType === 'float' || c.dataType === 'double'
          ? c.precision
          : enumLike
            ? null
            : lengthOf(c.columnType);
      return {
        name: c.name,
        jdbcType: JDBC[c.dataType] ?? 1111,
        nativeType: null,
        typeName: `${c.dataType.toUpperCase()}${/ unsigned/.test(c.columnType) ? ' UNSIGNED' : ''}`,
        typeExpression: `${c.dataType.toUpperCase()}${/ unsigned/.test(c.columnType) ? ' UNSIGNED' : ''}`,
        charsetName: c.charset,
        length: length ?? null,
        scale: c.dataType === 'decimal' ? c.scale : null,
        position: i + 1,
        optional: c.nullable,
        autoIncremented: false,
        generated: false,
        comment: null,
        defaultValueExpression: c.defaultLiteral ?? c.defaultExpression ?? null,
        enumValues: enumLike ? enumValues(c.columnType) : null,
      };
    }),
    comment: null,
  };
}

/** The `tableChanges` array of a schema change event. */
export function tableChanges(changes: readonly TableChange[]): Record<string, unknown>[] {
  return changes.map((ch) => ({
    type: ch.type,
    id: tableId(ch.db, ch.table),
    table: ch.meta
      ? debeziumTable(ch.meta)
      : { defaultCharsetName: null, primaryKeyColumnNames: [], columns: [], comment: null },
  }));
}
