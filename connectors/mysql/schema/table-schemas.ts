import type mysql from 'mysql2/promise';
import { FatalError, type InternalTopic, type PluginLogger } from '../../../src/api/index.ts';
import type { MysqlConfig } from '../config.ts';
import { tableMeta } from '../connection/catalog.ts';
import { classify } from '../errors.ts';
import type { Filters } from '../filters.ts';
import type { TableChange } from '../history/ddl-apply.ts';
import type { BinlogPoint } from '../history/schema-history.ts';
import { SchemaTracker } from '../history/tracker.ts';
import { isSchemaChange } from '../stream/schema-change.ts';
import type { ColumnMeta } from './column.ts';
import { type TableMeta, TableSchema, type TableSchemaOptions } from './table-schema.ts';

export interface TableSchemasOptions {
  readonly config: MysqlConfig;
  readonly conn: () => mysql.Connection;
  readonly mariadb: boolean;
  readonly filters: Filters;
  readonly schemaOptions: TableSchemaOptions;
  readonly logger: PluginLogger;
  readonly warnOnce: (id: string, obj: object, msg: string) => void;
  readonly topic: InternalTopic;
}

/**
 * The table definitions the task decodes with: from the schema history at each row's binlog position,
 * from information_schema for the snapshot and for tables the history does not have yet. Connect
 * schemas are built once per definition.
 */
export class TableSchemas {
  readonly #o: TableSchemasOptions;
  readonly #built = new WeakMap<TableMeta, TableSchema>();
  /** History records of DDL read ahead of the handler, by `file:pos`, until the handler reaches them. */
  readonly #durable = new Map<string, Promise<TableChange[]>>();
  tracker!: SchemaTracker;

  constructor(o: TableSchemasOptions) {
    this.#o = o;
  }

  /** The history topic's name (`schema.history.internal.kafka.topic`, default `<prefix>-schema-history`). */
  static topicName(c: MysqlConfig): string {
    return c['schema.history.internal.kafka.topic'] || `${c['topic.prefix']}-schema-history`;
  }

  async open(): Promise<SchemaTracker> {
    const c = this.#o.config;
    this.tracker = await SchemaTracker.open({
      topic: this.#o.topic,
      topicName: TableSchemas.topicName(c),
      server: c['topic.prefix'],
      captured: (t) => this.#o.filters.table(t.db, t.table),
      skipUnparseable: c['schema.history.internal.skip.unparseable.ddl'],
      readMeta: (t) => this.readMeta(t.db, t.table),
      logger: this.#o.logger,
    });
    return this.tracker;
  }

  /**
   * Stored offsets with a missing or damaged history: a clear error naming snapshot.mode=recovery, or
   * (in that mode) a warning before the caller writes a new baseline.
   */
  requireRecovery(recovery: boolean, mode: string): void {
    const t = this.tracker;
    const what = `The schema history topic ${TableSchemas.topicName(this.#o.config)} is ${t.state === 'empty' ? 'missing or empty' : `damaged (${t.problem})`}`;
    if (!recovery)
      throw new FatalError(
        `${what} while offsets are stored: rows cannot be decoded with the definitions of their time. Set snapshot.mode=recovery to rebuild it from the current schema (right only if no captured table changed since the offset), or delete the connector offsets to take a new snapshot.`,
        { code: 'seam.mysql.schema_history' },
      );
    this.#o.logger.warn({}, `${what}: rebuilding it from the current schema (snapshot.mode=${mode})`);
  }

  /** A table's definition as the server has it now; null when it does not exist. */
  async readMeta(db: string, table: string): Promise<TableMeta | null> {
    try {
      return await tableMeta(this.#o.conn(), { db, table }, this.#o.mariadb);
    } catch (e) {
      throw classify(e, `reading the columns of ${db}.${table}`);
    }
  }

  /** The Connect schemas of a definition (message.key.columns applied). */
  schemaOf(meta: TableMeta): TableSchema {
    let s = this.#built.get(meta);
    if (s) return s;
    const custom = this.#o.filters.keyColumns(meta.db, meta.table);
    const keyed = custom
      ? { ...meta, keyColumns: custom.filter((k) => meta.columns.some((c) => c.name === k)) }
      : meta;
    if (keyed.keyColumns.length === 0)
      this.#o.warnOnce(
        `nokey:${meta.db}.${meta.table}`,
        { table: `${meta.db}.${meta.table}` },
        'Table has no primary key: its records get a null key',
      );
    s = new TableSchema(keyed, this.#o.schemaOptions);
    this.#built.set(meta, s);
    return s;
  }

  /**
   * The schema rows written at `at` decode with, or null when they are to be skipped (the table was
   * dropped). A table the history lacks is read from the server and recorded first.
   */
  rowsSchema(db: string, table: string, at: BinlogPoint): TableSchema | null | Promise<TableSchema | null> {
    const meta = this.tracker.at(db, table, at);
    if (meta) return this.schemaOf(meta);
    if (meta === null) {
      this.#o.warnOnce(
        `dropped:${db}.${table}`,
        { table: `${db}.${table}` },
        'Rows of a table the schema history shows as dropped at their position are skipped',
      );
      return null;
    }
    return this.readMeta(db, table).then(async (m) => {
      if (!m) {
        this.#o.warnOnce(
          `gone:${db}.${table}`,
          { table: `${db}.${table}` },
          'Rows of a table neither in the schema history nor on the server are skipped',
        );
        return null;
      }
      await this.tracker.discovered(m, { file: at.file, pos: at.pos });
      return this.schemaOf(m);
    });
  }

  /** At parse time: a schema change is applied to the history at once (see BinlogStream). */
  statementRead(db: string, sql: string, at: BinlogPoint): void {
    if (!isSchemaChange(sql)) return;
    const durable = this.tracker.ddl(db, sql, { file: at.file, pos: at.pos });
    durable.catch(() => {});
    this.#durable.set(`${at.file}:${at.pos}`, durable);
  }

  /** When the handler reaches the statement: its table changes, once its history record is durable. */
  ddlRecorded(at: BinlogPoint): Promise<TableChange[]> {
    const key = `${at.file}:${at.pos}`;
    const p = this.#durable.get(key) ?? Promise.resolve([]);
    this.#durable.delete(key);
    return p;
  }

  /** Column definitions for the binlog reader's table maps (binlog_row_metadata=MINIMAL). */
  columnsAt(db: string, table: string, at: BinlogPoint): readonly ColumnMeta[] | undefined {
    return this.tracker.at(db, table, at)?.columns;
  }
}
