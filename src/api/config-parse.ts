import type { ConfigKey, ConfigType } from './config-spec.ts';
import { ConfigError, type ConfigProblem } from './errors.ts';
import { Password } from './password.ts';

/** Result of validating a raw config: typed values for the keys that parsed, and every problem found. */
export interface ConfigValidation {
  readonly values: Readonly<Record<string, unknown>>;
  readonly problems: readonly ConfigProblem[];
}

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Converts one raw value (JSON value or Kafka-style string) to its typed form, or returns an error message. */
export function coerce(type: ConfigType, raw: unknown): { value: unknown } | { error: string } {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  switch (type) {
    case 'int':
    case 'long': {
      const n =
        typeof text === 'number'
          ? text
          : typeof text === 'string' && /^[+-]?\d+$/.test(text)
            ? Number(text)
            : Number.NaN;
      if (!Number.isSafeInteger(n)) return { error: `Invalid value ${String(raw)}: not a whole number` };
      if (type === 'int' && (n < INT32_MIN || n > INT32_MAX))
        return { error: `Invalid value ${n}: out of the int range` };
      return { value: n };
    }
    case 'double': {
      const n =
        typeof text === 'number' ? text : typeof text === 'string' && text !== '' ? Number(text) : Number.NaN;
      return Number.isFinite(n) ? { value: n } : { error: `Invalid value ${String(raw)}: not a number` };
    }
    case 'boolean': {
      if (typeof text === 'boolean') return { value: text };
      if (typeof text === 'string' && /^(true|false)$/i.test(text))
        return { value: text.toLowerCase() === 'true' };
      return { error: `Invalid value ${String(raw)}: expected true or false` };
    }
    case 'list': {
      if (Array.isArray(text)) return { value: text.map((v) => String(v).trim()).filter((v) => v !== '') };
      if (typeof text === 'string')
        return {
          value:
            text === ''
              ? []
              : text
                  .split(',')
                  .map((v) => v.trim())
                  .filter((v) => v !== ''),
        };
      return { error: `Invalid value ${String(raw)}: expected a comma-separated list` };
    }
    case 'password':
      if (raw instanceof Password) return { value: raw };
      return typeof raw === 'string'
        ? { value: new Password(raw) }
        : { error: 'Invalid value: expected a string' };
    default:
      if (typeof raw === 'string') return { value: type === 'class' ? raw.trim() : raw };
      if (typeof raw === 'number' || typeof raw === 'boolean') return { value: String(raw) };
      return { error: `Invalid value ${JSON.stringify(raw)}: expected a string` };
  }
}

function rawValue(key: ConfigKey, raw: Readonly<Record<string, unknown>>): unknown {
  if (raw[key.name] !== undefined) return raw[key.name];
  for (const alias of key.aliases ?? []) if (raw[alias] !== undefined) return raw[alias];
  return undefined;
}

export function validateConfig(
  keys: readonly ConfigKey[],
  raw: Readonly<Record<string, unknown>>,
): ConfigValidation {
  const values: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  for (const key of keys) {
    const given = rawValue(key, raw);
    if (given === undefined || given === null) {
      if (key.required)
        problems.push({
          key: key.name,
          message: `Missing required configuration "${key.name}" which has no default value.`,
        });
      values[key.name] = key.default ?? null;
      continue;
    }
    const result = coerce(key.type, given);
    if ('error' in result) {
      problems.push({ key: key.name, message: `${result.error} for configuration ${key.name}` });
      continue;
    }
    const message = key.validator?.(result.value as never, key.name);
    if (message) problems.push({ key: key.name, message });
    values[key.name] = result.value;
  }
  return { values, problems };
}

export function parseConfig(
  keys: readonly ConfigKey[],
  raw: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const { values, problems } = validateConfig(keys, raw);
  if (problems.length > 0) throw new ConfigError(problems);
  return values as Record<string, unknown>;
}
