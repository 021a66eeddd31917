import type { FieldPlan, GetDescription, PlanField } from '../src/api/field-plan.ts';
import {
  type ConnectRecord,
  configSpec,
  DataError,
  type Schema,
  Schemas,
  timestampSchema,
} from '../src/api/index.ts';
import { REPLACE_NULL_KEY } from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import { bothForms, rebuildSide, type SideRebuild } from './support/record-side.ts';
import { copySchemaBasics, hasFieldDefaults, SchemaCache } from './support/schema-util.ts';
import { type Copier, compileCopier, readField } from './support/struct-copier.ts';

interface Plan {
  readonly schema: Schema;
  readonly copy: Copier<ConnectRecord>;
  readonly fields: FieldPlan;
}

const suffixDoc = 'Suffix with ! to make this a required field, or ? to keep it optional (the default).';
const spec = configSpec()
  .define({
    name: 'topic.field',
    type: 'string',
    importance: 'medium',
    doc: `Field name for Kafka topic. ${suffixDoc}`,
  })
  .define({
    name: 'partition.field',
    type: 'string',
    importance: 'medium',
    doc: `Field name for Kafka partition. ${suffixDoc}`,
  })
  .define({
    name: 'offset.field',
    type: 'string',
    importance: 'medium',
    doc: `Field name for Kafka offset - only applicable to sink connectors. ${suffixDoc}`,
  })
  .define({
    name: 'timestamp.field',
    type: 'string',
    importance: 'medium',
    doc: `Field name for record timestamp. ${suffixDoc}`,
  })
  .define({
    name: 'static.field',
    type: 'string',
    importance: 'medium',
    doc: `Field name for static data field. ${suffixDoc}`,
  })
  .define({
    name: 'static.value',
    type: 'string',
    importance: 'medium',
    doc: 'Static field value, if field name configured.',
  })
  .define(REPLACE_NULL_KEY);

interface InsertSpec {
  readonly name: string;
  readonly optional: boolean;
}

function insertSpec(text: string | null): InsertSpec | null {
  if (text === null || text === '') return null;
  if (text.endsWith('!')) return { name: text.slice(0, -1), optional: false };
  if (text.endsWith('?')) return { name: text.slice(0, -1), optional: true };
  return { name: text, optional: true };
}

const PURPOSE = 'field insertion';

/** Kafka's InsertField: adds topic/partition/offset/timestamp/static fields to a struct or map. */
export const insertFieldPlugins = keyValueTransforms(
  {
    name: 'InsertField',
    doc: 'Insert field(s) using attributes from the record metadata or a configured static value.',
    configSpec: spec,
  },
  (config, side) => {
    const topic = insertSpec(config['topic.field']);
    const partition = insertSpec(config['partition.field']);
    const offset = insertSpec(config['offset.field']);
    const timestamp = insertSpec(config['timestamp.field']);
    const staticField = insertSpec(config['static.field']);
    const staticValue = config['static.value'];
    const replaceNull = config['replace.null.with.default'];
    const cache = new SchemaCache<Plan>();

    const buildSchema = (schema: Schema): Schema => {
      const b = copySchemaBasics(schema);
      for (const f of schema.fields ?? []) b.field(f.name, f.schema);
      const opt = (s: InsertSpec, req: Schema, optional: Schema) =>
        b.field(s.name, s.optional ? optional : req);
      if (topic) opt(topic, Schemas.STRING, Schemas.OPTIONAL_STRING);
      if (partition) opt(partition, Schemas.INT32, Schemas.OPTIONAL_INT32);
      if (offset) opt(offset, Schemas.INT64, Schemas.OPTIONAL_INT64);
      if (timestamp) opt(timestamp, timestampSchema().build(), timestampSchema().optional().build());
      if (staticField) opt(staticField, Schemas.STRING, Schemas.OPTIONAL_STRING);
      return b.build();
    };

    const offsetOf = (record: ConnectRecord): number => {
      const o = (record as { kafkaOffset?: unknown }).kafkaOffset;
      if (typeof o !== 'number')
        throw new DataError(`Only SinkRecord supported for [${PURPOSE}], found: SourceRecord`);
      return o;
    };

    // The inserted fields, read from the record in this order (a source record fails on the offset).
    const inserted: PlanField[] = [];
    const insert = (s: InsertSpec | null, get: (r: ConnectRecord) => unknown, is?: GetDescription) => {
      if (s) inserted.push(is ? { name: s.name, get, is } : { name: s.name, get });
    };
    insert(topic, (r) => r.topic, { path: ['topic'] });
    insert(partition, (r) => r.kafkaPartition, { path: ['kafkaPartition'] });
    insert(offset, offsetOf);
    insert(timestamp, (r) => r.timestamp, { path: ['timestamp'] });
    insert(staticField, () => staticValue, { constant: staticValue });

    /** Without field defaults to apply, the struct is spread (all its keys); else copied field by field. */
    const plan = (schema: Schema): Plan => {
      const spread = !(replaceNull && hasFieldDefaults(schema));
      const fields = spread ? [] : schema.fields!.map((f) => readField(f, replaceNull));
      const out = buildSchema(schema);
      const struct = { spread, fields: [...fields, ...inserted] };
      return { schema: out, copy: compileCopier(struct), fields: { schema: out, struct } };
    };
    const fieldPlan = (schema: Schema): FieldPlan | null =>
      schema.type === 'struct' ? cache.get(schema, plan).fields : null;

    const how: SideRebuild = {
      purpose: PURPOSE,
      map: (map, record) => {
        const out: Record<string, unknown> = { ...map };
        if (topic) out[topic.name] = record.topic;
        if (partition && record.kafkaPartition !== null) out[partition.name] = record.kafkaPartition;
        if (offset) out[offset.name] = offsetOf(record);
        if (timestamp && record.timestamp !== null) out[timestamp.name] = record.timestamp;
        if (staticField) out[staticField.name] = staticValue;
        return out;
      },
      schema: (schema) => cache.get(schema, plan).schema,
      struct: (struct, schema, record) => cache.get(schema, plan).copy(struct, record),
    };

    return bothForms(
      <R extends ConnectRecord>(record: R, inPlace: boolean): R => rebuildSide(record, side, how, inPlace),
      side === 'value' ? { fieldPlan } : {},
    );
  },
);
