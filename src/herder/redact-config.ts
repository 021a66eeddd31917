import { Password } from '../api/index.ts';
import { SECRET_KEY } from '../instrumentation/logger.ts';
import type { RawConfig } from './herder.ts';

/**
 * A connector config as the herder returns it: values of password-typed keys of the plugin's spec, and of
 * secret-looking keys, shown as `[hidden]`. A `${provider:…}` reference is kept, as Kafka Connect shows
 * it: it names where the secret lives, not the secret.
 */
export function redactConfig(config: RawConfig, passwordKeys: ReadonlySet<string>): RawConfig {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    const secret = passwordKeys.has(k) || SECRET_KEY.test(k);
    out[k] = secret && !/^\$\{[^}]+\}$/.test(v.trim()) ? Password.HIDDEN : v;
  }
  return out;
}
