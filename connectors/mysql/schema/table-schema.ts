import { envelopeSchema, type Schema, SchemaBuilder } from '../../../src/api/index.ts';
import type { ColumnMeta } from './column.ts';
import { type ColumnMapping, mapColumn, type TypeOptions } from './type-mapping.ts';

/** A captured table as information_schema describes it. */
export interface TableMeta {
  readonly db: string;
  readonly table: string;
  readonly columns: readonly ColumnMeta[];
  /** Primary-key column names in key order; empty when the table has none. */
  readonly keyColumns: readonly string[];
  /** The table's default character set (for columns added later without one). */
  readonly charset?: string | null;
}

export interface TableSchemaOptions {
  readonly prefix: string;
  readonly types: TypeOptions;
  /** Column filter (column.include.list / exclude.list) on `db.table.column`. */
  readonly includeColumn: (fq: string) => boolean;
  readonly sourceSchema: Schema;
  /** Called once per column whose type is not captured yet. */
  readonly onUnsupported?: (column: string, type: string) => void;
}

interface Col {
  readonly name: string;
  readonly mapping: ColumnMapping;
}

/**
 * The Connect schemas of one table (`<prefix>.<db>.<table>.Key|Value|Envelope`) and the conversion of
 * a row into key and value structs. Rows are looked up by column name, never by position: the binlog
 * reader names columns from the binlog's own metadata (binlog_row_metadata=FULL) or information_schema,
 * so a column added or dropped between two schema loads yields a null or is ignored, never a value
 * under another column's name.
 */
export class TableSchema {
  readonly meta: TableMeta;
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly envelope: Schema;
  readonly #columns: Col[];
  readonly #keys: Col[];

  constructor(meta: TableMeta, o: TableSchemaOptions) {
    this.meta = meta;
    // Kafka topic and Avro names allow [A-Za-z0-9._-] only; Debezium replaces anything else by '_'.
    const base = `${o.prefix}.${meta.db}.${meta.table}`.replace(/[^A-Za-z0-9._-]/g, '_');
    this.topic = base;
    const keySet = new Set(meta.keyColumns);
    this.#columns = [];
    for (const c of meta.columns) {
      if (!keySet.has(c.name) && !o.includeColumn(`${meta.db}.${meta.table}.${c.name}`)) continue;
      const mapping = mapColumn(c, o.types);
      if (!mapping) {
        o.onUnsupported?.(c.name, c.columnType);
        continue;
      }
      this.#columns.push({ name: c.name, mapping });
    }
    const value = SchemaBuilder.struct().name(`${base}.Value`).optional();
    for (const c of this.#columns) value.field(c.name, c.mapping.schema);
    this.valueSchema = value.build();
    this.#keys = meta.keyColumns
      .map((k) => this.#columns.find((c) => c.name === k))
      .filter((c): c is Col => c !== undefined);
    if (this.#keys.length > 0) {
      const key = SchemaBuilder.struct().name(`${base}.Key`);
      for (const c of this.#keys) key.field(c.name, c.mapping.schema);
      this.keySchema = key.build();
    } else {
      this.keySchema = null;
    }
    this.envelope = envelopeSchema(`${base}.Envelope`, this.valueSchema, o.sourceSchema);
  }

  /** The value struct of a row keyed by column name. */
  value(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.#columns) out[c.name] = convert(c, row[c.name]);
    return out;
  }

  /** The key struct (from an already converted value), or null for a table without primary key. */
  key(value: Readonly<Record<string, unknown>>): Record<string, unknown> | null {
    if (this.#keys.length === 0) return null;
    const out: Record<string, unknown> = {};
    for (const c of this.#keys) out[c.name] = value[c.name];
    return out;
  }

  /** Whether two converted keys differ (a primary-key update). */
  keyChanged(
    a: Readonly<Record<string, unknown>> | null,
    b: Readonly<Record<string, unknown>> | null,
  ): boolean {
    if (!a || !b) return false;
    for (const c of this.#keys) if (!sameValue(a[c.name], b[c.name])) return true;
    return false;
  }
}

function convert(c: Col, raw: unknown): unknown {
  return raw === null || raw === undefined ? null : c.mapping.convert(raw);
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0;
  if (a && b && typeof a === 'object' && typeof b === 'object')
    return JSON.stringify(a, big) === JSON.stringify(b, big);
  return a === b;
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}
