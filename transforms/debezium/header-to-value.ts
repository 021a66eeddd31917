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
    doc: 'Field names, in the same order as headers.',
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

/** Debezium's HeaderToValue: the reverse of HeaderFrom, copying or moving headers into value fields. */
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
    const cache = new SchemaCache<Map<string, Schema>>();
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (!isPlainObject(record.value)) return record;
        const found = config.headers.map((h) => record.headers.findLast((x) => x.key === h));
        const value: Record<string, unknown> = { ...record.value };
        found.forEach((h, i) => {
          value[config.fields[i]!] = h?.value ?? null;
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
            const b = copySchemaBasics(valueSchema);
            for (const f of valueSchema.fields ?? []) b.field(f.name, f.schema);
            schemas.forEach((hs, i) => void b.field(config.fields[i]!, hs));
            s = b.build();
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
