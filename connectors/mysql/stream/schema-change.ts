import {
  type Schema,
  SchemaBuilder,
  Schemas,
  type SourcePartition,
  type SourceRecord,
  sourceRecord,
} from '../../../src/api/index.ts';
import type { TableChange } from '../history/ddl-apply.ts';
import { CHANGE_SCHEMA, tableChanges } from '../history/table-changes.ts';
import { type BinlogOffset, offsetOf } from '../position.ts';
import { type Flavor, sourceSchema, sourceStruct } from '../source-info.ts';

/** Statements that change a schema (what Debezium puts on the schema change topic). */
const SCHEMA_DDL =
  /^(CREATE|ALTER|DROP|RENAME|TRUNCATE)\s+(?:OR\s+REPLACE\s+)?(?:TEMPORARY\s+)?(?:ONLINE\s+|IGNORE\s+)?(TABLE|TABLES|DATABASE|SCHEMA|INDEX|UNIQUE|FULLTEXT|SPATIAL|VIEW)\b/i;

/** Whether the statement changes a table or database definition (not users, grants, events, …). */
export function isSchemaChange(ddl: string): boolean {
  return SCHEMA_DDL.test(stripComments(ddl));
}

/** `CREATE DATABASE x` / `DROP SCHEMA x` name their database themselves (the session may be elsewhere). */
export function ddlDatabase(ddl: string, sessionDb: string): string {
  const m =
    /^(?:CREATE|ALTER|DROP)\s+(?:DATABASE|SCHEMA)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?`?([^`\s;]+)`?/i.exec(
      stripComments(ddl),
    );
  if (m) return m[1]!;
  const q = /^\S+\s+(?:\S+\s+)*?TABLE\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?`?([^`\s.;]+)`?\.`?[^`\s;(]+/i.exec(
    stripComments(ddl),
  );
  return q ? q[1]! : sessionDb;
}

function stripComments(sql: string): string {
  return sql.replace(/^(\s*(\/\*[\s\S]*?\*\/|--[^\n]*\n|#[^\n]*\n))+/, '').trim();
}

/**
 * Schema change records on `<topic.prefix>` (Debezium's `include.schema.changes`): key `{databaseName}`,
 * value `{source, ts_ms, databaseName, schemaName, ddl, tableChanges}`; `tableChanges` holds the
 * definitions the statement left, from the schema history (as of the statement, not as of today).
 */
export class SchemaChanges {
  readonly #flavor: Flavor;
  readonly #prefix: string;
  readonly #partition: SourcePartition;
  readonly #key: Schema;
  readonly #value: Schema;

  constructor(flavor: Flavor, prefix: string, partition: SourcePartition) {
    this.#flavor = flavor;
    this.#prefix = prefix;
    this.#partition = partition;
    this.#key = SchemaBuilder.struct()
      .name(`io.debezium.connector.${flavor}.SchemaChangeKey`)
      .field('databaseName', Schemas.STRING)
      .build();
    this.#value = SchemaBuilder.struct()
      .name(`io.debezium.connector.${flavor}.SchemaChangeValue`)
      .field('source', sourceSchema(flavor))
      .field('ts_ms', Schemas.INT64)
      .field('databaseName', Schemas.OPTIONAL_STRING)
      .field('schemaName', Schemas.OPTIONAL_STRING)
      .field('ddl', Schemas.OPTIONAL_STRING)
      .field('tableChanges', SchemaBuilder.array(CHANGE_SCHEMA).build())
      .build();
  }

  record(
    db: string,
    ddl: string,
    at: BinlogOffset,
    serverId: number,
    gtid: string | null,
    tsMs: number,
    changes: readonly TableChange[] = [],
  ): SourceRecord {
    const source = sourceStruct({
      flavor: this.#flavor,
      serverName: this.#prefix,
      db,
      table: null,
      tsMs,
      snapshot: 'false',
      serverId,
      gtid,
      file: at.file,
      pos: at.pos,
      row: 0,
      thread: null,
      query: null,
    });
    return sourceRecord({
      topic: this.#prefix,
      keySchema: this.#key,
      key: { databaseName: db },
      valueSchema: this.#value,
      value: {
        source,
        ts_ms: Date.now(),
        databaseName: db,
        schemaName: null,
        ddl,
        tableChanges: tableChanges(changes),
      },
      timestamp: tsMs,
      sourcePartition: this.#partition,
      sourceOffset: offsetOf(at, serverId, Math.floor(tsMs / 1000)),
    });
  }
}
