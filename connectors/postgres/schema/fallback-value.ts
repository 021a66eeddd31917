import { LogicalNames, type Schema } from '../../../src/api/index.ts';

/**
 * The value Debezium writes for a NOT NULL column whose value the WAL does not carry (the columns
 * outside the replica identity in a DELETE's or key change's old row under REPLICA IDENTITY DEFAULT):
 * the schema's default when it has one, else the type's zero (JdbcValueConverters' "fallback"). A null
 * there would break the required schema, and a converter would refuse the whole event.
 */
export function fallbackValue(schema: Schema): unknown {
  if (schema.defaultValue !== undefined) return schema.defaultValue;
  if (schema.name === LogicalNames.DECIMAL)
    return { unscaled: 0n, scale: Number(schema.parameters?.['scale'] ?? 0) };
  switch (schema.type) {
    case 'int8':
    case 'int16':
    case 'int32':
    case 'int64':
    case 'float32':
    case 'float64':
      return 0;
    case 'boolean':
      return false;
    case 'string':
      return '';
    case 'bytes':
      return new Uint8Array(0);
    case 'array':
      return [];
    case 'map':
      return {};
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const f of schema.fields ?? []) out[f.name] = f.schema.optional ? null : fallbackValue(f.schema);
      return out;
    }
  }
}
