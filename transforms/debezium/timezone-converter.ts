import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  DebeziumNames,
  LogicalNames,
  nonEmpty,
  type Schema,
} from '../../src/api/index.ts';
import { debeziumTransform } from '../support/plugin.ts';
import { isPlainObject } from '../support/record-side.ts';
import { isEnvelope } from './envelope-fields.ts';

const spec = configSpec()
  .define({
    name: 'converted.timezone',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: 'The target time zone: an IANA name (Europe/Paris) or a fixed offset (+05:30).',
  })
  .define({
    name: 'include.list',
    type: 'list',
    default: [],
    importance: 'medium',
    doc: 'Only convert these: topic:<topic>[:<field>] or source:<table>[:<field>] entries.',
  })
  .define({
    name: 'exclude.list',
    type: 'list',
    default: [],
    importance: 'medium',
    doc: 'Convert everything except these: topic:<topic>[:<field>] or source:<table>[:<field>] entries.',
  });

const EPOCH_UNITS: Readonly<Record<string, number>> = {
  [DebeziumNames.TIMESTAMP]: 1,
  [LogicalNames.TIMESTAMP]: 1,
  [DebeziumNames.MICRO_TIMESTAMP]: 1e3,
  [DebeziumNames.NANO_TIMESTAMP]: 1e6,
};

interface Rule {
  readonly by: 'topic' | 'source';
  readonly name: string;
  readonly field: string | null;
}

function rules(entries: readonly string[], key: string): Rule[] {
  return entries.map((e) => {
    const [by, name, field] = e.split(':');
    if ((by !== 'topic' && by !== 'source') || !name)
      throw new ConfigError([
        { key, message: `Invalid entry '${e}': expected topic:<name>[:<field>] or source:<table>[:<field>]` },
      ]);
    return { by, name, field: field ?? null };
  });
}

/** Offset in minutes of `zone` at instant `ms`. */
function offsetMinutes(zone: string, ms: number): number {
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 60 + Number(fixed[3]));
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(ms));
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(parts.find((p) => p.type === 'timeZoneName')?.value ?? '');
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

function isoWithOffset(ms: number, offset: number, fraction: string): string {
  const local = new Date(ms + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${fraction}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Debezium's TimezoneConverter: shows the timestamp columns of change events in another time zone. */
export const timezoneConverterPlugin = debeziumTransform(
  {
    name: 'TimezoneConverter',
    debeziumClass: 'io.debezium.transforms.TimezoneConverter',
    doc: 'Converts ZonedTimestamp strings and epoch timestamps (Timestamp, MicroTimestamp, NanoTimestamp) in the before/after rows of change events to the configured time zone.',
    configSpec: spec,
  },
  (config) => {
    const zone = config['converted.timezone'];
    try {
      offsetMinutes(zone, 0);
    } catch {
      throw new ConfigError([{ key: 'converted.timezone', message: `Unknown time zone '${zone}'` }]);
    }
    const include = rules(config['include.list'], 'include.list');
    const exclude = rules(config['exclude.list'], 'exclude.list');
    if (include.length && exclude.length)
      throw new ConfigError([
        { key: 'exclude.list', message: 'include.list and exclude.list cannot both be set' },
      ]);
    const matches = (r: Rule, topic: string, table: unknown, field: string | null) =>
      (r.by === 'topic' ? r.name === topic : r.name === table) && (r.field === null || r.field === field);
    const wanted = (topic: string, table: unknown, field: string) => {
      if (include.length) return include.some((r) => matches(r, topic, table, field));
      return !exclude.some((r) => matches(r, topic, table, field));
    };
    const convert = (v: unknown, s: Schema): unknown => {
      if (v === null || v === undefined) return v;
      if (s.name === DebeziumNames.ZONED_TIMESTAMP && typeof v === 'string') {
        const ms = Date.parse(v);
        if (Number.isNaN(ms)) return v;
        const fraction = /\.\d+/.exec(v)?.[0] ?? '';
        return isoWithOffset(ms, offsetMinutes(zone, ms), fraction);
      }
      const unit = s.name ? EPOCH_UNITS[s.name] : undefined;
      if (unit !== undefined && (typeof v === 'number' || typeof v === 'bigint')) {
        const ms = Number(v) / unit;
        const shift = offsetMinutes(zone, ms) * 60_000 * unit;
        return typeof v === 'bigint' ? v + BigInt(shift) : v + shift;
      }
      return v;
    };
    const convertRow = (row: unknown, schema: Schema | undefined, topic: string, table: unknown) => {
      if (!isPlainObject(row) || !schema?.fields) return row;
      const out: Record<string, unknown> = { ...row };
      for (const f of schema.fields)
        if (wanted(topic, table, f.name)) out[f.name] = convert(row[f.name], f.schema);
      return out;
    };
    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = record.valueSchema;
        if (schema === null || !isPlainObject(record.value)) return record;
        if (!include.length && exclude.some((r) => r.field === null && matches(r, record.topic, null, null)))
          return record;
        if (!isEnvelope(schema, record.value)) {
          return { ...record, value: convertRow(record.value, schema, record.topic, null) };
        }
        const env = record.value;
        const table = isPlainObject(env.source) ? env.source.table : null;
        const rowSchema = (n: string) => schema.fields?.find((f) => f.name === n)?.schema;
        const value = {
          ...env,
          before: convertRow(env.before, rowSchema('before'), record.topic, table),
          after: convertRow(env.after, rowSchema('after'), record.topic, table),
        };
        return { ...record, value };
      },
    };
  },
);
