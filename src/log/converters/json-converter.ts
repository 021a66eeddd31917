import {
  atLeast,
  type ConfigOf,
  type Converter,
  type ConverterPlugin,
  configSpec,
  DataError,
  type HeadedBytes,
  type HeaderConverter,
  oneOf,
  type Schema,
  type SchemaAndValue,
} from '../../api/index.ts';
import { asBuffer } from './buffers.ts';
import { type ByteOut, room } from './json-bytes.ts';
import { EncodeMismatch, JsonEncoder } from './json-encoder.ts';
import { parseJson } from './json-numbers.ts';
import { JsonReader, unwrapRaw } from './json-reader.ts';
import { hasDecimal, schemaFromJson, schemaToJson } from './json-schema.ts';
import { JsonWriter } from './json-writer.ts';

export const jsonConverterConfig = configSpec()
  .define({
    name: 'schemas.enable',
    type: 'boolean',
    default: true,
    importance: 'high',
    doc: 'Include the schema in each message as the {"schema": …, "payload": …} envelope. Readers must use the same setting as writers.',
  })
  .define({
    name: 'schemas.cache.size',
    type: 'int',
    default: 1000,
    validator: atLeast(0),
    importance: 'high',
    doc: 'How many distinct schema texts read from messages are kept parsed (written schemas are cached per schema object, without limit).',
  })
  .define({
    name: 'replace.null.with.default',
    type: 'boolean',
    default: true,
    importance: 'low',
    doc: 'Write and read a null field that has a schema default as that default.',
  })
  .define({
    name: 'decimal.format',
    type: 'string',
    default: 'BASE64',
    validator: oneOf(['BASE64', 'NUMERIC']),
    recommended: ['BASE64', 'NUMERIC'],
    importance: 'low',
    doc: 'How Decimal values are written: BASE64 (the bytes of the unscaled value, Kafka default) or NUMERIC (a JSON number).',
  })
  .define({
    name: 'converter.type',
    type: 'string',
    default: null,
    recommended: ['key', 'value', 'header'],
    importance: 'low',
    doc: 'Set by the runtime: whether this instance converts keys, values or headers.',
  });

export type JsonConverterConfig = ConfigOf<typeof jsonConverterConfig>;

const SCHEMA_PREFIX = '{"schema":';
const PAYLOAD_SEPARATOR = ',"payload":';
const NULL_SCHEMA_HEAD = Buffer.from(`${SCHEMA_PREFIX}null${PAYLOAD_SEPARATOR}`, 'utf8');
/** A scratch buffer grown past this by a large value is dropped after it, not kept. */
const MAX_SCRATCH_BYTES = 1 << 20;
const INITIAL_SCRATCH_BYTES = 16 << 10;
const NULL_RESULT: SchemaAndValue = Object.freeze({ schema: null, value: null });
const ENVELOPE_REQUIRED =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. ' +
  'If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

interface CachedSchema {
  readonly schema: Schema | null;
  /** The payload may hold NUMERIC decimals, which need exact number parsing. */
  readonly exact: boolean;
}

/**
 * Kafka's JsonConverter. Writes the envelope as the cached schema head's bytes followed by the payload,
 * which JsonEncoder writes as bytes (JsonWriter's text for schemaless values and to describe bad ones);
 * reads messages whose schema text was seen before by looking that text up and parsing only the payload
 * (the schema JSON is parsed once per distinct text).
 */
export class JsonConverter implements Converter, HeaderConverter {
  readonly #schemasEnabled: boolean;
  readonly #cacheSize: number;
  readonly #writer: JsonWriter;
  readonly #encoder: JsonEncoder;
  readonly #reader: JsonReader;
  /** `{"schema":S,"payload":` as bytes per schema object: the schema is never re-serialized or re-encoded. */
  readonly #heads = new WeakMap<Schema, Buffer>();
  readonly #schemasByText = new Map<string, CachedSchema>();
  /**
   * `{"schema":S,"payload":` as bytes for the last schema read: consecutive messages mostly share it, and
   * a byte compare (memcmp) is much cheaper than decoding and hashing the schema text.
   */
  #last: { head: Buffer; cached: CachedSchema } | null = null;
  /** Where a value is encoded (see #encode), and the envelope head it currently starts with. */
  readonly #scratch: ByteOut = { b: Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES) };
  #scratchHead: Buffer | null = null;

  constructor(config: JsonConverterConfig) {
    this.#schemasEnabled = config['schemas.enable'];
    this.#cacheSize = config['schemas.cache.size'];
    const replaceNullWithDefault = config['replace.null.with.default'];
    const writeOptions = {
      decimalNumeric: config['decimal.format'].toUpperCase() === 'NUMERIC',
      replaceNullWithDefault,
    };
    this.#writer = new JsonWriter(writeOptions);
    this.#encoder = new JsonEncoder(this.#writer, writeOptions);
    this.#reader = new JsonReader(replaceNullWithDefault);
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    // A null value stays a tombstone whatever the schema (the SPI contract; Kafka writes a null payload).
    if (value === null || value === undefined) return null;
    if (schema !== null) {
      try {
        return this.#encode(schema, value);
      } catch (e) {
        // A value its schema does not allow: JsonWriter below names the field and the problem.
        if (!(e instanceof EncodeMismatch)) throw e;
      }
    }
    try {
      const payload = this.#writer.write(schema, value);
      if (!this.#schemasEnabled) return Buffer.from(payload, 'utf8');
      const head = schema === null ? NULL_SCHEMA_HEAD : this.#head(schema);
      const out = Buffer.allocUnsafe(head.length + Buffer.byteLength(payload, 'utf8') + 1);
      head.copy(out, 0);
      out[head.length + out.write(payload, head.length, 'utf8')] = 0x7d;
      return out;
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      throw new DataError(
        `Converting Kafka Connect data to byte[] failed for topic '${topic}': ${e.message}`,
        { cause: e },
      );
    }
  }

  /**
   * fromConnectData's bytes as the cached envelope head `{"schema":S,"payload":` (one Buffer per schema)
   * and the rest, so the log neither copies nor compares about 2.7 KB of schema text per change. Only for
   * an enveloped value the generated encoder takes; anything else is undefined and goes through
   * fromConnectData (which also names the problem of a value its schema does not allow).
   */
  fromConnectDataHeaded(_topic: string, schema: Schema | null, value: unknown): HeadedBytes | undefined {
    if (!this.#schemasEnabled || schema === null || value === null || value === undefined) return undefined;
    const scratch = this.#scratch;
    let end: number;
    try {
      // The payload goes where the scratch's head was: it no longer holds one.
      this.#scratchHead = null;
      end = this.#encoder.encoderFor(schema)(scratch, 0, value);
    } catch (e) {
      if (e instanceof EncodeMismatch) return undefined;
      throw e;
    }
    room(scratch, end, 1)[end++] = 0x7d;
    const rest = Buffer.allocUnsafe(end);
    scratch.b.copy(rest, 0, 0, end);
    if (scratch.b.length > MAX_SCRATCH_BYTES) scratch.b = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
    return { head: this.#head(schema), rest };
  }

  /**
   * The value's bytes (after the envelope head when schemas are enabled), encoded into the scratch buffer
   * and copied out. The scratch keeps the head of the last schema, so a run of records of one table
   * copies it once.
   */
  #encode(schema: Schema, value: unknown): Buffer {
    const scratch = this.#scratch;
    let p = 0;
    if (this.#schemasEnabled) {
      const head = this.#head(schema);
      if (this.#scratchHead !== head) {
        this.#scratchHead = null;
        head.copy(room(scratch, 0, head.length), 0);
        this.#scratchHead = head;
      }
      p = head.length;
    }
    let end = this.#encoder.encoderFor(schema)(scratch, p, value);
    if (this.#schemasEnabled) room(scratch, end, 1)[end++] = 0x7d;
    const b = scratch.b;
    const out = Buffer.allocUnsafe(end);
    b.copy(out, 0, 0, end);
    if (b.length > MAX_SCRATCH_BYTES) {
      scratch.b = Buffer.allocUnsafe(INITIAL_SCRATCH_BYTES);
      this.#scratchHead = null;
    }
    return out;
  }

  toConnectData(topic: string, bytes: Uint8Array | null): SchemaAndValue {
    if (bytes === null || bytes.length === 0) return NULL_RESULT;
    const buf = asBuffer(bytes);
    if (!this.#schemasEnabled)
      return { schema: null, value: this.#parse(topic, buf.toString('utf8'), false) };
    const fast = this.#readLast(buf);
    if (fast !== undefined) return fast;
    const text = buf.toString('utf8');
    return this.#readCached(text) ?? this.#readEnvelope(topic, text);
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, bytes: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, bytes);
  }

  #head(schema: Schema): Buffer {
    let head = this.#heads.get(schema);
    if (head === undefined) {
      const text = schemaToJson(schema, (s) => this.#writer.writeDefault(s));
      head = Buffer.from(SCHEMA_PREFIX + text + PAYLOAD_SEPARATOR, 'utf8');
      this.#heads.set(schema, head);
    }
    return head;
  }

  /**
   * `{"schema":S,"payload":P}` where S is a schema text seen before: S is a complete JSON value, so if P
   * parses as one JSON value the message is exactly a two-member envelope. Anything else (whitespace,
   * other member order, a new schema) returns undefined and takes the full path.
   */
  #readCached(text: string): SchemaAndValue | undefined {
    if (!text.startsWith(SCHEMA_PREFIX) || text.charCodeAt(text.length - 1) !== 0x7d) return undefined;
    let from = SCHEMA_PREFIX.length;
    // The separator can also occur inside a string of the schema (a doc); try the next few occurrences.
    for (let tries = 0; tries < 4; tries++) {
      const end = text.indexOf(PAYLOAD_SEPARATOR, from);
      if (end < 0) return undefined;
      const schemaText = text.slice(SCHEMA_PREFIX.length, end);
      const cached = this.#schemasByText.get(schemaText);
      if (cached !== undefined) {
        this.#last = { head: Buffer.from(SCHEMA_PREFIX + schemaText + PAYLOAD_SEPARATOR, 'utf8'), cached };
        return this.#readPayload(text.slice(end + PAYLOAD_SEPARATOR.length, -1), cached);
      }
      from = end + 1;
    }
    return undefined;
  }

  /** Same as {@link #readCached} for the last schema, on the bytes: the schema part is never decoded. */
  #readLast(buf: Buffer): SchemaAndValue | undefined {
    const last = this.#last;
    if (last === null) return undefined;
    const n = last.head.length;
    if (buf.length <= n || buf[buf.length - 1] !== 0x7d || buf.compare(last.head, 0, n, 0, n) !== 0)
      return undefined;
    return this.#readPayload(buf.toString('utf8', n, buf.length - 1), last.cached);
  }

  #readPayload(payload: string, cached: CachedSchema): SchemaAndValue | undefined {
    let node: unknown;
    try {
      node = parseJson(payload, cached.exact);
    } catch {
      return undefined;
    }
    return { schema: cached.schema, value: this.#reader.read(cached.schema, node) };
  }

  #readEnvelope(topic: string, text: string): SchemaAndValue {
    const exact = text.includes('org.apache.kafka.connect.data.Decimal');
    const env = this.#parse(topic, text, exact);
    if (
      typeof env !== 'object' ||
      env === null ||
      Array.isArray(env) ||
      !isEnvelope(env as Record<string, unknown>)
    ) {
      throw new DataError(`${ENVELOPE_REQUIRED} (topic '${topic}')`);
    }
    const { schema: schemaNode, payload } = env as { schema: unknown; payload: unknown };
    try {
      const schema =
        schemaNode === null
          ? null
          : schemaFromJson(schemaNode, (s, node) => this.#reader.readDefault(s, node));
      this.#remember(text, schema);
      return {
        schema,
        value: schema === null && exact ? unwrapRaw(payload) : this.#reader.read(schema, payload),
      };
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      throw new DataError(
        `Converting byte[] to Kafka Connect data failed for topic '${topic}': ${e.message}`,
        { cause: e },
      );
    }
  }

  /** Caches the schema under its exact text when the message has the compact `{"schema":…,"payload":…}` form. */
  #remember(text: string, schema: Schema | null): void {
    if (this.#cacheSize === 0 || !text.startsWith(SCHEMA_PREFIX)) return;
    for (
      let end = text.indexOf(PAYLOAD_SEPARATOR);
      end >= 0;
      end = text.indexOf(PAYLOAD_SEPARATOR, end + 1)
    ) {
      const candidate = text.slice(SCHEMA_PREFIX.length, end);
      if (!isJson(candidate)) continue;
      if (this.#schemasByText.size >= this.#cacheSize) {
        this.#schemasByText.delete(this.#schemasByText.keys().next().value!);
      }
      this.#schemasByText.set(candidate, { schema, exact: hasDecimal(schema) });
      return;
    }
  }

  #parse(topic: string, text: string, exact: boolean): unknown {
    try {
      return parseJson(text, exact);
    } catch (e) {
      const hint = this.#schemasEnabled
        ? ''
        : ' (schemas.enable=false expects each message to be one JSON value)';
      throw new DataError(
        `Converting byte[] to Kafka Connect data failed due to serialization error of topic '${topic}': ${(e as Error).message}${hint}`,
        { cause: e },
      );
    }
  }
}

function isEnvelope(env: Record<string, unknown>): boolean {
  const keys = Object.keys(env);
  return keys.length === 2 && 'schema' in env && 'payload' in env;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export const jsonConverterPlugin: ConverterPlugin = {
  kind: 'converter',
  className: 'org.apache.kafka.connect.json.JsonConverter',
  aliases: ['io.seam.converters.JsonConverter'],
  version: '0.1.0',
  doc: "Kafka's JsonConverter: JSON with or without the {schema, payload} envelope; int64 beyond 2^53 kept exact.",
  configSpec: jsonConverterConfig,
  create: (config) => new JsonConverter(jsonConverterConfig.parse(config)),
};
