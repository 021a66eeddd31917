import { DataError, type DecimalValue, decimalToString, type SinkRecord } from '../../src/api/index.ts';

/** Elasticsearch refuses ids longer than 512 bytes. */
const MAX_ID_BYTES = 512;

/**
 * The document id of a record (README "Document ids"):
 * - key ignored: `topic+partition+offset` (Confluent's form; no updates, no deletes);
 * - primitive key: its text (`42`, `abc`, `true`; int64 above 2^53 in full digits);
 * - struct key with one field (a one-column primary key): that field's text, so the id is the same
 *   whether or not ExtractField/ValueToKey reshaped the key;
 * - struct key with several fields: JSON of the fields sorted by name, `{"a":1,"b":"x"}`, so the id
 *   does not depend on field order.
 * Decimals are written in plain notation, bytes as base64. Null keys, nested keys and ids over 512
 * bytes are a {@link DataError}: the record cannot be identified, so it goes to the dead-letter queue.
 */
export function documentId(record: SinkRecord, keyIgnored: boolean): string {
  if (keyIgnored) return `${record.topic}+${record.kafkaPartition}+${record.kafkaOffset}`;
  const key = record.key;
  if (key === null || key === undefined) {
    throw new DataError('record has a null key; a document id needs a key (or set key.ignore=true)');
  }
  const scalar = scalarText(key);
  const id = scalar ?? structId(key);
  if (id === '') throw new DataError('record key is an empty string; Elasticsearch refuses empty ids');
  if (Buffer.byteLength(id) > MAX_ID_BYTES) {
    throw new DataError(
      `document id from the key is ${Buffer.byteLength(id)} bytes; Elasticsearch allows ${MAX_ID_BYTES}`,
    );
  }
  return id;
}

function structId(key: unknown): string {
  if (!isPlainObject(key)) {
    throw new DataError(
      `record key of type ${describe(key)} cannot be turned into a document id; use a primitive or a struct of primitives`,
    );
  }
  const names = Object.keys(key).sort();
  if (names.length === 0)
    throw new DataError('record key is an empty struct; it cannot be turned into a document id');
  if (names.length === 1) {
    const only = key[names[0]!];
    const text = only === null || only === undefined ? null : scalarText(only);
    if (text === null)
      throw new DataError(
        `key field '${names[0]}' is ${describe(only)}; a one-field key must hold a primitive`,
      );
    return text;
  }
  const parts = names.map((name) => {
    const v = key[name];
    if (v === null || v === undefined) return `${JSON.stringify(name)}:null`;
    const text = scalarText(v);
    if (text === null)
      throw new DataError(`key field '${name}' is ${describe(v)}; a key struct must hold primitives only`);
    return `${JSON.stringify(name)}:${typeof v === 'string' || isDecimal(v) || v instanceof Uint8Array ? JSON.stringify(text) : text}`;
  });
  return `{${parts.join(',')}}`;
}

/** The text of a primitive value, or null when the value is not a primitive. */
function scalarText(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      if (!Number.isFinite(v)) throw new DataError(`key value ${v} cannot be a document id`);
      return String(v);
    case 'bigint':
    case 'boolean':
      return String(v);
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (isDecimal(v)) return decimalToString(v);
  return null;
}

function isDecimal(v: unknown): v is DecimalValue {
  return isPlainObject(v) && typeof v.unscaled === 'bigint' && typeof v.scale === 'number';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Map) &&
    !(v instanceof Uint8Array)
  );
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Map) return 'map';
  return typeof v === 'object' ? 'struct' : typeof v;
}
