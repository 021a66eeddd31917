import type { ConfigSpec } from './config-spec.ts';
import type { ConnectRecord } from './record.ts';

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
 *
 * `apply` is the whole contract. The built-in transforms also carry internal speed hooks
 * (src/api/transform-hooks.ts: a shared draft, field plans the runtime fuses); those are not part of
 * the SPI, may change in any release, and a plugin that ignores them is correct and complete.
 */
export interface Transformation<R extends ConnectRecord = ConnectRecord> {
  apply(record: R): R | null;
  /** Optional; releases what the instance holds, when the chain it is in is closed. */
  close?(): void;
}

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
