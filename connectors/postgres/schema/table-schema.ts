import { createHash } from 'node:crypto';
import { envelopeSchema, type Schema, SchemaBuilder } from '../../../src/api/index.ts';
import type { ColumnRule } from '../config.ts';
import { SOURCE_SCHEMA } from '../source-info.ts';
import { withDefault } from './default-value.ts';
import { fallbackValue } from './fallback-value.ts';
import { mapType, type PgTypeInfo, type TypeOptions, type ValueMapping } from './type-mapping.ts';

/** A column as the catalog and pgoutput Relation messages describe it. */
export interface ColumnMeta {
  readonly name: string;
  readonly type: PgTypeInfo;
  readonly typmod: number;
  readonly optional: boolean;
  /** pg_get_expr of the column's DEFAULT; absent or null without one. */
  readonly defaultExpression?: string | null;
}

export interface TableMeta {
  readonly oid: number;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly ColumnMeta[];
  /** Primary-key columns (or `message.key.columns`), in key order; empty → null keys. */
  readonly keyColumns: readonly string[];
}

export interface TableSchemaOptions {
  readonly prefix: string;
  readonly delimiter: string;
  readonly types: TypeOptions;
  /** Whether `schema.table.column` is captured (column include/exclude lists). */
  readonly includeColumn: (fq: string) => boolean;
  readonly rules: readonly ColumnRule[];
  readonly placeholder: string;
}

/** A captured column: its mapping plus the mask/truncate rule that applies to it. */
interface Captured {
  readonly name: string;
  readonly mapping: ValueMapping;
  readonly rewrite: ((v: string) => string) | null;
  /** What an unchanged TOASTed value of this column becomes. */
  readonly unavailable: unknown;
  /** What a value outside the replica identity (old-key tuples) becomes: null, or the fallback if NOT NULL. */
  readonly absent: unknown;
}

/** Tuple values as decoded: text, null for SQL NULL, undefined for an unchanged TOASTed value. */
export type TextTuple = Readonly<Record<string, string | null | undefined>>;

/**
 * A table's topic name as Debezium's topic naming strategies sanitize it: every character Kafka does not
 * allow in a topic name (anything but ASCII letters, digits, `.`, `_` and `-`) becomes `_`. The schema
 * names derive from the same sanitized name, as in Debezium.
 */
export function topicName(name: string): string {
  return name.replace(/[^a-zA-Z0-9._-]/g, '_');
}

/**
 * Key, value and envelope schemas of one table and the conversion of its rows, named as Debezium
 * names them (`<prefix>.<schema>.<table>.Key|Value|Envelope`). Rebuilt whenever a Relation message or
 * the catalog says the table changed.
 */
export class TableSchema {
  readonly meta: TableMeta;
  readonly topic: string;
  readonly keySchema: Schema | null;
  readonly valueSchema: Schema;
  readonly envelopeSchema: Schema;
  readonly #columns: Captured[];

  constructor(meta: TableMeta, o: TableSchemaOptions) {
    this.meta = meta;
    const base = topicName([o.prefix, meta.schema, meta.table].join(o.delimiter));
    this.topic = base;
    this.#columns = [];
    const value = SchemaBuilder.struct().name(`${base}.Value`).optional();
    const key = SchemaBuilder.struct().name(`${base}.Key`);
    const keyNames = new Set(meta.keyColumns);
    for (const c of meta.columns) {
      const fq = `${meta.schema}.${meta.table}.${c.name}`;
      if (!keyNames.has(c.name) && !o.includeColumn(fq)) continue;
      const plain = mapType(c.type, c.typmod, c.optional, o.types);
      if (plain === null) continue;
      const mapping = withDefault(plain, c.defaultExpression, c.optional);
      const unavailable = orFallback(unavailableValue(c, mapping, o.placeholder), mapping.schema);
      const absent = orFallback(null, mapping.schema);
      this.#columns.push({ name: c.name, mapping, rewrite: rewriteFor(fq, o.rules), unavailable, absent });
      value.field(c.name, mapping.schema);
    }
    for (const k of meta.keyColumns) {
      const col = this.#columns.find((c) => c.name === k);
      if (col) key.field(k, col.mapping.schema);
    }
    this.keySchema = meta.keyColumns.length > 0 ? key.build() : null;
    this.valueSchema = value.build();
    this.envelopeSchema = envelopeSchema(`${base}.Envelope`, this.valueSchema, SOURCE_SCHEMA);
  }

  /**
   * Converts a decoded tuple to the row struct. An absent value is an unchanged TOASTed value (the
   * placeholder) in a new tuple, but a column outside the replica identity (null) in an old-key tuple.
   */
  row(tuple: TextTuple, absentIsNull = false): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const c of this.#columns) {
      const text = tuple[c.name];
      if (text === undefined) out[c.name] = absentIsNull ? c.absent : c.unavailable;
      else if (text === null) out[c.name] = null;
      else out[c.name] = c.mapping.convert(c.rewrite ? c.rewrite(text) : text);
    }
    return out;
  }

  /** Names of columns whose values are unchanged TOAST in this tuple. */
  unchangedToast(tuple: TextTuple): string[] {
    return this.#columns.filter((c) => c.name in tuple && tuple[c.name] === undefined).map((c) => c.name);
  }

  key(row: Readonly<Record<string, unknown>> | null): Record<string, unknown> | null {
    if (this.keySchema === null || row === null) return null;
    const out: Record<string, unknown> = {};
    for (const k of this.meta.keyColumns) out[k] = row[k] ?? null;
    return out;
  }
}

function orFallback(value: unknown, schema: Schema): unknown {
  return value === null && !schema.optional ? fallbackValue(schema) : value;
}

/**
 * The placeholder as Debezium emits it: text columns get the string; bytea gets the placeholder's bytes
 * (`hex:` prefix → the hex digits after it, else UTF-8) through binary.handling.mode, so a base64 or hex
 * sink column sees it encoded like any other value; text arrays a one-element array; others null.
 */
function unavailableValue(c: ColumnMeta, mapping: ValueMapping, placeholder: string): unknown {
  const schema: Schema = mapping.schema;
  if (c.type.name === 'bytea') {
    const bytes = placeholder.startsWith('hex:')
      ? Buffer.from(placeholder.slice(4), 'hex')
      : Buffer.from(placeholder, 'utf8');
    return mapping.convert(`\\x${bytes.toString('hex')}`);
  }
  if (schema.type === 'string') return placeholder;
  if (schema.type === 'array' && schema.valueSchema?.type === 'string') return [placeholder];
  return null;
}

function rewriteFor(fq: string, rules: readonly ColumnRule[]): ((v: string) => string) | null {
  const rule = rules.find((r) => r.columns.test(fq));
  if (!rule) return null;
  switch (rule.kind) {
    case 'truncate':
      return (v) => [...v].slice(0, rule.length).join('');
    case 'mask':
      return () => '*'.repeat(rule.length ?? 0);
    case 'hash':
      return (v) =>
        createHash(normalizeAlgorithm(rule.algorithm ?? 'SHA-256'))
          .update(`${rule.salt ?? ''}${v}`)
          .digest('hex');
  }
}

/** Java algorithm names (`SHA-256`) → Node's (`sha256`). */
function normalizeAlgorithm(name: string): string {
  return name.toLowerCase().replace(/-/g, '');
}
