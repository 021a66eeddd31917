import type { TaskConfig } from '../api/index.ts';
import { hasReferences } from './config-providers.ts';
import { SecretValues } from './redact.ts';

/**
 * Puts config provider references back into the task configs a connector derived from its resolved config
 * (Kafka Connect's herder does the same "reverse transform" before it stores task configs), so a task
 * config — stored in connectors.json and served by `GET /connectors/{name}/tasks` — holds
 * `${file:/run/secrets/db:password}`, never the password. Tasks resolve their config again when they start.
 *
 * A key whose raw connector value holds references takes that raw value back. A resolved value the
 * connector copied into another key (or inside a longer value) is replaced by its raw value when it
 * appears whole. (A fragment of a secret in a derived value cannot be put back; REST hides it when it
 * serves the config, as it scrubs every known secret value: redact.ts.)
 */
export function reverseTransform(
  raw: Readonly<Record<string, string>>,
  resolved: Readonly<Record<string, string>>,
  taskConfigs: readonly TaskConfig[],
): TaskConfig[] {
  const substitutions: [value: string, reference: string][] = [];
  for (const [key, value] of Object.entries(raw)) {
    const actual = resolved[key];
    if (typeof value === 'string' && hasReferences(value) && actual !== undefined && actual !== value)
      substitutions.push([actual, value]);
  }
  if (substitutions.length === 0) return [...taskConfigs];
  // Longest first, so a value that contains another is put back whole.
  substitutions.sort((a, b) => b[0].length - a[0].length);
  return taskConfigs.map((config) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
      const rawValue = raw[key];
      if (rawValue !== undefined && hasReferences(rawValue) && value === resolved[key]) {
        out[key] = rawValue;
        continue;
      }
      let text = value;
      for (const [actual, reference] of substitutions)
        if (actual.length >= SecretValues.MIN_LENGTH && text.includes(actual))
          text = text.split(actual).join(reference);
      out[key] = text;
    }
    return out;
  });
}
