import { generateFunction } from '../../src/api/code-generation.ts';
import type { Field } from '../../src/api/index.ts';

/**
 * Per-schema struct copiers. The field-rewriting SMTs (ReplaceField, InsertField, Cast,
 * ExtractNewRecordState) build a new struct for every record; a loop storing `out[name] = …` with
 * changing names costs ~25 ns per field in V8 (megamorphic keyed stores, hidden-class transitions), while
 * an object literal with a fixed list of keys is built in one allocation. So each transform describes its
 * output once per input schema as a {@link CopySpec} and gets back a function that builds exactly that
 * object literal (see docs/decisions/2026-11-23-transform-chain-speed.md). Where code generation is
 * disallowed (`--disallow-code-generation-from-strings`) the same spec is interpreted by a loop.
 */

/** One output field: read from the input struct, or computed from the copier's second argument. */
export type CopyField =
  | {
      readonly name: string;
      /** Input key read as `value[from]`; a null or absent value reads as `fallback`. */
      readonly from: string;
      readonly fallback: unknown;
      /** Applied to the value read (after the fallback), e.g. a cast. */
      readonly map?: (v: unknown) => unknown;
    }
  | { readonly name: string; readonly get: (context: never) => unknown };

/** A field read from the input (the form a {@link FieldPlan} shares). */
export type ReadField = Extract<CopyField, { readonly from: string }>;

export interface CopySpec {
  /** Start from a copy of every own key of the input (`{...value}`), then set `fields` in order. */
  readonly spread: boolean;
  readonly fields: readonly CopyField[];
}

export type Copier<C> = (value: Readonly<Record<string, unknown>>, context: C) => Record<string, unknown>;

/** A field read with Kafka's `replace.null.with.default` rule (as {@link fieldValue}). */
export function readField(
  field: Field,
  replaceNull: boolean,
  name = field.name,
  map?: (v: unknown) => unknown,
): ReadField {
  const d = field.schema.defaultValue;
  const fallback = replaceNull && d !== undefined ? d : null;
  return map ? { name, from: field.name, fallback, map } : { name, from: field.name, fallback };
}

export function compileCopier<C>(spec: CopySpec): Copier<C> {
  // A `"__proto__":` literal key is the prototype setter, not a field; the loop keeps the plain rules.
  if (spec.fields.some((f) => f.name === '__proto__')) return interpreted(spec);
  return generated(spec) ?? interpreted(spec);
}

/** Null where code generation is disallowed. */
function generated<C>(spec: CopySpec): Copier<C> | null {
  const constants: unknown[] = [];
  const ref = (x: unknown) => {
    constants.push(x);
    return `k[${constants.length - 1}]`;
  };
  const parts: string[] = spec.spread ? ['...v'] : [];
  for (const f of spec.fields) {
    let expr: string;
    if ('get' in f) expr = `${ref(f.get)}(c)`;
    else {
      const fallback = f.fallback === null ? 'null' : ref(f.fallback);
      expr = `(v[${JSON.stringify(f.from)}] ?? ${fallback})`;
      if (f.map) expr = `${ref(f.map)}${expr}`;
    }
    parts.push(`${JSON.stringify(f.name)}: ${expr}`);
  }
  // Names and keys are JSON string literals and every other value is passed in `k`, so no config text
  // ever becomes code.
  const factory = generateFunction(['k'], `"use strict"; return (v, c) => ({ ${parts.join(', ')} });`);
  return factory === null ? null : ((factory as (k: unknown[]) => unknown)(constants) as Copier<C>);
}

/** The same object built by a loop, where code generation is disallowed. */
function interpreted<C>(spec: CopySpec): Copier<C> {
  return (value, context) => {
    const out: Record<string, unknown> = spec.spread ? { ...value } : {};
    for (const f of spec.fields) {
      if ('get' in f) out[f.name] = (f.get as (c: C) => unknown)(context);
      else {
        const v = value[f.from] ?? f.fallback;
        out[f.name] = f.map ? f.map(v) : v;
      }
    }
    return out;
  };
}
