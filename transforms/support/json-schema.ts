import { type Schema, SchemaBuilder, Schemas } from '../../src/api/index.ts';

/**
 * Infers an optional Connect schema for a parsed JSON document, as Debezium's outbox router does for
 * `table.expand.json.payload`: objects become structs (fields in document order), integers int64,
 * other numbers float64, arrays take the schema of their first element, null an optional string.
 */
export function inferJsonSchema(value: unknown): Schema {
  if (value === null || value === undefined) return Schemas.OPTIONAL_STRING;
  if (typeof value === 'boolean') return Schemas.OPTIONAL_BOOLEAN;
  if (typeof value === 'number')
    return Number.isInteger(value) ? Schemas.OPTIONAL_INT64 : Schemas.OPTIONAL_FLOAT64;
  if (typeof value === 'string') return Schemas.OPTIONAL_STRING;
  if (Array.isArray(value)) return SchemaBuilder.array(inferJsonSchema(value[0])).optional().build();
  const b = SchemaBuilder.struct().optional();
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) b.field(k, inferJsonSchema(v));
  return b.build();
}
