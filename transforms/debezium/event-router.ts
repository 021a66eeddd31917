import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  DataError,
  FatalError,
  type Header,
  oneOf,
  regex,
  type Schema,
  SchemaBuilder,
} from '../../src/api/index.ts';
import { compileReplacement, fullMatchRegex, groupCount } from '../support/java-regex.ts';
import { inferJsonSchema } from '../support/json-schema.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { isPlainObject } from '../support/record-side.ts';
import { SchemaCache } from '../support/schema-util.ts';
import { isEnvelope } from './envelope-fields.ts';

const spec = configSpec()
  .define({
    name: 'table.field.event.id',
    type: 'string',
    default: 'id',
    importance: 'low',
    doc: 'The column which contains the event ID within the outbox table; added as the "id" header.',
  })
  .define({
    name: 'table.field.event.key',
    type: 'string',
    default: 'aggregateid',
    importance: 'low',
    doc: 'The column which contains the event key within the outbox table.',
  })
  .define({
    name: 'table.field.event.timestamp',
    type: 'string',
    default: '',
    importance: 'low',
    doc: 'Optionally the column containing the event timestamp; when empty, the envelope ts_ms is used.',
  })
  .define({
    name: 'table.field.event.payload',
    type: 'string',
    default: 'payload',
    importance: 'low',
    doc: 'The column which contains the event payload within the outbox table.',
  })
  .define({
    name: 'table.field.event.schema.version',
    type: 'string',
    default: '',
    importance: 'low',
    doc: 'The column holding the schema version of the payload; when set, it becomes the value schema version.',
  })
  .define({
    name: 'table.fields.additional.placement',
    type: 'list',
    default: [],
    importance: 'low',
    doc: 'Extra columns to place, as column:header|envelope[:alias], e.g. type:header:eventType.',
  })
  .define({
    name: 'table.fields.additional.error.on.missing',
    type: 'boolean',
    default: true,
    importance: 'low',
    doc: 'Whether a missing additional column is an error (else it is skipped).',
  })
  .define({
    name: 'table.expand.json.payload',
    type: 'boolean',
    default: false,
    importance: 'medium',
    doc: 'Whether a JSON string payload is parsed into a structured value with an inferred schema.',
  })
  .define({
    name: 'table.op.invalid.behavior',
    type: 'string',
    default: 'warn',
    validator: oneOf(['warn', 'error', 'fatal']),
    recommended: ['warn', 'error', 'fatal'],
    importance: 'low',
    doc: 'What to do with an UPDATE on the outbox table: warn and error skip the record, fatal fails the task.',
  })
  .define({
    name: 'route.by.field',
    type: 'string',
    default: 'aggregatetype',
    importance: 'low',
    doc: 'The column whose value decides the destination topic.',
  })
  .define({
    name: 'route.topic.regex',
    type: 'string',
    default: '(?<routedByValue>.*)',
    validator: regex(),
    importance: 'low',
    doc: 'The regex applied to the route.by.field value; its groups can be used in route.topic.replacement.',
  })
  .define({
    name: 'route.topic.replacement',
    type: 'string',
    default: 'outbox.event.${routedByValue}',
    importance: 'low',
    doc: 'The destination topic, with ${routedByValue} (or $1 …) replaced from route.topic.regex.',
  })
  .define({
    name: 'route.tombstone.on.empty.payload',
    type: 'boolean',
    default: false,
    importance: 'low',
    doc: 'Whether a null or empty payload produces a tombstone (null value without schema).',
  });

interface Placement {
  readonly column: string;
  readonly where: 'header' | 'envelope';
  readonly alias: string;
}

function placements(entries: readonly string[]): Placement[] {
  return entries.map((e) => {
    const [column, where, alias] = e.split(':').map((s) => s.trim());
    if (!column || (where !== 'header' && where !== 'envelope')) {
      throw new ConfigError([
        {
          key: 'table.fields.additional.placement',
          message: `Invalid placement '${e}': expected column:header|envelope[:alias]`,
        },
      ]);
    }
    return { column, where, alias: alias || column };
  });
}

/** Debezium's outbox EventRouter: turns inserts into an outbox table into domain events on per-aggregate topics. */
export const eventRouterPlugin = debeziumTransform(
  {
    name: 'EventRouter',
    debeziumClass: 'io.debezium.transforms.outbox.EventRouter',
    doc: 'Outbox pattern router: each insert into the outbox table becomes an event whose key, payload, id header and topic come from the configured columns. Deletes and tombstones are dropped; updates follow table.op.invalid.behavior.',
    configSpec: spec,
  },
  (config) => {
    const re = fullMatchRegex(config['route.topic.regex']);
    let replace: (m: RegExpExecArray) => string;
    try {
      replace = compileReplacement(config['route.topic.replacement'], groupCount(re));
    } catch (e) {
      throw new ConfigError([{ key: 'route.topic.replacement', message: (e as Error).message }]);
    }
    const extra = placements(config['table.fields.additional.placement']);
    const envelopeFields = extra.filter((p) => p.where === 'envelope');
    const cols = {
      id: config['table.field.event.id'],
      key: config['table.field.event.key'],
      ts: config['table.field.event.timestamp'],
      payload: config['table.field.event.payload'],
      version: config['table.field.event.schema.version'],
    };
    const valueSchemas = new SchemaCache<Map<string, Schema>>();

    return {
      apply<R extends ConnectRecord>(record: R): R | null {
        if (record.value === null || record.value === undefined) return null;
        const envSchema = record.valueSchema;
        if (!isEnvelope(envSchema, record.value)) return record;
        const envelope = record.value;
        if (envelope.op === 'd') return null;
        if (envelope.op === 'u') {
          if (config['table.op.invalid.behavior'] === 'fatal')
            throw new FatalError('Unexpected update event on the outbox table; only inserts are supported');
          return null;
        }
        const row = envelope.after;
        if (!isPlainObject(row)) return null;
        const rowSchema = envSchema?.fields?.find((f) => f.name === 'after')?.schema ?? null;
        const colSchema = (c: string) => rowSchema?.fields?.find((f) => f.name === c)?.schema ?? null;
        const has = (c: string) => (rowSchema ? colSchema(c) !== null : c in row);

        if (!has(cols.payload)) throw new DataError(`Outbox row has no payload column '${cols.payload}'`);
        const routedBy = row[config['route.by.field']];
        if (routedBy === null || routedBy === undefined)
          throw new DataError(`Outbox row has no value in route.by.field '${config['route.by.field']}'`);
        const m = re.exec(String(routedBy));
        const topic = m ? replace(m) : String(routedBy);

        let payload = row[cols.payload] ?? null;
        let payloadSchema = colSchema(cols.payload);
        if (config['table.expand.json.payload'] && typeof payload === 'string' && payload.trim() !== '') {
          try {
            payload = JSON.parse(payload);
            payloadSchema = rowSchema ? inferJsonSchema(payload) : null;
          } catch (e) {
            throw new DataError(`Cannot expand the outbox payload as JSON: ${(e as Error).message}`);
          }
        }
        const headers: Header[] = [...record.headers];
        if (has(cols.id))
          headers.push({ key: 'id', value: row[cols.id] ?? null, schema: colSchema(cols.id) });
        for (const p of extra) {
          if (!has(p.column)) {
            if (config['table.fields.additional.error.on.missing'])
              throw new DataError(`Outbox row has no column '${p.column}'`);
            continue;
          }
          if (p.where === 'header')
            headers.push({ key: p.alias, value: row[p.column] ?? null, schema: colSchema(p.column) });
        }

        const version = cols.version !== '' && row[cols.version] != null ? Number(row[cols.version]) : null;
        let valueSchema: Schema | null = payloadSchema;
        let value: unknown = payload;
        if (envelopeFields.length > 0) {
          value = {
            payload,
            ...Object.fromEntries(envelopeFields.map((p) => [p.alias, row[p.column] ?? null])),
          };
          if (payloadSchema && rowSchema) {
            const byPayload = valueSchemas.get(rowSchema, () => new Map());
            const k = `${payloadSchema.type}:${JSON.stringify(payloadSchema.fields?.map((f) => f.name) ?? [])}:${version}`;
            let s = byPayload.get(k);
            if (!s) {
              const b = SchemaBuilder.struct().field('payload', payloadSchema);
              for (const p of envelopeFields) b.field(p.alias, colSchema(p.column)!);
              if (version !== null) b.version(version);
              s = b.build();
              byPayload.set(k, s);
            }
            valueSchema = s;
          }
        } else if (valueSchema && version !== null) {
          valueSchema = Object.freeze({ ...valueSchema, version });
        }
        const emptyPayload = payload === null || payload === '';
        if (emptyPayload && config['route.tombstone.on.empty.payload']) {
          valueSchema = null;
          value = null;
        }
        const tsRaw = cols.ts !== '' ? row[cols.ts] : envelope.ts_ms;
        const timestamp = tsRaw === null || tsRaw === undefined ? record.timestamp : Number(tsRaw);
        return {
          ...record,
          topic,
          keySchema: has(cols.key) ? colSchema(cols.key) : record.keySchema,
          key: has(cols.key) ? (row[cols.key] ?? null) : record.key,
          valueSchema,
          value,
          timestamp,
          headers,
        };
      },
    };
  },
);
