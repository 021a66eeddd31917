import { type ConfigKey, configSpec, nonEmptyList, oneOf, type Schema } from '../../src/api/index.ts';
import { isPlainObject } from './record-side.ts';
import { copySchemaBasics, fieldValue } from './schema-util.ts';
import { type Copier, compileCopier, type ReadField, readField } from './struct-copier.ts';

/**
 * Field references as in KIP-821: `field.syntax.version=V1` names top-level fields only; `V2` reads dots
 * as nesting (`after.address.city`), with backticks around a name that itself holds dots (`` `a.b`.c ``) and
 * a backslash escaping a backtick inside them.
 */
export type FieldSyntax = 'V1' | 'V2';

export const FIELD_SYNTAX_KEY = {
  name: 'field.syntax.version',
  type: 'string',
  default: 'V1',
  validator: oneOf(['V1', 'V2']),
  recommended: ['V1', 'V2'],
  importance: 'medium',
  doc: 'How field names are read: V1 top-level names only, V2 dotted paths into nested structs/maps (backticks quote names containing dots).',
} as const satisfies ConfigKey<'field.syntax.version', 'string'>;

export const REPLACE_NULL_KEY = {
  name: 'replace.null.with.default',
  type: 'boolean',
  default: true,
  importance: 'medium',
  doc: 'Whether a null field value is read as the default of its field schema (true), or kept null.',
} as const satisfies ConfigKey<'replace.null.with.default', 'boolean'>;

/** The two keys every SMT that reads fields by path takes, in this order (merged after its own keys). */
export const FIELD_PATH_KEYS = configSpec().define(FIELD_SYNTAX_KEY).define(REPLACE_NULL_KEY);

/** The required, non-empty `fields` list of the SMTs that act on several named fields. */
export function fieldsKey<const D extends string>(doc: D) {
  return {
    name: 'fields',
    type: 'list',
    required: true,
    validator: nonEmptyList(),
    importance: 'high',
    doc,
  } as const satisfies ConfigKey<'fields', 'list'>;
}

export function parsePath(text: string, syntax: string): string[] {
  if (syntax.toUpperCase() !== 'V2') return [text];
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\' && i + 1 < text.length) cur += text[++i];
    else if (c === '`') quoted = !quoted;
    else if (c === '.' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Paths grouped by their first segment, so nested structs are rebuilt once per level. */
export class PathTree<T> {
  leaf: T | undefined;
  readonly children = new Map<string, PathTree<T>>();

  static of<T>(entries: Iterable<readonly [readonly string[], T]>): PathTree<T> {
    const root = new PathTree<T>();
    for (const [path, op] of entries) {
      let node = root;
      for (const seg of path) {
        let next = node.children.get(seg);
        if (!next) {
          next = new PathTree<T>();
          node.children.set(seg, next);
        }
        node = next;
      }
      node.leaf = op;
    }
    return root;
  }
}

/** Rebuilds a struct schema, replacing (or dropping, when `leaf` returns null) the fields named in `tree`. */
export function rewriteSchema<T>(
  schema: Schema,
  tree: PathTree<T>,
  leaf: (s: Schema, op: T) => Schema | null,
): Schema {
  const b = copySchemaBasics(schema);
  if (schema.optional) b.optional();
  for (const f of schema.fields ?? []) {
    const node = tree.children.get(f.name);
    let s: Schema | null = f.schema;
    if (node?.leaf !== undefined) s = leaf(f.schema, node.leaf);
    else if (node && f.schema.type === 'struct') s = rewriteSchema(f.schema, node, leaf);
    if (s) b.field(f.name, s);
  }
  return b.build();
}

/** The struct value matching {@link rewriteSchema}'s output. */
export function rewriteStruct<T>(
  value: Readonly<Record<string, unknown>>,
  schema: Schema,
  tree: PathTree<T>,
  leaf: (v: unknown, s: Schema, op: T) => unknown,
  replaceNull: boolean,
  drops?: (op: T) => boolean,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of schema.fields ?? []) {
    const node = tree.children.get(f.name);
    const v = fieldValue(value, f, replaceNull);
    if (node?.leaf !== undefined) {
      if (!drops?.(node.leaf)) out[f.name] = leaf(v, f.schema, node.leaf);
    } else if (node && f.schema.type === 'struct' && isPlainObject(v)) {
      out[f.name] = rewriteStruct(v, f.schema, node, leaf, replaceNull, drops);
    } else out[f.name] = v;
  }
  return out;
}

/**
 * {@link rewriteStruct} compiled once for one struct schema: the returned function builds the same object
 * (same keys in schema order, same values) as `rewriteStruct(value, schema, tree, …)` does, with the leaf
 * functions chosen per field up front.
 */
export function compileStructRewrite<T>(
  schema: Schema,
  tree: PathTree<T>,
  leaf: (s: Schema, op: T) => (v: unknown) => unknown,
  replaceNull: boolean,
  drops?: (op: T) => boolean,
): Copier<unknown> {
  return compileCopier({
    spread: false,
    fields: structRewriteFields(schema, tree, leaf, replaceNull, drops),
  });
}

/** The top-level fields {@link compileStructRewrite} builds, in order (nested rewrites as field maps). */
export function structRewriteFields<T>(
  schema: Schema,
  tree: PathTree<T>,
  leaf: (s: Schema, op: T) => (v: unknown) => unknown,
  replaceNull: boolean,
  drops?: (op: T) => boolean,
): ReadField[] {
  const fields: ReadField[] = [];
  for (const f of schema.fields ?? []) {
    const node = tree.children.get(f.name);
    if (node?.leaf !== undefined) {
      if (!drops?.(node.leaf)) fields.push(readField(f, replaceNull, f.name, leaf(f.schema, node.leaf)));
    } else if (node && f.schema.type === 'struct') {
      const nested = compileStructRewrite(f.schema, node, leaf, replaceNull, drops);
      fields.push(readField(f, replaceNull, f.name, (v) => (isPlainObject(v) ? nested(v, null) : v)));
    } else fields.push(readField(f, replaceNull));
  }
  return fields;
}

export const DROP = Symbol('drop');

/** Schemaless counterpart: rewrites (or drops, when `leaf` returns DROP) entries of nested plain objects. */
export function rewriteMap<T>(
  value: Readonly<Record<string, unknown>>,
  tree: PathTree<T>,
  leaf: (v: unknown, op: T) => unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const node = tree.children.get(k);
    if (node?.leaf !== undefined) {
      const nv = leaf(v, node.leaf);
      if (nv !== DROP) out[k] = nv;
    } else if (node && isPlainObject(v)) out[k] = rewriteMap(v, node, leaf);
    else out[k] = v;
  }
  return out;
}

/** The schema of the field at `path`, or undefined. */
export function schemaAt(schema: Schema, path: readonly string[]): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const seg of path)
    s = s?.type === 'struct' ? s.fields?.find((f) => f.name === seg)?.schema : undefined;
  return s;
}

/** The value at `path` in nested structs/maps; undefined when a level is missing. */
export function valueAt(
  value: unknown,
  path: readonly string[],
  schema?: Schema,
  replaceNull = true,
): unknown {
  let v = value;
  let s = schema;
  for (const seg of path) {
    if (v instanceof Map) v = v.get(seg);
    else if (isPlainObject(v)) {
      const f = s?.fields?.find((x) => x.name === seg);
      v = f ? fieldValue(v, f, replaceNull) : v[seg];
      s = f?.schema;
    } else return undefined;
  }
  return v;
}
