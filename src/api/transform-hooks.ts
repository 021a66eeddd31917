import type { EntryPlan, FieldPlan } from './field-plan.ts';
import type { ConnectRecord } from './record.ts';
import type { Schema } from './schema.ts';
import type { Transformation } from './transform.ts';

/**
 * INTERNAL, not part of the plugin SPI (not exported from index.ts; may change in any release). Speed
 * hooks the built-in transforms give the runtime's transform chain; they live in src/api only because
 * transforms/ may import nothing else of src/. A transformation without them is fully correct: the chain
 * then calls `apply`, which stays the one definition of what a transform does. Each hook must give
 * exactly what `apply` gives (the conformance suites compare them); see
 * docs/decisions/2026-12-02-plugin-spi-internal-hooks.md and 2026-11-23-transform-chain-speed.md.
 *
 * The hooks hang off the transformation under a private symbol, never as ordinary members, so a plugin
 * that happens to have a method of the same name is never mistaken for implementing one.
 */
export interface TransformHooks<R extends ConnectRecord = ConnectRecord> {
  /**
   * Same result as `apply`, written into `draft` instead of a new record. `draft` is a private, mutable
   * copy the runtime made and nobody else has seen: the hook may reassign its fields, never change the
   * objects they point to (those may be shared or frozen). Returns false to drop the record. The runtime
   * uses it to pass a record through consecutive steps with one copy instead of one per step; it never
   * shows the draft to anyone and then keeps writing to it.
   */
  applyTo?(draft: Draft<R>): boolean;
  /**
   * What `apply` does to any record whose value is a plain object of `valueSchema` (a struct), as a plan
   * the runtime may fuse with the neighbouring steps' plans into one struct build. Null when the step
   * cannot be described so for that schema. Same schema, same plan object (the runtime caches by it).
   */
  fieldPlan?(valueSchema: Schema): FieldPlan | null;
  /**
   * For a step whose input struct is not the value itself: the plan that `apply` follows for this
   * record, or null when it takes another path (drops it, changes other fields …). Plans are shared
   * between records (cached per schema), never built per record.
   */
  entryPlan?(record: R): EntryPlan | null;
}

/** A record whose fields a hook may reassign (see {@link TransformHooks.applyTo}). */
export type Draft<R extends ConnectRecord> = { -readonly [K in keyof R]: R[K] };

const HOOKS: unique symbol = Symbol('seam.internal.transformHooks');

type Hooked = Transformation & { [HOOKS]?: TransformHooks };

/** `transformation` with `hooks` attached (the same object, returned for chaining). */
export function withHooks<T extends Transformation>(transformation: T, hooks: TransformHooks): T {
  (transformation as Hooked)[HOOKS] = hooks;
  return transformation;
}

/** The hooks of a transformation, if it has any; read once when a chain is built, not per record. */
export function hooksOf<R extends ConnectRecord>(
  transformation: Transformation<R>,
): TransformHooks<R> | null {
  return ((transformation as unknown as Hooked)[HOOKS] as TransformHooks<R> | undefined) ?? null;
}
