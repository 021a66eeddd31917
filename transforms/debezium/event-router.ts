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
import { fullMatchReplacer } from '../support/java-regex.ts';
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
    doc: 'The int32 column holding the schema version; when set, it becomes the version of the event envelope schema (which exists only with an envelope placement, as in Debezium).',
  })
  .define({
    name: 'table.fields.additional.placement',
    type: 'list',
    default: [],
    importance: 'low',
    doc: 'Extra columns to place, as column:header|envelope|partition[:alias], e.g. type:header:eventType; partition takes the record partition from an int32 column.',
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
    doc: 'Whether a payload string holding a JSON object or array is parsed into a structured value with an inferred schema; a payload that does not parse is kept as it is.',
  })
  .define({
    name: 'table.json.payload.null.behavior',
    type: 'string',
    default: 'ignore',
    validator: oneOf(['ignore', 'optional_bytes']),
    recommended: ['ignore', 'optional_bytes'],
    importance: 'low',
    doc: 'Accepted for Debezium compatibility; JSON nulls in an expanded payload are read as optional strings.',
  })
  .define({
    name: 'tracing.span.context.field',
    type: 'string',
    default: 'tracingspancontext',
    importance: 'low',
    doc: 'Accepted for Debezium compatibility; Seam does not emit OpenTelemetry spans, so the tracing options have no effect.',
  })
  .define({
    name: 'tracing.operation.name',
    type: 'string',
    default: 'debezium-read',
    importance: 'low',
    doc: 'Accepted for Debezium compatibility; no effect (no tracing).',
  })
  .define({
    name: 'tracing.with.context.field.only',
    type: 'boolean',
    default: false,
    importance: 'low',
    doc: 'Accepted for Debezium compatibility; no effect (no tracing).',
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
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Debezium's placeholder syntax, not a template
    default: 'outbox.event.${routedByValue}',
    importance: 'low',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: as above
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
  readonly where: 'header' | 'envelope' | 'partition';
  readonly alias: string;
}

function placements(entries: readonly string[]): Placement[] {
  return entries.map((e) => {
    const [column, placement, alias] = e.split(':').map((s) => s.trim());
    const where = placement?.toLowerCase();
    if (!column || (where !== 'header' && where !== 'envelope' && where !== 'partition')) {
      throw new ConfigError([
        {
          key: 'table.fields.additional.placement',
          message: `Invalid placement '${e}': expected column:header|envelope|partition[:alias]`,
        },
      ]);
    }
    return { column, where, alias: alias || column };
  });
}

/** Debezium's name for the event envelope schema: the row schema's name with the routing value before its last part. */
function envelopeName(rowName: string | undefined, routedBy: string): string {
  if (rowName === undefined) return routedBy;
  const dot = rowName.lastIndexOf('.');
  return dot < 0
    ? `${routedBy}.${rowName}`
    : `${rowName.slice(0, dot + 1)}${routedBy}.${rowName.slice(dot + 1)}`;
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
    const route = fullMatchReplacer(
      config['route.topic.regex'],
      config['route.topic.replacement'],
      'route.topic.replacement',
    );
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
          // warn and error only differ in Debezium's log level; both skip the update.
          if (config['table.op.invalid.behavior'].toLowerCase() === 'fatal')
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
        const topic = route(String(routedBy)) ?? String(routedBy);

        let payload = row[cols.payload] ?? null;
        let payloadSchema = colSchema(cols.payload);
        // As Debezium: only a JSON object or array is expanded; anything else stays the original string.
        if (config['table.expand.json.payload'] && typeof payload === 'string' && /^[{[]/.test(payload)) {
          try {
            payload = JSON.parse(payload);
            payloadSchema = rowSchema ? inferJsonSchema(payload) : null;
          } catch {
            // Debezium logs "JSON expansion failed" and emits the payload unexpanded.
          }
        }
        let kafkaPartition = record.kafkaPartition;
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
          else if (p.where === 'partition') {
            const n = row[p.column];
            if (typeof n !== 'number' || !Number.isInteger(n))
              throw new DataError(
                `Outbox partition column '${p.column}' must hold an int32, found: ${String(n)}`,
              );
            kafkaPartition = n;
          }
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
            const k = `${payloadSchema.type}:${JSON.stringify(payloadSchema.fields?.map((f) => f.name) ?? [])}:${version}:${String(routedBy)}`;
            let s = byPayload.get(k);
            if (!s) {
              const b = SchemaBuilder.struct()
                .name(envelopeName(rowSchema.name, String(routedBy)))
                .field('payload', payloadSchema);
              for (const p of envelopeFields) b.field(p.alias, colSchema(p.column)!);
              if (version !== null) b.version(version);
              s = b.build();
              byPayload.set(k, s);
            }
            valueSchema = s;
          }
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
          kafkaPartition,
          timestamp,
          headers,
        };
      },
    };
  },
);
