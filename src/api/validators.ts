import type { Validator } from './config-spec.ts';

/** Reusable validators for {@link ConfigKey.validator}; each message names the allowed values. */

export function atLeast(min: number): Validator<number> {
  return (v) => (v < min ? `Invalid value ${v}: must be at least ${min}` : undefined);
}

export function between(min: number, max: number): Validator<number> {
  return (v) => (v < min || v > max ? `Invalid value ${v}: must be between ${min} and ${max}` : undefined);
}

export function oneOf(allowed: readonly string[], caseInsensitive = true): Validator<string> {
  const norm = caseInsensitive ? allowed.map((a) => a.toLowerCase()) : allowed;
  return (v) =>
    norm.includes(caseInsensitive ? v.toLowerCase() : v)
      ? undefined
      : `Invalid value '${v}': must be one of ${allowed.join(', ')}`;
}

export function listOf(allowed: readonly string[]): Validator<string[]> {
  return (vs) => {
    const bad = vs.filter((v) => !allowed.includes(v));
    return bad.length
      ? `Invalid value(s) ${bad.join(', ')}: each must be one of ${allowed.join(', ')}`
      : undefined;
  };
}

export function nonEmpty(): Validator<string> {
  return (v) => (v.trim() === '' ? 'must not be empty' : undefined);
}

export function nonEmptyList(): Validator<string[]> {
  return (v) => (v.length === 0 ? 'must list at least one value' : undefined);
}

/** The value must compile as a regular expression (Java-style patterns are mostly compatible). */
export function regex(): Validator<string> {
  return (v) => {
    try {
      new RegExp(v);
      return undefined;
    } catch (e) {
      return `Invalid regular expression '${v}': ${(e as Error).message}`;
    }
  };
}
