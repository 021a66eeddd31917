import type { ConfigSpec } from './config-spec.ts';
import type { EntryPlan, FieldPlan } from './field-plan.ts';
import type { ConnectRecord } from './record.ts';
import type { Schema } from './schema.ts';

/**
 * A single message transform.
 *
 * Contract (as Kafka's Transformation):
 * - `apply` is pure: it returns a NEW record (or the same object when nothing changes) or null to drop
 *   the record. It never mutates its input, which may be deep-frozen.
 * - It is synchronous and may be called for records of any topic, source or sink.
 * - A record it cannot handle (wrong type, missing required field) throws DataError; the runtime applies
 *   errors.tolerance and the dead-letter queue. Any other throw is a bug and fails the task.
 * - Instances are created per task and configured once, so caches (e.g. of rebuilt schemas) are safe.
 */
export interface Transformation<R extends ConnectRecord = ConnectRecord> {
  apply(record: R): R | null;
  /**
   * Optional; same result as `apply`, written into `draft` instead of a new record. `draft` is a private,
   * mutable copy the runtime made and nobody else has seen: the transform may reassign its fields, never
   * change the objects they point to (those may be shared or frozen). Returns false to drop the record.
   * The runtime uses it to pass a record through consecutive steps with one copy instead of one per
   * step; it never shows the draft to anyone and then keeps writing to it. Default: `apply` is used.
   */
  applyTo?(draft: Draft<R>): boolean;
  /**
   * Optional; what `apply` does to any record whose value is a plain object of `valueSchema` (a struct),
   * as a plan the runtime may fuse with the neighbouring steps' plans into one struct build. Null when the
   * step cannot be described so for that schema. Same schema, same plan object (the runtime caches by it).
   */
  fieldPlan?(valueSchema: Schema): FieldPlan | null;
  /**
   * Optional; for a step whose input struct is not the value itself: the plan that `apply` follows for
   * this record, or null when it takes another path (drops it, changes other fields …). Plans are
   * shared between records (cached per schema), never built per record.
   */
  entryPlan?(record: R): EntryPlan | null;
  close?(): void;
}

/** A record whose fields a transform may reassign (see {@link Transformation.applyTo}). */
export type Draft<R extends ConnectRecord> = { -readonly [K in keyof R]: R[K] };

/** A condition for applying a transform (`transforms.x.predicate`), negatable with `transforms.x.negate`. */
export interface Predicate<R extends ConnectRecord = ConnectRecord> {
  test(record: R): boolean;
  close?(): void;
}

export interface TransformPlugin {
  readonly kind: 'transformation';
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly doc: string;
  readonly configSpec: ConfigSpec<Record<string, unknown>>;
  /** `config` holds this transform's keys with the `transforms.<alias>.` prefix removed. Throws ConfigError. */
  create(config: Readonly<Record<string, unknown>>): Transformation;
}

export interface PredicatePlugin {
  readonly kind: 'predicate';
  readonly className: string;
  readonly aliases: readonly string[];
  readonly version: string;
  readonly doc: string;
  readonly configSpec: ConfigSpec<Record<string, unknown>>;
  create(config: Readonly<Record<string, unknown>>): Predicate;
}
