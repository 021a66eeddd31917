import { generateFunction } from '../api/code-generation.ts';
import type { FieldPlan, GetDescription } from '../api/field-plan.ts';
import type { ConnectRecord, Schema } from '../api/index.ts';
import type { TransformHooks } from '../api/transform-hooks.ts';
import type { TransformStep } from './transform-chain.ts';

/**
 * Fusion of consecutive value-rewriting steps (see docs/decisions/2026-11-23-transform-chain-speed.md).
 * Each step describes itself per input schema as a {@link FieldPlan}; composing the plans of a run of
 * steps gives one object literal that builds the run's output value directly from its input struct, with
 * the same keys in the same order and the same values as the steps one after another.
 */

/** A value computed for one output field: a source, then `?? fallback` / `map` steps in order. */
interface Expr {
  readonly source:
    | { readonly from: string }
    | { readonly get: (record: ConnectRecord) => unknown; readonly is?: GetDescription };
  readonly ops: readonly { readonly fallback: unknown; readonly map?: (v: unknown) => unknown }[];
}

/** The struct built so far: `{...input}` when `spread`, then `fields` (name → expression, in key order). */
interface State {
  readonly spread: boolean;
  readonly fields: Map<string, Expr>;
}

/** A run of steps fused for one input: build `value` with `copy`, then set the schema and topic. */
export interface Fused {
  /** Index of the first step not covered. */
  readonly end: number;
  readonly schema: Schema;
  /** Null: the input struct itself is the output value. */
  readonly copy: ((input: Readonly<Record<string, unknown>>, record: ConnectRecord) => unknown) | null;
  readonly topic: ((topic: string) => string) | null;
}

/** The state after a plan, or null when the composition would not be exact (then the run ends here). */
function compose(state: State, plan: FieldPlan): State | null {
  const struct = plan.struct;
  if (struct === null) return state;
  const next = new Map(struct.spread ? state.fields : []);
  for (const f of struct.fields) {
    if (f.name === '__proto__') return null;
    let e: Expr;
    if ('get' in f) e = { source: f.is ? { get: f.get, is: f.is } : { get: f.get }, ops: [] };
    else {
      const op = f.map ? { fallback: f.fallback, map: f.map } : { fallback: f.fallback };
      const known = state.fields.get(f.from);
      if (known !== undefined) e = { source: known.source, ops: [...known.ops, op] };
      // A key the intermediate struct does not have would read its prototype; too rare to model.
      else if (!state.spread) return null;
      else e = { source: { from: f.from }, ops: [op] };
    }
    next.set(f.name, e);
  }
  return { spread: struct.spread && state.spread, fields: next };
}

function readsRecord(plan: FieldPlan): boolean {
  return plan.struct?.fields.some((f) => 'get' in f) ?? false;
}

/**
 * Fuses steps `start`, `start + 1`, … (step i's speed hooks are `hooks[i]`) for an input of `entry`'s
 * shape: as far as every step has a plan for the schema before it, no predicate, and no `get` follows a
 * topic change (gets see the run's input record). Null when fewer than two steps would fuse.
 */
export function fuse(
  steps: readonly TransformStep[],
  hooks: readonly (TransformHooks | null)[],
  start: number,
  entry: FieldPlan,
): Fused | null {
  let state: State | null = { spread: true, fields: new Map() };
  let plan: FieldPlan | null = entry;
  let schema = entry.schema;
  const topics: ((topic: string) => string)[] = [];
  let end = start;
  while (plan !== null) {
    if (topics.length > 0 && readsRecord(plan)) break;
    const next = compose(state, plan);
    if (next === null) break;
    state = next;
    schema = plan.schema;
    if (plan.topic) topics.push(plan.topic);
    end++;
    const step = steps[end];
    plan = step?.predicate === null ? (hooks[end]?.fieldPlan?.(schema) ?? null) : null;
  }
  if (end - start < 2) return null;
  const topic =
    topics.length === 0
      ? null
      : topics.length === 1
        ? topics[0]!
        : (t: string) => topics.reduce((acc, f) => f(acc), t);
  const copy = state.spread && state.fields.size === 0 ? null : compile(state);
  return { end, schema, copy, topic };
}

function compile(state: State): NonNullable<Fused['copy']> {
  const constants: unknown[] = [Object.prototype];
  const ref = (x: unknown) => {
    constants.push(x);
    return `k[${constants.length - 1}]`;
  };
  const parts: string[] = state.spread ? ['...v'] : [];
  for (const [name, e] of state.fields) {
    const source = e.source;
    let code = 'from' in source ? `v[${JSON.stringify(source.from)}]` : computed(source, ref);
    for (const op of e.ops) {
      code = `(${code} ?? ${op.fallback === null ? 'null' : ref(op.fallback)})`;
      if (op.map) code = `${ref(op.map)}${code}`;
    }
    parts.push(`${JSON.stringify(name)}: ${code}`);
  }
  // Names are JSON string literals and every other value is passed in `k`: no config text becomes code.
  // `t` and `p` are scratch for record paths (each field's expression is complete before the next).
  const factory = generateFunction(
    ['k'],
    `"use strict"; return (v, c) => { let t, p; return { ${parts.join(', ')} }; };`,
  );
  if (factory === null) return interpreted(state);
  return (factory as (k: unknown[]) => unknown)(constants) as NonNullable<Fused['copy']>;
}

/**
 * A computed field as code: its described value read inline (a constant, or a record path whose
 * intermediate values must be plain objects, as `isStruct`), else a call of its `get`. Inline reads keep
 * each property access monomorphic in the generated function instead of shared by every plan's getter.
 */
function computed(
  source: { readonly get: (record: ConnectRecord) => unknown; readonly is?: GetDescription },
  ref: (x: unknown) => string,
): string {
  const is = source.is;
  if (is === undefined) return `${ref(source.get)}(c)`;
  if ('constant' in is) return is.constant === null ? 'null' : ref(is.constant);
  const [first, ...rest] = is.path;
  let code = `c[${JSON.stringify(first)}]`;
  const plain =
    'typeof t === "object" && t !== null && ((p = Object.getPrototypeOf(t)) === k[0] || p === null)';
  rest.forEach((key, i) => {
    const read = `[${JSON.stringify(key)}] ?? null)`;
    code = i < (is.knownPlain ?? 0) ? `(${code}${read}` : `(t = ${code}, ${plain} ? (t${read} : null)`;
  });
  return code;
}

/** The same build where code generation is disallowed (`--disallow-code-generation-from-strings`). */
function interpreted(state: State): NonNullable<Fused['copy']> {
  const fields = [...state.fields];
  return (v, c) => {
    const out: Record<string, unknown> = state.spread ? { ...v } : {};
    for (const [name, e] of fields) {
      let x = 'from' in e.source ? v[e.source.from] : e.source.get(c);
      for (const op of e.ops) {
        x ??= op.fallback;
        if (op.map) x = op.map(x);
      }
      out[name] = x;
    }
    return out;
  };
}
