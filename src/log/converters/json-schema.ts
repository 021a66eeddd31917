import { DataError, LogicalNames, type Schema, SchemaBuilder, type SchemaType } from '../../api/index.ts';

/**
 * Connect schemas ↔ the schema JSON of Kafka's JsonConverter envelope. Member order is Kafka's
 * (`asJsonSchema`): type, then items | keys, values | fields, then optional, name, version, doc, parameters,
 * default; a struct field is its schema followed by `"field"`. Type names differ from Connect's for floats:
 * float32 is `"float"`, float64 is `"double"`.
 */

const JSON_TYPE_NAMES: Readonly<Record<SchemaType, string>> = {
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  float32: 'float',
  float64: 'double',
  boolean: 'boolean',
  string: 'string',
  bytes: 'bytes',
  array: 'array',
  map: 'map',
  struct: 'struct',
};

const CONNECT_TYPES: ReadonlyMap<string, SchemaType> = new Map(
  Object.entries(JSON_TYPE_NAMES).map(([connect, json]) => [json, connect as SchemaType]),
);

/** Schema JSON text; `writeDefault` renders a default value with the converter's value rules. */
export function schemaToJson(schema: Schema, writeDefault: (schema: Schema) => string): string {
  let out = `{"type":"${JSON_TYPE_NAMES[schema.type]}"`;
  if (schema.type === 'array') out += `,"items":${schemaToJson(schema.valueSchema!, writeDefault)}`;
  if (schema.type === 'map') {
    out += `,"keys":${schemaToJson(schema.keySchema!, writeDefault)}`;
    out += `,"values":${schemaToJson(schema.valueSchema!, writeDefault)}`;
  }
  if (schema.type === 'struct') {
    const fields = (schema.fields ?? []).map(
      (f) => `${schemaToJson(f.schema, writeDefault).slice(0, -1)},"field":${JSON.stringify(f.name)}}`,
    );
    out += `,"fields":[${fields.join(',')}]`;
  }
  out += `,"optional":${schema.optional}`;
  if (schema.name !== undefined) out += `,"name":${JSON.stringify(schema.name)}`;
  if (schema.version !== undefined) out += `,"version":${schema.version}`;
  if (schema.doc !== undefined) out += `,"doc":${JSON.stringify(schema.doc)}`;
  if (schema.parameters !== undefined) out += `,"parameters":${JSON.stringify(schema.parameters)}`;
  if (schema.defaultValue !== undefined && schema.defaultValue !== null)
    out += `,"default":${writeDefault(schema)}`;
  return out + '}';
}

type Node = Record<string, unknown>;

/**
 * Schema from parsed schema JSON (Kafka's `asConnectSchema`); `readDefault` converts the `default`
 * member with the schema built so far. Throws DataError naming what is wrong.
 */
export function schemaFromJson(
  node: unknown,
  readDefault: (schema: Schema, value: unknown) => unknown,
): Schema {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw new DataError('Schema must be a JSON object');
  }
  const json = node as Node;
  const typeName = json.type;
  if (typeof typeName !== 'string') throw new DataError("Schema must contain 'type' field");
  const type = CONNECT_TYPES.get(typeName);
  if (type === undefined) throw new DataError(`Unknown schema type: ${typeName}`);
  let b: SchemaBuilder;
  switch (type) {
    case 'array':
      if (json.items === undefined || json.items === null) {
        throw new DataError('Array schema did not specify the element type');
      }
      b = SchemaBuilder.array(schemaFromJson(json.items, readDefault));
      break;
    case 'map':
      if (json.keys === undefined) throw new DataError('Map schema did not specify the key type');
      if (json.values === undefined) throw new DataError('Map schema did not specify the value type');
      b = SchemaBuilder.map(schemaFromJson(json.keys, readDefault), schemaFromJson(json.values, readDefault));
      break;
    case 'struct': {
      b = SchemaBuilder.struct();
      if (!Array.isArray(json.fields))
        throw new DataError('Struct schema\'s "fields" argument is not an array.');
      for (const f of json.fields as unknown[]) {
        const name = (f as Node | null)?.field;
        if (typeof name !== 'string')
          throw new DataError("Struct schema's field name not specified properly");
        b.field(name, schemaFromJson(f, readDefault));
      }
      break;
    }
    default:
      b = SchemaBuilder.type(type);
  }
  if (json.optional === true) b.optional();
  if (typeof json.name === 'string') b.name(json.name);
  if (typeof json.version === 'number' && Number.isInteger(json.version)) b.version(json.version);
  if (typeof json.doc === 'string') b.doc(json.doc);
  const params = json.parameters;
  if (typeof params === 'object' && params !== null && !Array.isArray(params)) {
    for (const [k, v] of Object.entries(params)) {
      if (typeof v !== 'string') throw new DataError('Schema parameters must have string values.');
      b.parameter(k, v);
    }
  }
  if (json.default !== undefined && json.default !== null)
    b.defaultValue(readDefault(b.build(), json.default));
  return b.build();
}

/** Whether any part of the schema is a Decimal (its payload may need exact number parsing). */
export function hasDecimal(schema: Schema | null | undefined): boolean {
  if (!schema) return false;
  if (schema.name === LogicalNames.DECIMAL) return true;
  return (
    hasDecimal(schema.valueSchema) ||
    hasDecimal(schema.keySchema) ||
    (schema.fields ?? []).some((f) => hasDecimal(f.schema))
  );
}
