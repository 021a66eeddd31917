import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  DataError,
  dateSchema,
  LogicalNames,
  oneOf,
  type Schema,
  SchemaBuilder,
  timeSchema,
  timestampSchema,
} from '../src/api/index.ts';
import {
  FIELD_PATH_KEYS,
  PathTree,
  parsePath,
  rewriteMap,
  rewriteSchema,
  rewriteStruct,
} from './support/field-path.ts';
import { compileDateFormat, formatDate, parseDate } from './support/java-date-format.ts';
import { keyValueTransforms } from './support/plugin.ts';
import {
  operatingSchema,
  operatingValue,
  rebuildSide,
  type SideRebuild,
  withSide,
} from './support/record-side.ts';
import { SchemaCache } from './support/schema-util.ts';

const TARGETS = ['string', 'unix', 'Date', 'Time', 'Timestamp'] as const;
type Target = (typeof TARGETS)[number];
const PRECISIONS = ['seconds', 'milliseconds', 'microseconds', 'nanoseconds'] as const;
const DAY = 86_400_000;

const spec = configSpec()
  .define({
    name: 'target.type',
    type: 'string',
    required: true,
    validator: oneOf(TARGETS, false),
    recommended: TARGETS,
    importance: 'high',
    doc: 'The desired timestamp representation: string, unix, Date, Time, or Timestamp.',
  })
  .define({
    name: 'field',
    type: 'string',
    default: '',
    importance: 'high',
    doc: 'The field containing the timestamp, or empty if the entire value is a timestamp.',
  })
  .define({
    name: 'format',
    type: 'string',
    default: '',
    importance: 'medium',
    doc: 'A SimpleDateFormat-compatible format for the timestamp (UTC). Used to generate the output when type=string or used to parse the input if the input is a string.',
  })
  .define({
    name: 'unix.precision',
    type: 'string',
    default: 'milliseconds',
    validator: oneOf(PRECISIONS, false),
    recommended: PRECISIONS,
    importance: 'low',
    doc: 'The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. Used to generate the output when type=unix or used to parse the input if the input is a Long.',
  })
  .merge(FIELD_PATH_KEYS);

const UNIX_FACTOR = { seconds: 1000, milliseconds: 1, microseconds: 1e-3, nanoseconds: 1e-6 } as const;

/** Kafka's TimestampConverter: between unix epochs, formatted strings and Connect Date/Time/Timestamp. */
export const timestampConverterPlugins = keyValueTransforms(
  {
    name: 'TimestampConverter',
    doc: 'Convert timestamps between different formats such as Unix epoch, strings, and Connect Date/Timestamp types. Applies to individual fields or to the entire value.',
    configSpec: spec,
  },
  (config, side) => {
    const target = config['target.type'] as Target;
    const precision = config['unix.precision'].toLowerCase() as (typeof PRECISIONS)[number];
    let tokens: ReturnType<typeof compileDateFormat> | null = null;
    if (config.format !== '') {
      try {
        tokens = compileDateFormat(config.format);
      } catch (e) {
        throw new ConfigError([{ key: 'format', message: (e as Error).message }]);
      }
    } else if (target === 'string') {
      throw new ConfigError([
        {
          key: 'format',
          message: 'TimestampConverter requires format option to be specified when using string timestamps',
        },
      ]);
    }
    const replaceNull = config['replace.null.with.default'];

    const toMs = (value: unknown, schema: Schema | null): number => {
      if (value instanceof Date) return value.getTime();
      if (schema?.name === LogicalNames.DATE) return Number(value) * DAY;
      if (schema?.name === LogicalNames.TIME || schema?.name === LogicalNames.TIMESTAMP) return Number(value);
      if (typeof value === 'number' || typeof value === 'bigint') {
        if (precision === 'nanoseconds' || precision === 'microseconds')
          return Number(BigInt(value) / (precision === 'nanoseconds' ? 1_000_000n : 1000n));
        return Number(value) * UNIX_FACTOR[precision];
      }
      if (typeof value === 'string') {
        if (tokens === null)
          throw new DataError(
            'TimestampConverter requires format option to be specified when using string timestamps',
          );
        const ms = parseDate(value, tokens);
        if (ms === null)
          throw new DataError(
            `Could not parse timestamp: value (${value}) does not match pattern (${config.format})`,
          );
        return ms;
      }
      throw new DataError(
        `TimestampConverter does not support ${value === null ? 'null' : typeof value} values`,
      );
    };
    const fromMs = (ms: number, schemaless: boolean): unknown => {
      switch (target) {
        case 'string':
          return formatDate(ms, tokens!);
        case 'unix':
          if (precision === 'nanoseconds')
            return BigInt(ms) * 1_000_000n <= BigInt(Number.MAX_SAFE_INTEGER)
              ? ms * 1e6
              : BigInt(ms) * 1_000_000n;
          return precision === 'seconds' ? Math.floor(ms / 1000) : ms / UNIX_FACTOR[precision];
        case 'Date': {
          const days = Math.floor(ms / DAY);
          return schemaless ? new Date(days * DAY) : days;
        }
        case 'Time': {
          const t = ((ms % DAY) + DAY) % DAY;
          return schemaless ? new Date(t) : t;
        }
        case 'Timestamp':
          return schemaless ? new Date(ms) : ms;
      }
    };
    const convert = (v: unknown, s: Schema | null) =>
      v === null || v === undefined ? null : fromMs(toMs(v, s), s === null);
    const outSchema = (from: Schema): Schema => {
      const b =
        target === 'string'
          ? SchemaBuilder.string()
          : target === 'unix'
            ? SchemaBuilder.int64()
            : target === 'Date'
              ? dateSchema()
              : target === 'Time'
                ? timeSchema()
                : timestampSchema();
      return (from.optional ? b.optional() : b).build();
    };

    const path = config.field === '' ? null : parsePath(config.field, config['field.syntax.version']);
    const tree = PathTree.of(path ? [[path, true] as const] : []);
    const cache = new SchemaCache<Schema>();
    const how: SideRebuild = {
      purpose: 'converting timestamp formats',
      map: (map) => rewriteMap(map, tree, (v) => convert(v, null)),
      schema: (schema) => cache.get(schema, (s) => rewriteSchema(s, tree, (fs) => outSchema(fs))),
      struct: (struct, schema) => rewriteStruct(struct, schema, tree, (v, fs) => convert(v, fs), replaceNull),
    };
    return {
      apply<R extends ConnectRecord>(record: R): R {
        if (path !== null) return rebuildSide(record, side, how);
        const schema = operatingSchema(record, side);
        const updated = schema === null ? null : cache.get(schema, outSchema);
        return withSide(record, side, updated, convert(operatingValue(record, side), schema));
      },
    };
  },
);
