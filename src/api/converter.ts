import type { ConfigSpec } from './config-spec.ts';
import type { Headers } from './record.ts';
import type { Schema, SchemaAndValue } from './schema.ts';

/**
 * Turns Connect data into bytes for the topic log and back (Kafka's Converter).
 * One instance per key or value side of a task; `isKey` tells which. Both directions are synchronous and
 * pure. `fromConnectData` of a null value returns null (a tombstone stays a tombstone).
 * Bytes that cannot be read throw DataError (handled by errors.tolerance / the dead-letter queue).
 */
export interface Converter {
  fromConnectData(topic: string, schema: Schema | null, value: unknown, headers?: Headers): Uint8Array | null;
  /**
   * Optional: the bytes fromConnectData would return, as a part shared by every value of one schema
   * (`head`, the same object each time) and the rest; undefined where the value has no such part. The
   * embedded log stores each head once, and with this it neither copies nor compares the head per record.
   */
  fromConnectDataHeaded?(topic: string, schema: Schema | null, value: unknown): HeadedBytes | undefined;
  toConnectData(topic: string, bytes: Uint8Array | null, headers?: Headers): SchemaAndValue;
}

/** A converted value as `head` followed by `rest` (see Converter.fromConnectDataHeaded). */
export interface HeadedBytes {
  readonly head: Buffer;
  readonly rest: Buffer;
}

/** Serializes header values (Kafka's HeaderConverter). */
export interface HeaderConverter {
  fromConnectHeader(topic: string, key: string, schema: Schema | null, value: unknown): Uint8Array | null;
  toConnectHeader(topic: string, key: string, bytes: Uint8Array | null): SchemaAndValue;
}

export interface ConverterPlugin {
  readonly kind: 'converter' | 'header_converter';
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly doc: string;
  readonly configSpec: ConfigSpec<Record<string, unknown>>;
  /** `config` holds keys with the `key.converter.` / `value.converter.` prefix removed. */
  create(config: Readonly<Record<string, unknown>>, isKey: boolean): Converter & Partial<HeaderConverter>;
}
