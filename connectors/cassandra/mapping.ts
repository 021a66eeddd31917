/**
 * The DataStax mapping DSL: `topic.<topic>.<keyspace>.<table>.mapping = col1=key.f1, col2=value.f1,
 * col3=header.h1, col4=now(), __ttl=value.f2, __timestamp=value.f3` plus per-table settings under the same
 * prefix. Topic names may contain dots; keyspace and table names cannot, so the last two segments before
 * the setting name are the table. `topic.<topic>.codec.*` settings are accepted and not used yet.
 */

/** Where a column's value comes from. `path` is empty for the whole key or value. */
export type Source =
  | { readonly from: 'key' | 'value'; readonly path: readonly string[] }
  | { readonly from: 'header'; readonly name: string }
  | { readonly from: 'now' };

export type TimeUnit =
  | 'MICROSECONDS'
  | 'MILLISECONDS'
  | 'SECONDS'
  | 'MINUTES'
  | 'HOURS'
  | 'DAYS'
  | 'NANOSECONDS';

export interface TableMapping {
  readonly topic: string;
  readonly keyspace: string;
  readonly table: string;
  /** The config key prefix, for messages: `topic.<topic>.<keyspace>.<table>`. */
  readonly prefix: string;
  /** Column (as CQL names it, unquoted) → source, in mapping order. */
  readonly columns: ReadonlyMap<string, Source>;
  readonly ttlSource: Source | null;
  readonly timestampSource: Source | null;
  readonly consistencyLevel: string;
  /** Seconds; -1 = none (the table's default). */
  readonly ttl: number;
  readonly ttlTimeUnit: TimeUnit;
  readonly timestampTimeUnit: TimeUnit;
  readonly nullToUnset: boolean;
  readonly deletesEnabled: boolean;
  readonly query: string | null;
}

const SETTINGS = new Set([
  'mapping',
  'consistencyLevel',
  'ttl',
  'ttlTimeUnit',
  'timestampTimeUnit',
  'nullToUnset',
  'deletesEnabled',
  'query',
]);
const KEY = /^topic\.(.+)\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)\.([A-Za-z]+)$/;
const UNITS = new Set(['NANOSECONDS', 'MICROSECONDS', 'MILLISECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS']);
export const CONSISTENCY_LEVELS = [
  'ANY',
  'ONE',
  'TWO',
  'THREE',
  'QUORUM',
  'ALL',
  'LOCAL_QUORUM',
  'EACH_QUORUM',
  'LOCAL_ONE',
] as const;

export interface ParsedMappings {
  readonly mappings: readonly TableMapping[];
  readonly problems: readonly { key: string; message: string }[];
}

/** Every mapping of the config, and every problem with them (none thrown). */
export function parseMappings(raw: Readonly<Record<string, unknown>>): ParsedMappings {
  const problems: { key: string; message: string }[] = [];
  const tables = new Map<string, Map<string, string>>();
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith('topic.') || /^topic\..+\.codec\.[A-Za-z]+$/.test(key)) continue;
    const m = KEY.exec(key);
    if (!m || !SETTINGS.has(m[4]!)) {
      problems.push({
        key,
        message: `is not topic.<topic>.<keyspace>.<table>.<setting> with a setting among ${[...SETTINGS].join(', ')}`,
      });
      continue;
    }
    const prefix = `topic.${m[1]}.${m[2]}.${m[3]}`;
    const settings = tables.get(prefix) ?? new Map<string, string>();
    settings.set(m[4]!, String(value ?? ''));
    tables.set(prefix, settings);
  }
  const mappings: TableMapping[] = [];
  for (const [prefix, settings] of tables) {
    const m = KEY.exec(`${prefix}.mapping`)!;
    const mapping = tableMapping(m[1]!, m[2]!, m[3]!, prefix, settings, problems);
    if (mapping) mappings.push(mapping);
  }
  return { mappings, problems };
}

function tableMapping(
  topic: string,
  keyspace: string,
  table: string,
  prefix: string,
  s: ReadonlyMap<string, string>,
  problems: { key: string; message: string }[],
): TableMapping | null {
  const problem = (setting: string, message: string) =>
    problems.push({ key: `${prefix}.${setting}`, message });
  const text = s.get('mapping');
  if (text === undefined || text.trim() === '') {
    problem('mapping', 'is required for every table a topic feeds');
    return null;
  }
  const columns = new Map<string, Source>();
  let ttlSource: Source | null = null;
  let timestampSource: Source | null = null;
  for (const entry of text.split(',')) {
    const eq = entry.indexOf('=');
    const column = unquote(entry.slice(0, eq).trim());
    const source = eq > 0 ? parseSource(entry.slice(eq + 1).trim()) : null;
    if (eq <= 0 || column === '' || source === null) {
      problem(
        'mapping',
        `'${entry.trim()}' is not column=key[.field], value[.field], header.<name> or now()`,
      );
      continue;
    }
    if (column === '__ttl') ttlSource = source;
    else if (column === '__timestamp') timestampSource = source;
    else if (columns.has(column)) problem('mapping', `column '${column}' is mapped twice`);
    else columns.set(column, source);
  }
  const unit = (name: string, fallback: TimeUnit): TimeUnit => {
    const v = (s.get(name) ?? fallback).toUpperCase();
    if (UNITS.has(v)) return v as TimeUnit;
    problem(name, `'${v}' is not one of ${[...UNITS].join(', ')}`);
    return fallback;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const v = (s.get(name) ?? String(fallback)).toLowerCase();
    if (v === 'true' || v === 'false') return v === 'true';
    problem(name, `'${v}' is not true or false`);
    return fallback;
  };
  const consistencyLevel = (s.get('consistencyLevel') ?? 'LOCAL_ONE').toUpperCase();
  if (!(CONSISTENCY_LEVELS as readonly string[]).includes(consistencyLevel))
    problem('consistencyLevel', `'${consistencyLevel}' is not one of ${CONSISTENCY_LEVELS.join(', ')}`);
  const ttlText = s.get('ttl') ?? '-1';
  const ttl = /^-?\d+$/.test(ttlText.trim()) ? Number(ttlText) : Number.NaN;
  if (!Number.isSafeInteger(ttl) || ttl < -1) problem('ttl', `'${ttlText}' is not -1 (none) or a number ≥ 0`);
  const query = s.get('query')?.trim() || null;
  return {
    topic,
    keyspace,
    table,
    prefix,
    columns,
    ttlSource,
    timestampSource,
    consistencyLevel,
    ttl: Number.isSafeInteger(ttl) ? ttl : -1,
    ttlTimeUnit: unit('ttlTimeUnit', 'SECONDS'),
    timestampTimeUnit: unit('timestampTimeUnit', 'MICROSECONDS'),
    nullToUnset: bool('nullToUnset', true),
    // DataStax: a custom query disables deletes.
    deletesEnabled: bool('deletesEnabled', true) && query === null,
    query,
  };
}

function parseSource(text: string): Source | null {
  if (/^now\(\s*\)$/i.test(text)) return { from: 'now' };
  const [head, ...path] = text.split('.');
  if ((head === 'key' || head === 'value') && path.every((p) => p !== ''))
    return { from: head, path: path.map(stripQuotes) };
  if (head === 'header' && path.length > 0 && path.every((p) => p !== ''))
    return { from: 'header', name: path.join('.') };
  return null;
}

function stripQuotes(name: string): string {
  return name.startsWith('"') && name.endsWith('"') && name.length > 1 ? name.slice(1, -1) : name;
}

/** `"MixedCase"` names a case-sensitive column; bare names are case-insensitive in CQL. */
function unquote(name: string): string {
  return name.startsWith('"') && name.endsWith('"') && name.length > 1
    ? name.slice(1, -1)
    : name.toLowerCase();
}

/** `amount` in `unit` as `target` (truncating); used for __ttl (→ seconds) and __timestamp (→ µs). */
export function convertUnit(
  amount: number | bigint,
  unit: TimeUnit,
  target: 'SECONDS' | 'MICROSECONDS',
): bigint {
  const NS: Record<TimeUnit, bigint> = {
    NANOSECONDS: 1n,
    MICROSECONDS: 1_000n,
    MILLISECONDS: 1_000_000n,
    SECONDS: 1_000_000_000n,
    MINUTES: 60_000_000_000n,
    HOURS: 3_600_000_000_000n,
    DAYS: 86_400_000_000_000n,
  };
  const value = typeof amount === 'bigint' ? amount : BigInt(Math.trunc(amount));
  return (value * NS[unit]) / NS[target];
}
