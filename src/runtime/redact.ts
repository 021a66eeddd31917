import { type ConfigKey, Password } from '../api/index.ts';

/**
 * Secret redaction for REST answers, status traces and log lines.
 * - A config value is hidden when its key is password-typed in the plugin's spec, or when the key looks like
 *   a secret (so keys of transforms, converters, overrides and unknown plugins are covered too). A value
 *   made only of `${provider:…}` references is kept, as Kafka Connect shows it: it names where the secret
 *   lives, not the secret.
 * - Credentials inside URLs are masked wherever a URL is printed: the userinfo of `scheme://user:pw@host`
 *   and password-like query or JDBC parameters (`?password=…`, `;password=…`).
 * - Text (traces, error messages, log lines) is scrubbed of every secret value the worker has seen: values
 *   resolved by config providers and literal values of secret keys, registered in {@link knownSecrets}.
 */
export const HIDDEN = Password.HIDDEN;

const SECRET_LOOKING =
  /password|passwd|secret|token|api[._-]?key|credentials|jaas\.config|user\.info|private\.key/i;
const ONLY_REFERENCES = /^\s*(?:\$\{[^}]*\}\s*)+$/;
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'\\<>]+@/gi;
const SECRET_PARAMETER =
  /([?&;\s](?:password|passwd|pwd|secret|token|access[_-]?token|api[_-]?key|sslpassword|sslkey)=)[^&;\s"'\\#]*/gi;

export function isSecretLookingKey(name: string): boolean {
  return SECRET_LOOKING.test(name);
}

/** `http://user:pw@host/?password=x` → `http://[hidden]@host/?password=[hidden]`, anywhere in `text`. */
export function maskUrlCredentials(text: string): string {
  if (!text.includes('@') && !text.includes('=')) return text;
  return text
    .replace(URL_USERINFO, (match, scheme: string) =>
      onlyReferencedSecret(match.slice(scheme.length, -1)) ? match : `${scheme}${HIDDEN}@`,
    )
    .replace(SECRET_PARAMETER, (match, name: string) =>
      ONLY_REFERENCES.test(match.slice(name.length)) ? match : `${name}${HIDDEN}`,
    );
}

/** `user:${env:PW}` names where the password lives, as a reference-only config value does: shown. */
function onlyReferencedSecret(userinfo: string): boolean {
  const literal = userinfo.replace(/\$\{[^}]*\}/g, '');
  if (literal === userinfo) return false;
  const colon = literal.indexOf(':');
  return colon < 0 ? literal === '' : colon === literal.length - 1;
}

/** A copy of `config` with secret values replaced by `[hidden]`; `findKey` looks a key up in the plugin specs. */
export function redactConfig<V>(
  config: Readonly<Record<string, V>>,
  findKey: (name: string) => ConfigKey | undefined = () => undefined,
): Record<string, V | string> {
  const out: Record<string, V | string> = {};
  for (const [name, value] of Object.entries(config)) {
    out[name] = isSecretValue(name, value, findKey)
      ? HIDDEN
      : typeof value === 'string'
        ? scrubText(value)
        : value;
  }
  return out;
}

/** True when the value of `name` must not be shown (password-typed or secret-looking, not only references). */
export function isSecretValue(
  name: string,
  value: unknown,
  findKey: (name: string) => ConfigKey | undefined = () => undefined,
): boolean {
  if (value instanceof Password) return true;
  if (value === null || value === undefined) return false;
  if (findKey(name)?.type !== 'password' && !SECRET_LOOKING.test(name)) return false;
  return !(typeof value === 'string' && ONLY_REFERENCES.test(value));
}

/**
 * The secret values a worker has seen, to scrub them from free text. Values shorter than
 * {@link SecretValues.MIN_LENGTH} are not tracked (scrubbing every "1" would wreck every line); the set is
 * bounded, the oldest forgotten first. Literal values typed into a config are tracked from
 * {@link SecretValues.LITERAL_MIN_LENGTH} characters: a short literal such as a test password `seam`
 * would otherwise blank out every `seam.` error code, and a literal is rarely quoted back (URLs, where it
 * is, are masked by their structure); values read by a config provider are tracked from 4.
 */
export class SecretValues {
  static readonly MIN_LENGTH = 4;
  static readonly LITERAL_MIN_LENGTH = 8;
  static readonly MAX_VALUES = 2000;
  readonly #values = new Set<string>();
  #pattern: RegExp | null = null;

  add(value: string, minLength = SecretValues.MIN_LENGTH): void {
    if (
      value.length < Math.max(minLength, SecretValues.MIN_LENGTH) ||
      value === HIDDEN ||
      this.#values.has(value)
    )
      return;
    if (this.#values.size >= SecretValues.MAX_VALUES) {
      const oldest = this.#values.values().next().value;
      if (oldest !== undefined) this.#values.delete(oldest);
    }
    this.#values.add(value);
    // As JSON escapes it too, since log lines are JSON.
    const escaped = JSON.stringify(value).slice(1, -1);
    if (escaped !== value) this.#values.add(escaped);
    this.#pattern = null;
  }

  /** Registers the secret values of a raw config: secret keys' literals (reference-only values excluded). */
  addConfig(
    config: Readonly<Record<string, unknown>>,
    findKey?: (name: string) => ConfigKey | undefined,
  ): void {
    for (const [name, value] of Object.entries(config))
      if (typeof value === 'string' && isSecretValue(name, value, findKey))
        this.add(value.trim(), SecretValues.LITERAL_MIN_LENGTH);
  }

  scrub(text: string): string {
    if (this.#values.size === 0) return text;
    this.#pattern ??= new RegExp(
      [...this.#values]
        .sort((a, b) => b.length - a.length)
        .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, HIDDEN);
  }
}

/** The process's secret values (a worker runs one per process; the logger is process-wide too). */
export const knownSecrets = new SecretValues();

/** `text` with URL credentials masked and every known secret value replaced by `[hidden]`. */
export function scrubText(text: string, secrets: SecretValues = knownSecrets): string {
  return secrets.scrub(maskUrlCredentials(text));
}
