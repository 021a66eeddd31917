import type { ConnectRecord } from './record.ts';
import type { Schema } from './schema.ts';

/**
 * INTERNAL, not part of the plugin SPI (not exported from index.ts; may change in any release): the data
 * of the built-in transforms' speed hooks (transform-hooks.ts). A value-rewriting transform describes, per
 * input value schema, the struct it builds, so the runtime can fuse consecutive such steps into one
 * struct build per record (see `TransformHooks.fieldPlan`). Plans are data about the transform;
 * running it stays `apply`'s job.
 */

/** One output field of a {@link FieldPlan}. */
export type PlanField =
  | {
      readonly name: string;
      /** Read as `input[from]`; a null or absent value reads as `fallback`, then `map` (if any) applies. */
      readonly from: string;
      readonly fallback: unknown;
      readonly map?: (v: unknown) => unknown;
    }
  | {
      readonly name: string;
      /**
       * Computed from the record as it entered the step: only its metadata (topic, partition, offset,
       * timestamp, key, headers) — except in an {@link EntryPlan}, whose `get`s may also read its value.
       */
      readonly get: (record: ConnectRecord) => unknown;
      /**
       * Optional: what `get` computes, as data the runtime may compile into its generated code instead of
       * calling `get` (it must then give the same value for every record the plan is used for): see
       * {@link GetDescription}.
       */
      readonly is?: GetDescription;
    };

/**
 * What a computed {@link PlanField}'s `get` does, as data. `{ constant }`: always that value.
 * `{ path: [p0, p1, …] }`: reads `record[p0]`, then for each further key the value so far must be a plain
 * object (prototype `Object.prototype` or null; else the result is null) and gives `value[key] ?? null`.
 * `knownPlain: n` promises that the first n values read along the path are plain objects for every record
 * the plan is used for (e.g. a change event an entry plan has checked), so their check can be skipped.
 */
export type GetDescription =
  | { readonly constant: unknown }
  | { readonly path: readonly [string, ...string[]]; readonly knownPlain?: number };

export interface FieldPlan {
  /** The value schema of the output. */
  readonly schema: Schema;
  /**
   * The output struct: `{...input}` when `spread`, then `fields` in order (a repeated name keeps its first
   * position and its last value, as in an object literal); null when the input struct itself is the output.
   */
  readonly struct: { readonly spread: boolean; readonly fields: readonly PlanField[] } | null;
  /** The new topic, from the topic the record had when it entered the step; absent keeps the topic. */
  readonly topic?: (topic: string) => string;
}

/** A plan that reads its input struct out of the record (e.g. the row inside a change event). */
export interface EntryPlan extends FieldPlan {
  readonly input: (record: ConnectRecord) => Readonly<Record<string, unknown>>;
}
