import cassandra from 'cassandra-driver';
import {
  bytesToUnscaled,
  DataError,
  DebeziumNames,
  type DecimalValue,
  decimalToString,
  LogicalNames,
  type Schema,
} from '../../src/api/index.ts';

const { types } = cassandra;
const T = types.dataTypes;

/**
 * A record value as the driver should encode it for a column of CQL type `code` (driver's dataTypes).
 * Debezium's default representations are accepted: epoch milliseconds for timestamp, epoch days for date,
 * microseconds of the day for time, decimal and varint as strings or numbers, uuid as text, bytes for blob.
 * Anything else is passed through and the driver refuses what does not fit (a TypeError, classified as a
 * DataError by errors.ts). See README.md "Types".
 */
export function toColumnValue(value: unknown, code: number, column: string): unknown {
  if (value === null || value === undefined) return value;
  try {
    switch (code) {
      case T.bigint:
      case T.counter:
      case T.varint:
        if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
        return value;
      case T.timestamp:
        if (typeof value === 'number' || typeof value === 'bigint') return new Date(Number(value));
        if (typeof value === 'string') return validDate(new Date(value), value, column);
        return value;
      case T.date:
        if (typeof value === 'number') return types.LocalDate.fromDate(new Date(value * 86_400_000));
        if (typeof value === 'string') return types.LocalDate.fromString(value);
        return value;
      case T.time:
        if (typeof value === 'number' || typeof value === 'bigint')
          return new types.LocalTime(types.Long.fromString(String(BigInt(value) * 1000n)));
        if (typeof value === 'string') return types.LocalTime.fromString(value);
        return value;
      case T.decimal:
        if (typeof value === 'number' || typeof value === 'string')
          return types.BigDecimal.fromString(String(value));
        return value;
      case T.uuid:
      case T.timeuuid:
        if (typeof value === 'string') return types.Uuid.fromString(value);
        return value;
      case T.blob:
        if (value instanceof Uint8Array && !Buffer.isBuffer(value))
          return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        return value;
      case T.inet:
        if (typeof value === 'string') return types.InetAddress.fromString(value);
        return value;
      default:
        return value;
    }
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(
      `column '${column}': ${JSON.stringify(String(value)).slice(0, 80)} does not fit its CQL type: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function validDate(d: Date, raw: string, column: string): Date {
  if (Number.isNaN(d.getTime())) throw new DataError(`column '${column}': '${raw}' is not a timestamp`);
  return d;
}

/** Marks a bound value "not set" (no tombstone written), for nullToUnset. */
export const UNSET: unknown = types.unset;

/**
 * A value whose schema names a logical type, in the representation {@link toColumnValue} expects:
 * MicroTimestamp/NanoTimestamp → epoch ms; Time (ms), NanoTime → µs of the day; Decimal
 * (`{unscaled, scale}`) and VariableScaleDecimal (`{scale, value: bytes}`) → decimal text. Others as is.
 */
export function fromLogical(value: unknown, schema: Schema | undefined): unknown {
  const name = schema?.name;
  if (name === undefined || value === null || value === undefined) return value;
  const n = typeof value === 'number' || typeof value === 'bigint' ? BigInt(value) : null;
  switch (name) {
    case DebeziumNames.MICRO_TIMESTAMP:
      return n === null ? value : Number(n / 1000n);
    case DebeziumNames.NANO_TIMESTAMP:
      return n === null ? value : Number(n / 1_000_000n);
    case DebeziumNames.TIME:
    case LogicalNames.TIME:
      return n === null ? value : n * 1000n;
    case DebeziumNames.NANO_TIME:
      return n === null ? value : n / 1000n;
    case LogicalNames.DECIMAL: {
      const d = value as Partial<DecimalValue>;
      return typeof d.unscaled === 'bigint' && typeof d.scale === 'number'
        ? decimalToString(d as DecimalValue)
        : value;
    }
    case DebeziumNames.VARIABLE_SCALE_DECIMAL: {
      const v = value as { scale?: unknown; value?: unknown };
      if (typeof v.scale !== 'number' || !(v.value instanceof Uint8Array)) return value;
      return decimalToString({ unscaled: bytesToUnscaled(v.value), scale: v.scale });
    }
    default:
      return value;
  }
}
