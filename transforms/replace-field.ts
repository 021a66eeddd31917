import type { FieldPlan } from '../src/api/field-plan.ts';
import {
  ConfigError,
  type ConfigProblem,
  type ConnectRecord,
  configSpec,
  type Schema,
} from '../src/api/index.ts';
import { REPLACE_NULL_KEY } from './support/field-path.ts';
import { keyValueTransforms } from './support/plugin.ts';
import { bothForms, rebuildSide, type SideRebuild } from './support/record-side.ts';
import { copySchemaBasics, SchemaCache } from './support/schema-util.ts';
import { type Copier, compileCopier, type ReadField, readField } from './support/struct-copier.ts';

const spec = configSpec()
  .define({
    name: 'exclude',
    type: 'list',
    default: [],
    aliases: ['blacklist'],
    importance: 'medium',
    doc: 'Fields to exclude. This takes precedence over the fields to include.',
  })
  .define({
    name: 'include',
    type: 'list',
    default: [],
    aliases: ['whitelist'],
    importance: 'medium',
    doc: 'Fields to include. If specified, only these fields will be used.',
  })
  .define({
    name: 'renames',
    type: 'list',
    default: [],
    importance: 'medium',
    doc: 'Field rename mappings, as a list of colon-delimited pairs, e.g. foo:bar,abc:xyz.',
  })
  .define(REPLACE_NULL_KEY);

function parseRenames(pairs: readonly string[]): Map<string, string> {
  const problems: ConfigProblem[] = [];
  const out = new Map<string, string>();
  for (const pair of pairs) {
    const parts = pair.split(':');
    if (parts.length !== 2 || !parts[0] || !parts[1])
      problems.push({ key: 'renames', message: `Invalid rename mapping: ${pair} (expected old:new)` });
    else out.set(parts[0], parts[1]);
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}

interface Plan {
  readonly schema: Schema;
  readonly copy: Copier<null>;
  readonly fields: FieldPlan;
}

/** Kafka's ReplaceField: drop (exclude), keep only (include) and rename top-level fields. */
export const replaceFieldPlugins = keyValueTransforms(
  { name: 'ReplaceField', doc: 'Filter or rename fields.', configSpec: spec },
  (config, side) => {
    const exclude = new Set(config.exclude);
    const include = new Set(config.include);
    const renames = parseRenames(config.renames);
    const replaceNull = config['replace.null.with.default'];
    const keep = (name: string) => !exclude.has(name) && (include.size === 0 || include.has(name));
    const renamed = (name: string) => renames.get(name) ?? name;
    const cache = new SchemaCache<Plan>();
    const plan = (schema: Schema): Plan => {
      const b = copySchemaBasics(schema);
      const kept: ReadField[] = [];
      for (const f of schema.fields ?? []) {
        if (!keep(f.name)) continue;
        b.field(renamed(f.name), f.schema);
        kept.push(readField(f, replaceNull, renamed(f.name)));
      }
      const out = b.build();
      const struct = { spread: false, fields: kept };
      return { schema: out, copy: compileCopier(struct), fields: { schema: out, struct } };
    };
    const fieldPlan = (schema: Schema): FieldPlan | null =>
      schema.type === 'struct' ? cache.get(schema, plan).fields : null;

    const how: SideRebuild = {
      purpose: 'field replacement',
      map: (map) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(map)) if (keep(k)) out[renamed(k)] = v;
        return out;
      },
      schema: (schema) => cache.get(schema, plan).schema,
      struct: (struct, schema) => cache.get(schema, plan).copy(struct, null),
    };

    return bothForms(
      <R extends ConnectRecord>(record: R, inPlace: boolean): R => rebuildSide(record, side, how, inPlace),
      side === 'value' ? { fieldPlan } : {},
    );
  },
);
