import { type ConfigKey, Password } from '../api/index.ts';

/**
 * Secret redaction for REST answers and log lines. A value is hidden when its key is password-typed in
 * the plugin's spec, or when the key looks like a secret (so keys of transforms, converters, overrides and
 * unknown plugins are covered too). A value made only of `${provider:…}` references is kept, as Kafka
 * Connect shows it: it names where the secret lives, not the secret.
 */
export const HIDDEN = Password.HIDDEN;

const SECRET_LOOKING =
  /password|passwd|secret|token|api[._-]?key|credentials|jaas\.config|user\.info|private\.key/i;
const ONLY_REFERENCES = /^\s*(?:\$\{[^}]*\}\s*)+$/;

export function isSecretLookingKey(name: string): boolean {
  return SECRET_LOOKING.test(name);
}

/** A copy of `config` with secret values replaced by `[hidden]`; `findKey` looks a key up in the plugin specs. */
export function redactConfig<V>(
  config: Readonly<Record<string, V>>,
  findKey: (name: string) => ConfigKey | undefined = () => undefined,
): Record<string, V | string> {
  const out: Record<string, V | string> = {};
  for (const [name, value] of Object.entries(config)) {
    out[name] = isSecretValue(name, value, findKey) ? HIDDEN : value;
  }
  return out;
}

function isSecretValue(
  name: string,
  value: unknown,
  findKey: (name: string) => ConfigKey | undefined,
): boolean {
  if (value instanceof Password) return true;
  if (value === null || value === undefined) return false;
  if (findKey(name)?.type !== 'password' && !SECRET_LOOKING.test(name)) return false;
  return !(typeof value === 'string' && ONLY_REFERENCES.test(value));
}
