import { DebeziumNames, LogicalNames, type Schema } from '../../src/api/index.ts';

/** The soft-delete marker field (decision record 2026-11-23-es-sink-ordering-and-deletes). */
export const DELETED_FIELD = '__seam_deleted';

export type FieldMapping = Readonly<Record<string, unknown>>;

/**
 * Index mappings from a Connect schema, matching what json-document.ts writes:
 * - Connect Date/Timestamp and Debezium Date/Timestamp/MicroTimestamp/NanoTimestamp/ZonedTimestamp/
 *   IsoDate/IsoTimestamp → `date` (ISO text; Elasticsearch indexes milliseconds, `_source` keeps all digits);
 * - times of day (Time, MicroTime, NanoTime, ZonedTime, IsoTime) → `keyword` (`HH:mm:ss.ffffff` sorts right);
 * - Decimal and VariableScaleDecimal → `double` (the exact text stays in `_source`);
 * - Debezium Json → `flattened` (any JSON object without a mapping explosion); Xml → `text`;
 *   Uuid, Enum, EnumSet, Ltree, Interval → `keyword`; Bits → `binary`; MicroDuration → `long`;
 * - primitives as Confluent maps them; strings as `text` with a `keyword` sub-field.
 */
export function indexMapping(
  documentSchema: Schema,
  compactMaps: boolean,
): { properties: Record<string, FieldMapping> } {
  const properties = structProperties(documentSchema, compactMaps);
  properties[DELETED_FIELD] = { type: 'boolean' };
  return { properties };
}

function structProperties(schema: Schema, compact: boolean): Record<string, FieldMapping> {
  const out: Record<string, FieldMapping> = {};
  for (const f of schema.fields ?? []) out[f.name] = fieldMapping(f.schema, compact);
  return out;
}

export function fieldMapping(schema: Schema, compact: boolean): FieldMapping {
  const logical = schema.name ? LOGICAL[schema.name] : undefined;
  if (logical) return logical;
  switch (schema.type) {
    case 'int8':
      return { type: 'byte' };
    case 'int16':
      return { type: 'short' };
    case 'int32':
      return { type: 'integer' };
    case 'int64':
      return { type: 'long' };
    case 'float32':
      return { type: 'float' };
    case 'float64':
      return { type: 'double' };
    case 'boolean':
      return { type: 'boolean' };
    case 'string':
      return TEXT;
    case 'bytes':
      return { type: 'binary' };
    case 'array':
      // Elasticsearch has no array type: any field holds one or many values of its type.
      return schema.valueSchema ? fieldMapping(schema.valueSchema, compact) : { type: 'object' };
    case 'map':
      if (compact && schema.keySchema?.type === 'string') return { type: 'object' };
      return {
        type: 'object',
        properties: {
          key: schema.keySchema ? fieldMapping(schema.keySchema, compact) : TEXT,
          value: schema.valueSchema ? fieldMapping(schema.valueSchema, compact) : { type: 'object' },
        },
      };
    case 'struct':
      return { properties: structProperties(schema, compact) };
  }
}

const TEXT: FieldMapping = { type: 'text', fields: { keyword: { type: 'keyword', ignore_above: 256 } } };
const DATE: FieldMapping = { type: 'date' };
const KEYWORD: FieldMapping = { type: 'keyword' };

const LOGICAL: Readonly<Record<string, FieldMapping>> = {
  [LogicalNames.DECIMAL]: { type: 'double' },
  [LogicalNames.DATE]: DATE,
  [LogicalNames.TIMESTAMP]: DATE,
  [LogicalNames.TIME]: KEYWORD,
  [DebeziumNames.DATE]: DATE,
  [DebeziumNames.TIMESTAMP]: DATE,
  [DebeziumNames.MICRO_TIMESTAMP]: DATE,
  [DebeziumNames.NANO_TIMESTAMP]: DATE,
  [DebeziumNames.ZONED_TIMESTAMP]: DATE,
  [DebeziumNames.ISO_DATE]: DATE,
  [DebeziumNames.ISO_TIMESTAMP]: DATE,
  [DebeziumNames.TIME]: KEYWORD,
  [DebeziumNames.MICRO_TIME]: KEYWORD,
  [DebeziumNames.NANO_TIME]: KEYWORD,
  [DebeziumNames.ZONED_TIME]: KEYWORD,
  [DebeziumNames.ISO_TIME]: KEYWORD,
  [DebeziumNames.MICRO_DURATION]: { type: 'long' },
  [DebeziumNames.INTERVAL]: KEYWORD,
  [DebeziumNames.YEAR]: { type: 'integer' },
  [DebeziumNames.VARIABLE_SCALE_DECIMAL]: { type: 'double' },
  [DebeziumNames.JSON]: { type: 'flattened' },
  [DebeziumNames.UUID]: KEYWORD,
  [DebeziumNames.XML]: { type: 'text' },
  [DebeziumNames.BITS]: { type: 'binary' },
  [DebeziumNames.ENUM]: KEYWORD,
  [DebeziumNames.ENUM_SET]: KEYWORD,
  [DebeziumNames.LTREE]: KEYWORD,
};
