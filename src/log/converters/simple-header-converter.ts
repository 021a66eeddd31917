import {
  type ConverterPlugin,
  configSpec,
  type DecimalValue,
  decimalToString,
  type HeaderConverter,
  isDecimal,
  type Schema,
  type SchemaAndValue,
  Schemas,
} from '../../api/index.ts';
import { asBuffer } from './buffers.ts';
import { parseJson } from './json-numbers.ts';
import { JsonWriter, writeSchemaless } from './json-writer.ts';

const NULL_RESULT: SchemaAndValue = Object.freeze({ schema: null, value: null });
const INTEGER = /^-?(0|[1-9]\d*)$/;
const FLOAT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * The default header converter, after Kafka's SimpleHeaderConverter: strings are written as their UTF-8
 * bytes, bytes as base64, decimals as plain decimal text, everything else as JSON (Kafka uses its own
 * `Values` syntax there; JSON is Seam's choice). Reading infers the type back from the text: booleans,
 * numbers whose text is canonical (so "007" and "1.50" stay strings), JSON arrays and objects (schemaless),
 * and anything else as a string.
 */
export class SimpleHeaderConverter implements HeaderConverter {
  readonly #json = new JsonWriter({ decimalNumeric: true, replaceNullWithDefault: true });

  fromConnectHeader(_topic: string, _key: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
    if (value instanceof Uint8Array) return Buffer.from(asBuffer(value).toString('base64'), 'utf8');
    if (isDecimal(schema)) return Buffer.from(decimalToString(value as DecimalValue), 'utf8');
    return Buffer.from(schema === null ? writeSchemaless(value) : this.#json.write(schema, value), 'utf8');
  }

  toConnectHeader(_topic: string, _key: string, bytes: Uint8Array | null): SchemaAndValue {
    if (bytes === null) return NULL_RESULT;
    return inferFromText(asBuffer(bytes).toString('utf8'));
  }
}

/** The value and schema a header text most plausibly holds. */
export function inferFromText(text: string): SchemaAndValue {
  if (text === 'true' || text === 'false') return { schema: Schemas.BOOLEAN, value: text === 'true' };
  if (INTEGER.test(text)) return integer(text);
  if (FLOAT.test(text) && String(Number(text)) === text)
    return { schema: Schemas.FLOAT64, value: Number(text) };
  const first = text.charCodeAt(0);
  if (first === 0x5b || first === 0x7b) {
    try {
      return { schema: null, value: parseJson(text) };
    } catch {
      // Not JSON after all: keep it as text.
    }
  }
  return { schema: Schemas.STRING, value: text };
}

function integer(text: string): SchemaAndValue {
  const big = BigInt(text);
  if (big >= -128n && big <= 127n) return { schema: Schemas.INT8, value: Number(big) };
  if (big >= -32768n && big <= 32767n) return { schema: Schemas.INT16, value: Number(big) };
  if (big >= -(2n ** 31n) && big < 2n ** 31n) return { schema: Schemas.INT32, value: Number(big) };
  if (big >= -(2n ** 63n) && big < 2n ** 63n) {
    return { schema: Schemas.INT64, value: Number.isSafeInteger(Number(big)) ? Number(big) : big };
  }
  return { schema: Schemas.STRING, value: text };
}

export const simpleHeaderConverterPlugin: ConverterPlugin = {
  kind: 'header_converter',
  className: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
  aliases: ['io.seam.converters.SimpleHeaderConverter'],
  version: '0.1.0',
  doc: 'The default header converter: strings as UTF-8, other values as JSON; types inferred when read.',
  configSpec: configSpec(),
  create: () => {
    const h = new SimpleHeaderConverter();
    // The plugin contract asks for a Converter too: a header converter converts header values only.
    return {
      fromConnectHeader: h.fromConnectHeader.bind(h),
      toConnectHeader: h.toConnectHeader.bind(h),
      fromConnectData: (topic: string, schema: Schema | null, value: unknown) =>
        h.fromConnectHeader(topic, '', schema, value),
      toConnectData: (topic: string, bytes: Uint8Array | null) => h.toConnectHeader(topic, '', bytes),
    };
  },
};
