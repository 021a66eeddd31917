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
import { formatOffset, isKnownZone, offsetAt, offsetForLocal } from '../support/zone-offset.ts';

const RULES_DOC =
  'source:<table>[:<field>], topic:<topic>[:<field>] or <table-or-topic>:<field>; an entry without a prefix after a prefixed one continues it (source:t1,t2). A field may be prefixed before., after. or source.';
const spec = configSpec()
  .define({
    name: 'converted.timezone',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: 'The target time zone: a geographic id (America/Los_Angeles) or a UTC offset +/-hh:mm (+08:00).',
  })
  .define({
    name: 'include.list',
    type: 'list',
    default: [],
    importance: 'high',
    doc: `Only convert what these rules match: ${RULES_DOC}`,
  })
  .define({
    name: 'exclude.list',
    type: 'list',
    default: [],
    importance: 'high',
    doc: `Convert everything except what these rules match: ${RULES_DOC}`,
  });

/** Epoch types and how many of their units make a second. */
const EPOCH_UNITS: Readonly<Record<string, number>> = {
  [DebeziumNames.TIMESTAMP]: 1e3,
  [LogicalNames.TIMESTAMP]: 1e3,
  [DebeziumNames.MICRO_TIMESTAMP]: 1e6,
  [DebeziumNames.NANO_TIMESTAMP]: 1e9,
};
const SUPPORTED = new Set([
  ...Object.keys(EPOCH_UNITS),
  DebeziumNames.ZONED_TIMESTAMP,
  DebeziumNames.ZONED_TIME,
]);

/** Debezium's check of the whole list printed as `[a, b]`: every entry has a `:` unless it continues one. */
const LIST_PATTERN = /^\[(source|topic|[".\w\s_]+):([".\w\s_]+(?::[".\w\s_]+)?(?:,|]$))+$/;

type Rules = Readonly<Record<'topic' | 'source' | 'any', Map<string, Set<string>>>>;

function parseRules(entries: readonly string[], key: string): Rules {
  if (!LIST_PATTERN.test(`[${entries.join(', ')}]`))
    throw new ConfigError([
      {
        key,
        message: `Invalid ${key} format: expected source:<table>[:<field>], topic:<topic>[:<field>] or <name>:<field> rules`,
      },
    ]);
  const rules: Rules = { topic: new Map(), source: new Map(), any: new Map() };
  let prefix: string | null = null;
  for (const item of entries) {
    const parts = item.split(':');
    let name = parts[0]!;
    let field: string | undefined;
    const head = parts[0]!.toLowerCase();
    if (parts.length >= 2 && (head === 'source' || head === 'topic')) {
      // Debezium compares the remembered prefix case-sensitively, so `TOPIC:` rules match by either name.
      prefix = parts[0]!;
      name = parts[1]!;
      field = parts[2];
    } else if (parts.length >= 2) field = parts[1];
    const map = prefix === 'topic' ? rules.topic : prefix === 'source' ? rules.source : rules.any;
    const fields = map.get(name) ?? new Set<string>();
    if (field !== undefined) fields.add(field);
    map.set(name, fields);
  }
  return rules;
}

/** The fields of the rule matching the record (topic rules first, then table, then unprefixed), or null. */
function matchRule(rules: Rules, topic: string, table: string | null): Set<string> | null {
  return (
    rules.topic.get(topic) ??
    (table !== null ? rules.source.get(table) : undefined) ??
    rules.any.get(topic) ??
    (table !== null ? rules.any.get(table) : undefined) ??
    null
  );
}

const ZONED_TS =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/i;
const ZONED_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/i;

const fraction = (digits: string | undefined) => {
  const f = (digits ?? '').replace(/0+$/, '');
  return f ? `.${f}` : '';
};
const offsetSecs = (text: string) => (text.toUpperCase() === 'Z' ? 0 : offsetAt(text, 0));

/** Debezium's TimezoneConverter: shows the time columns of change events in another time zone. */
export const timezoneConverterPlugin = debeziumTransform(
  {
    name: 'TimezoneConverter',
    debeziumClass: 'io.debezium.transforms.TimezoneConverter',
    doc: 'Converts ZonedTimestamp and ZonedTime strings and Timestamp, MicroTimestamp, NanoTimestamp and Connect Timestamp values in the before/after (and, when named, source) structs of change events to the configured time zone. Date and time-of-day types are left unchanged, as in Debezium.',
    configSpec: spec,
  },
  (config) => {
    const zone = config['converted.timezone'];
    if (!isKnownZone(zone))
      throw new ConfigError([
        {
          key: 'converted.timezone',
          message: `Invalid timezone '${zone}': expected a geographic id (America/Los_Angeles) or +/-hh:mm`,
        },
      ]);
    const includes = config['include.list'].length > 0;
    const excludes = config['exclude.list'].length > 0;
    if (includes && excludes)
      throw new ConfigError([
        { key: 'exclude.list', message: 'include.list and exclude.list cannot both be set' },
      ]);
    const rules = includes
      ? parseRules(config['include.list'], 'include.list')
      : excludes
        ? parseRules(config['exclude.list'], 'exclude.list')
        : null;

    const convert = (name: string, v: unknown): unknown => {
      if (name === DebeziumNames.ZONED_TIMESTAMP && typeof v === 'string') {
        const m = ZONED_TS.exec(v);
        if (!m) return v;
        // java.time takes the target offset for the input's own wall-clock time, not for its instant.
        const wall = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}Z`);
        const instant = wall - offsetSecs(m[6]!) * 1000;
        const off = offsetForLocal(zone, wall);
        const local = new Date(instant + off * 1000).toISOString().slice(0, 19);
        return `${local}${fraction(m[5])}${formatOffset(off)}`;
      }
      if (name === DebeziumNames.ZONED_TIME && typeof v === 'string') {
        const m = ZONED_TIME.exec(v);
        if (!m) return v;
        // A time has no date, so Debezium uses the zone's offset now.
        const off = offsetAt(zone, Date.now());
        const secs = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0) - offsetSecs(m[5]!) + off;
        const day = ((secs % 86_400) + 86_400) % 86_400;
        const pad = (n: number) => String(n).padStart(2, '0');
        return `${pad(Math.floor(day / 3600))}:${pad(Math.floor(day / 60) % 60)}:${pad(day % 60)}${fraction(m[4])}${formatOffset(off)}`;
      }
      const perSec = EPOCH_UNITS[name];
      if (perSec !== undefined && (typeof v === 'number' || typeof v === 'bigint')) {
        // The UTC wall-clock time is re-read as a local time of the target zone (java.time's atOffset).
        const off = offsetForLocal(zone, (Number(v) / perSec) * 1000);
        return typeof v === 'bigint' ? v - BigInt(off) * BigInt(perSec) : v - off * perSec;
      }
      return v;
    };

    /** A copy of `row` with its supported fields converted: all of them, only `fields`, or all but `fields`. */
    const convertRow = (
      row: unknown,
      schema: Schema | undefined,
      mode: Mode,
      fields: ReadonlySet<string>,
    ) => {
      if (!isPlainObject(row) || !schema?.fields) return row;
      let out: Record<string, unknown> | null = null;
      for (const f of schema.fields) {
        const name = f.schema.name;
        if (name === undefined || !SUPPORTED.has(name)) continue;
        const wanted = mode === 'all' || (mode === 'include') === fields.has(f.name);
        const v = row[f.name];
        if (!wanted || v === null || v === undefined) continue;
        out ??= { ...row };
        out[f.name] = convert(name, v);
      }
      return out ?? row;
    };

    type Mode = 'all' | 'include' | 'exclude';
    const sideFields = (fields: ReadonlySet<string>) => {
      const by = { before: new Set<string>(), after: new Set<string>(), source: new Set<string>() };
      for (const f of fields) {
        const dot = f.indexOf('.');
        const side = dot > 0 ? f.slice(0, dot) : '';
        if (side === 'before' || side === 'after' || side === 'source') by[side].add(f.slice(dot + 1));
        else {
          by.before.add(f);
          by.after.add(f);
        }
      }
      return by;
    };

    return {
      apply<R extends ConnectRecord>(record: R): R {
        const schema = record.valueSchema;
        const env = record.value;
        if (!schema?.name?.endsWith('.Envelope') || !isPlainObject(env)) return record;
        const source = isPlainObject(env.source) ? env.source : null;
        const table = typeof source?.table === 'string' ? source.table : null;
        let mode: Mode | null = 'all';
        let fields: ReadonlySet<string> = new Set();
        if (rules) {
          const matched = matchRule(rules, record.topic, table);
          if (includes) mode = matched === null ? null : matched.size > 0 ? 'include' : 'all';
          else mode = matched === null ? 'all' : matched.size > 0 ? 'exclude' : null;
          fields = matched ?? fields;
        }
        if (mode === null) return record;
        const by = sideFields(fields);
        const rowSchema = (n: string) => schema.fields?.find((f) => f.name === n)?.schema;
        const value: Record<string, unknown> = { ...env };
        for (const side of ['before', 'after'] as const)
          if (side in env) value[side] = convertRow(env[side], rowSchema(side), mode, by[side]);
        if (source && by.source.size > 0)
          value.source = convertRow(source, rowSchema('source'), mode, by.source);
        return { ...record, value };
      },
    };
  },
);
