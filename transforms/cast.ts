import type { FieldPlan } from '../src/api/field-plan.ts';
import {
  ConfigError,
  type ConnectRecord,
  configSpec,
  nonEmptyList,
  type Schema,
  SchemaBuilder,
} from '../src/api/index.ts';
import { CAST_TARGETS, type CastTarget, castValue, compileCast } from './support/cast-value.ts';
import {
  FIELD_PATH_KEYS,
  PathTree,
  parsePath,
  rewriteMap,
  rewriteSchema,
  structRewriteFields,
} from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import {
  bothForms,
  operatingSchema,
  operatingValue,
  rebuildSide,
  type SideRebuild,
  withSide,
} from './support/record-side.ts';
import { SchemaCache } from './support/schema-util.ts';
import { type Copier, compileCopier } from './support/struct-copier.ts';

interface Plan {
  readonly schema: Schema;
  readonly rewrite: Copier<unknown>;
  readonly fields: FieldPlan;
}

const spec = configSpec()
  .define({
    name: 'spec',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc: `List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are ${CAST_TARGETS.join(', ')}.`,
  })
  .merge(FIELD_PATH_KEYS);

function targetSchema(to: CastTarget, from: Schema): Schema {
  const b = SchemaBuilder.type(to);
  if (from.optional) b.optional();
  if (from.defaultValue !== undefined && from.defaultValue !== null)
    b.defaultValue(castValue(from.defaultValue, from, to));
  return b.build();
}

function parseSpec(
  entries: readonly string[],
  syntax: string,
): { whole: CastTarget | null; fields: [string[], CastTarget][] } {
  const problems: { key: string; message: string }[] = [];
  const valid = (t: string): t is CastTarget => (CAST_TARGETS as readonly string[]).includes(t);
  const fields: [string[], CastTarget][] = [];
  let whole: CastTarget | null = null;
  for (const e of entries) {
    const i = e.lastIndexOf(':');
    const type = (i < 0 ? e : e.slice(i + 1)).trim().toLowerCase();
    if (!valid(type))
      problems.push({
        key: 'spec',
        message: `Invalid type '${type}' in '${e}': must be one of ${CAST_TARGETS.join(', ')}`,
      });
    else if (i < 0) whole = type;
    else fields.push([parsePath(e.slice(0, i).trim(), syntax), type]);
  }
  if (whole !== null && entries.length > 1)
    problems.push({
      key: 'spec',
      message:
        'Cast transformations that specify a type to cast the entire value to may only specify a single cast in their spec',
    });
  if (problems.length) throw new ConfigError(problems);
  return { whole, fields };
}

/** Kafka's Cast: casts listed fields (or the whole primitive value) to another primitive type. */
export const castPlugins = keyValueTransforms(
  {
    name: 'Cast',
    doc: 'Cast fields or the entire key or value to a specific type, e.g. to force an integer field to a smaller width. Cast from integers, floats, boolean and string to any other type, and cast binary to string (base64 encoded).',
    configSpec: spec,
  },
  (config, side) => {
    const { whole, fields } = parseSpec(config.spec, config['field.syntax.version']);
    const tree = PathTree.of(fields);
    const replaceNull = config['replace.null.with.default'];
    const cache = new SchemaCache<Schema>();
    const plans = new SchemaCache<Plan>();
    const plan = (s: Schema): Plan => {
      const schema = rewriteSchema(s, tree, (fs, to) => targetSchema(to, fs));
      const struct = { spread: false, fields: structRewriteFields(s, tree, compileCast, replaceNull) };
      return { schema, rewrite: compileCopier(struct), fields: { schema, struct } };
    };
    const fieldPlan = (schema: Schema): FieldPlan | null =>
      whole === null && schema.type === 'struct' ? plans.get(schema, plan).fields : null;
    const how: SideRebuild = {
      purpose: 'cast types',
      map: (map) => rewriteMap(map, tree, (v, to) => castValue(v, null, to)),
      schema: (schema) => plans.get(schema, plan).schema,
      struct: (struct, schema) => plans.get(schema, plan).rewrite(struct, null),
    };
    return bothForms(
      <R extends ConnectRecord>(record: R, inPlace: boolean): R => {
        if (whole === null) return rebuildSide(record, side, how, inPlace);
        const schema = operatingSchema(record, side);
        const updated = schema === null ? null : cache.get(schema, (s) => targetSchema(whole, s));
        return withSide(
          record,
          side,
          updated,
          castValue(operatingValue(record, side), schema, whole),
          inPlace,
        );
      },
      side === 'value' ? { fieldPlan } : {},
    );
  },
);
