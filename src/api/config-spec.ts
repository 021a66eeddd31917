import { type ConfigValidation, parseConfig, validateConfig } from './config-parse.ts';
import type { ConfigProblem } from './errors.ts';
import type { Password } from './password.ts';

// Password lives in its own file so config-parse.ts can use it without importing this file back.
export { Password } from './password.ts';

/**
 * A plugin's configuration, declared once as data. From this one declaration Seam derives the typed
 * config object ({@link ConfigSpec.parse}), validation that reports every problem at once
 * ({@link ConfigSpec.validate}), the REST `/config` and `/config/validate` answers, and `seam docs`.
 * Keys are flat and dotted, as in Kafka Connect (`database.hostname`).
 */

export type ConfigType = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'list' | 'class' | 'password';
export type Importance = 'high' | 'medium' | 'low';

export type ValueOf<T extends ConfigType> = T extends 'int' | 'long' | 'double'
  ? number
  : T extends 'boolean'
    ? boolean
    : T extends 'list'
      ? string[]
      : T extends 'password'
        ? Password
        : string;

/** Returns an error message when the (already typed) value is invalid, else undefined. */
// Declared through a method so it is bivariant: a Validator<string> fits a key typed by the generic define().
export type Validator<V> = { check(value: V, key: string): string | undefined }['check'];

export interface ConfigKey<N extends string = string, T extends ConfigType = ConfigType> {
  readonly name: N;
  readonly type: T;
  readonly doc: string;
  /** Default, in the typed form. A key with neither default nor `required` is null when absent. */
  readonly default?: ValueOf<T> | null;
  readonly required?: boolean;
  readonly importance?: Importance;
  readonly group?: string;
  readonly orderInGroup?: number;
  readonly width?: 'none' | 'short' | 'medium' | 'long';
  readonly displayName?: string;
  readonly validator?: Validator<ValueOf<T>>;
  /** Allowed values, shown as `recommended_values` in REST validate answers. */
  readonly recommended?: readonly string[];
  readonly dependents?: readonly string[];
  /** Other accepted spellings of this key (older Debezium or Kafka names). */
  readonly aliases?: readonly string[];
}

type Entry<K> =
  K extends ConfigKey<infer N, infer T>
    ? { [P in N]: K extends { default: ValueOf<T> } | { required: true } ? ValueOf<T> : ValueOf<T> | null }
    : never;

/** Immutable set of declared keys; `define` returns a new spec, so specs compose (`base.define(...)`). */
export class ConfigSpec<V extends Record<string, unknown> = Record<string, never>> {
  readonly keys: readonly ConfigKey[];

  constructor(keys: readonly ConfigKey[] = []) {
    this.keys = keys;
  }

  define<const K extends ConfigKey<string, ConfigType>>(key: K): ConfigSpec<V & Entry<K>> {
    if (this.keys.some((k) => k.name === key.name))
      throw new TypeError(`config key '${key.name}' is defined twice`);
    return new ConfigSpec<V & Entry<K>>([...this.keys, key as unknown as ConfigKey]);
  }

  /** Adds every key of another spec (for shared groups such as `errors.*`). */
  merge<W extends Record<string, unknown>>(other: ConfigSpec<W>): ConfigSpec<V & W> {
    let out: ConfigSpec<Record<string, unknown>> = this as unknown as ConfigSpec<Record<string, unknown>>;
    for (const k of other.keys) out = out.define(k) as unknown as ConfigSpec<Record<string, unknown>>;
    return out as unknown as ConfigSpec<V & W>;
  }

  key(name: string): ConfigKey | undefined {
    return this.keys.find((k) => k.name === name || k.aliases?.includes(name));
  }

  /** Every problem in `raw`, none thrown. */
  validate(raw: Readonly<Record<string, unknown>>): ConfigValidation {
    return validateConfig(this.keys, raw);
  }

  /** The typed values; throws ConfigError listing every problem. */
  parse(raw: Readonly<Record<string, unknown>>): Readonly<V> {
    return parseConfig(this.keys, raw) as Readonly<V>;
  }
}

export function configSpec(): ConfigSpec {
  return new ConfigSpec();
}

export type ConfigOf<S> = S extends ConfigSpec<infer V> ? Readonly<V> : never;

export type { ConfigProblem, ConfigValidation };
