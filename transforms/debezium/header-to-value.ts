import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  nonEmptyList,
  oneOf,
  type Schema,
} from '../../src/api/index.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { isPlainObject } from '../support/record-side.ts';
import { asOptional, copySchemaBasics, SchemaCache } from '../support/schema-util.ts';
import { parseLiteral } from '../support/values.ts';

const spec = configSpec()
  .define({
    name: 'headers',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc: 'Header names whose values are copied or moved into the value.',
  })
  .define({
    name: 'fields',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc: 'Field names, in the same order as headers; a dotted name (source.id) adds the field inside that nested struct.',
  })
  .define({
    name: 'operation',
    type: 'string',
    required: true,
    validator: oneOf(['move', 'copy']),
    recommended: ['move', 'copy'],
    importance: 'high',
    doc: 'move removes the headers, copy keeps them.',
  });

/** `value` with `v` set at `path`; a missing or non-struct parent level leaves the value unchanged. */
function withField(
  value: Readonly<Record<string, unknown>>,
  path: readonly string[],
  v: unknown,
): Readonly<Record<string, unknown>> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...value, [head]: v };
  const inner = value[head];
  return isPlainObject(inner) ? { ...value, [head]: withField(inner, rest, v) } : value;
}

/** `schema` with a field of schema `s` added at `path` (inside nested structs, keeping their metadata). */
function withFieldSchema(schema: Schema, path: readonly string[], s: Schema): Schema {
  const [head, ...rest] = path as [string, ...string[]];
  const b = copySchemaBasics(schema);
  if (schema.optional) b.optional();
  for (const f of schema.fields ?? []) {
    const nested = rest.length > 0 && f.name === head && f.schema.type === 'struct';
    b.field(f.name, nested ? withFieldSchema(f.schema, rest, s) : f.schema);
  }
  if (rest.length === 0) b.field(head, s);
  return b.build();
}

/**
 * Debezium's HeaderToValue: the reverse of HeaderFrom, copying or moving headers into value fields. A dotted
 * field name puts the header inside a nested struct (`source.id` adds `id` to `source`), as Debezium does;
 * when that struct is absent (or null in this record) nothing is added there.
 */
export const headerToValuePlugin = debeziumTransform(
  {
    name: 'HeaderToValue',
    debeziumClass: 'io.debezium.transforms.HeaderToValue',
    doc: 'Copies or moves record headers into fields of the value.',
    configSpec: spec,
  },
  (config) => {
    if (config.headers.length !== config.fields.length) {
      throw new ConfigError([
        { key: 'fields', message: "'fields' must have the same number of elements as 'headers'" },
      ]);
    }
    const move = config.operation.toLowerCase() === 'move';
    const names = new Set(config.headers);
    const paths = config.fields.map((f) => f.split('.'));
    const cache = new SchemaCache<Map<string, Schema>>();
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (!isPlainObject(record.value)) return record;
        const found = config.headers.map((h) => record.headers.findLast((x) => x.key === h));
        let value: Readonly<Record<string, unknown>> = record.value;
        found.forEach((h, i) => {
          value = withField(value, paths[i]!, h?.value ?? null);
        });
        let valueSchema = record.valueSchema;
        if (valueSchema) {
          const schemas = found.map((h) =>
            asOptional(h?.schema ?? parseLiteral(String(h?.value ?? '')).schema),
          );
          const sig = schemas.map((s) => s.type + (s.name ?? '')).join(',');
          const byHeaders = cache.get(valueSchema, () => new Map());
          let s = byHeaders.get(sig);
          if (!s) {
            s = schemas.reduce((acc, hs, i) => withFieldSchema(acc, paths[i]!, hs), valueSchema);
            byHeaders.set(sig, s);
          }
          valueSchema = s;
        }
        const headers = move ? record.headers.filter((h) => !names.has(h.key)) : record.headers;
        return { ...record, valueSchema, value, headers };
      },
    };
  },
);
