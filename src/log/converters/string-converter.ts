import {
  type ConfigOf,
  type Converter,
  type ConverterPlugin,
  configSpec,
  type HeaderConverter,
  oneOf,
  type Schema,
  type SchemaAndValue,
  Schemas,
} from '../../api/index.ts';
import { asBuffer } from './buffers.ts';
import { writeSchemaless } from './json-writer.ts';

/** Java charset names accepted by Kafka's StringConverter, mapped to Node's encodings. */
const ENCODINGS: Readonly<Record<string, BufferEncoding>> = {
  'utf-8': 'utf8',
  utf8: 'utf8',
  'utf-16le': 'utf16le',
  utf16le: 'utf16le',
  'iso-8859-1': 'latin1',
  latin1: 'latin1',
  'us-ascii': 'ascii',
  ascii: 'ascii',
};

export const stringConverterConfig = configSpec()
  .define({
    name: 'converter.encoding',
    type: 'string',
    default: 'UTF-8',
    validator: oneOf(Object.keys(ENCODINGS)),
    recommended: ['UTF-8', 'UTF-16LE', 'ISO-8859-1', 'US-ASCII'],
    importance: 'high',
    doc: 'The character encoding of the text.',
  })
  .define({
    name: 'converter.type',
    type: 'string',
    default: null,
    recommended: ['key', 'value', 'header'],
    importance: 'low',
    doc: 'Set by the runtime: whether this instance converts keys, values or headers.',
  });

/**
 * Kafka's StringConverter: any value is written as its text; reading always yields an optional string.
 * Seam extension: structs, maps and arrays are written as JSON rather than Java's `Struct{…}` toString, and
 * bytes are decoded as text in the configured encoding.
 */
export class StringConverter implements Converter, HeaderConverter {
  readonly #encoding: BufferEncoding;

  constructor(config: ConfigOf<typeof stringConverterConfig>) {
    this.#encoding = ENCODINGS[config['converter.encoding'].toLowerCase()] ?? 'utf8';
  }

  fromConnectData(_topic: string, _schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    return Buffer.from(this.#text(value), this.#encoding);
  }

  toConnectData(_topic: string, bytes: Uint8Array | null): SchemaAndValue {
    return {
      schema: Schemas.OPTIONAL_STRING,
      value: bytes === null ? null : asBuffer(bytes).toString(this.#encoding),
    };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, bytes: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, bytes);
  }

  #text(value: unknown): string {
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) return asBuffer(value).toString(this.#encoding);
    if (typeof value === 'object') return writeSchemaless(value);
    return String(value);
  }
}

export const stringConverterPlugin: ConverterPlugin = {
  kind: 'converter',
  className: 'org.apache.kafka.connect.storage.StringConverter',
  aliases: ['io.seam.converters.StringConverter'],
  version: '0.1.0',
  doc: "Kafka's StringConverter: values as text in converter.encoding; reads an optional string.",
  configSpec: stringConverterConfig,
  create: (config) => new StringConverter(stringConverterConfig.parse(config)),
};
