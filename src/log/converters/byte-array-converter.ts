import {
  type Converter,
  type ConverterPlugin,
  configSpec,
  DataError,
  type HeaderConverter,
  type Schema,
  type SchemaAndValue,
  Schemas,
} from '../../api/index.ts';

/** Kafka's ByteArrayConverter: bytes pass through untouched; only a bytes schema (or none) is accepted. */
export class ByteArrayConverter implements Converter, HeaderConverter {
  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema !== null && schema.type !== 'bytes') {
      throw new DataError(`Invalid schema type for ByteArrayConverter: ${schema.type} (topic '${topic}')`);
    }
    if (value === null || value === undefined) return null;
    if (!(value instanceof Uint8Array)) {
      throw new DataError(
        `ByteArrayConverter is not compatible with objects of type ${typeof value} (topic '${topic}')`,
      );
    }
    return value;
  }

  toConnectData(_topic: string, bytes: Uint8Array | null): SchemaAndValue {
    return { schema: Schemas.OPTIONAL_BYTES, value: bytes };
  }

  fromConnectHeader(topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _key: string, bytes: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, bytes);
  }
}

export const byteArrayConverterConfig = configSpec().define({
  name: 'converter.type',
  type: 'string',
  default: null,
  recommended: ['key', 'value', 'header'],
  importance: 'low',
  doc: 'Set by the runtime: whether this instance converts keys, values or headers.',
});

export const byteArrayConverterPlugin: ConverterPlugin = {
  kind: 'converter',
  className: 'org.apache.kafka.connect.converters.ByteArrayConverter',
  aliases: ['io.seam.converters.ByteArrayConverter'],
  version: '0.1.0',
  doc: "Kafka's ByteArrayConverter: raw bytes in and out.",
  configSpec: byteArrayConverterConfig,
  create: () => new ByteArrayConverter(),
};
