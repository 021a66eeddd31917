import {
  type ConnectRecord,
  configSpec,
  DataError,
  type DecimalValue,
  LogicalNames,
  type Schema,
} from '../src/api/index.ts';
import { type CastTarget, castValue } from './support/cast-value.ts';
import {
  FIELD_PATH_KEYS,
  fieldsKey,
  PathTree,
  parsePath,
  rewriteMap,
  rewriteStruct,
} from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import { rebuildSide, type SideRebuild } from './support/record-side.ts';

const spec = configSpec()
  .define(fieldsKey('Names of fields to mask.'))
  .define({
    name: 'replacement',
    type: 'string',
    importance: 'low',
    doc: "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
  })
  .merge(FIELD_PATH_KEYS);

/** The "null-equivalent" of a value as Kafka's MaskField: 0, false, "", empty list/map, epoch, decimal zero. */
function emptyOf(value: unknown, schema: Schema | null): unknown {
  if (
    schema?.name === LogicalNames.DECIMAL ||
    (typeof value === 'object' && value !== null && typeof (value as DecimalValue).unscaled === 'bigint')
  ) {
    return { unscaled: 0n, scale: (value as DecimalValue).scale };
  }
  if (typeof value === 'boolean') return false;
  if (typeof value === 'number') return 0;
  if (typeof value === 'bigint') return 0n;
  if (typeof value === 'string') return '';
  if (value instanceof Date) return new Date(0);
  if (Array.isArray(value)) return [];
  if (value instanceof Map) return new Map();
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) return {};
  throw new DataError(`Cannot mask value of type ${value instanceof Uint8Array ? 'bytes' : typeof value}`);
}

const NUMERIC = new Set(['int8', 'int16', 'int32', 'int64', 'float32', 'float64']);

/** A custom replacement applies to numeric and string fields only, converted to the field's type. */
function replaced(value: unknown, schema: Schema | null, replacement: string): unknown {
  const inferred =
    typeof value === 'number'
      ? Number.isInteger(value)
        ? 'int64'
        : 'float64'
      : typeof value === 'bigint'
        ? 'int64'
        : typeof value;
  const type = schema === null ? inferred : schema.name === undefined ? schema.type : schema.name;
  if (type === 'string') return replacement;
  if (NUMERIC.has(type)) return castValue(replacement, null, type as CastTarget);
  throw new DataError(`Cannot mask value of type ${type} with custom replacement`);
}

/** Kafka's MaskField: replaces listed fields with an empty value of their type, or a configured replacement. */
export const maskFieldPlugins = keyValueTransforms(
  {
    name: 'MaskField',
    doc: 'Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on). For numeric and string fields, an optional replacement value can be specified that is converted to the correct type.',
    configSpec: spec,
  },
  (config, side) => {
    const syntax = config['field.syntax.version'];
    const tree = PathTree.of(config.fields.map((f) => [parsePath(f, syntax), true] as const));
    const replacement = config.replacement;
    const replaceNull = config['replace.null.with.default'];
    const mask = (v: unknown, s: Schema | null) =>
      v === null || v === undefined
        ? null
        : replacement === null
          ? emptyOf(v, s)
          : replaced(v, s, replacement);
    const how: SideRebuild = {
      purpose: 'mask fields',
      map: (map) => rewriteMap(map, tree, (v) => mask(v, null)),
      schema: (schema) => schema,
      struct: (struct, schema) => rewriteStruct(struct, schema, tree, (v, s) => mask(v, s), replaceNull),
    };
    return { apply: <R extends ConnectRecord>(record: R): R => rebuildSide(record, side, how) };
  },
);
