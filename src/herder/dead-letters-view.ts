import type { StoredRecord } from '../log/topic-log.ts';
import { ERROR_HEADER_PREFIX, ERROR_HEADERS, errorHeader } from '../runtime/dead-letter.ts';
import { bad } from './herder-errors.ts';

/**
 * How a dead letter is shown and selected (`GET /connectors/{name}/dead-letters`, `…/redrive`): pure
 * functions over the stored records, so the REST shapes and the selection rules are tested without a log.
 */

/** Bytes as UTF-8 text when they are valid UTF-8, else base64; null stays null. */
export type RenderedBytes = { readonly text: string } | { readonly base64: string } | null;

export interface DeadLetterReason {
  readonly exception_class: string;
  readonly pattern: string;
  readonly stage: string;
  readonly count: number;
  /** One full message of the group (scrubbed of secrets). */
  readonly example: string;
}

export interface DeadLetterView {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: string;
  readonly redriven: boolean;
  /** Where the record was read from (sinks) or was going (sources: `partition`/`offset` are the source's JSON). */
  readonly original: { readonly topic: string; readonly partition: string; readonly offset: string } | null;
  readonly key: RenderedBytes;
  readonly value: RenderedBytes;
  /** The `__connect.errors.*` context headers, as text (secrets scrubbed). */
  readonly error_headers: Readonly<Record<string, string>>;
  /** The record's own headers. */
  readonly headers: readonly { readonly key: string; readonly value: RenderedBytes }[];
}

/** `GET /connectors/{name}/dead-letters`: where the page starts and how long it is. */
export interface DeadLetterPageRequest {
  readonly partition?: number;
  readonly offset?: number;
  readonly limit: number;
  /** Also list records already redriven (marked `redriven: true`). */
  readonly includeRedriven: boolean;
}

export interface DeadLetterPosition {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: string;
}

export interface DeadLettersInfo {
  readonly connector: string;
  readonly type: 'source' | 'sink';
  readonly topic: string;
  /** Dead letters of this connector not redriven yet. */
  readonly count: number;
  readonly redriven: number;
  readonly oldest: DeadLetterPosition | null;
  readonly newest: DeadLetterPosition | null;
  readonly reasons: readonly DeadLetterReason[];
  readonly records: readonly DeadLetterView[];
  /** Where the next page starts (`?partition=&offset=`); null at the end. */
  readonly next: { readonly partition: number; readonly offset: number } | null;
  /** False when the topic holds more than one scan reads: counts and reasons cover the oldest part. */
  readonly complete: boolean;
  readonly redrive: { readonly supported: boolean; readonly reason?: string };
}

export interface RedriveSummary {
  readonly connector: string;
  readonly topic: string;
  readonly dry_run: boolean;
  /** Pending dead letters the selection matched. */
  readonly selected: number;
  /** Written to the sink this time. */
  readonly redriven: number;
  /** Failed again: back in the dead-letter topic with the new reason. */
  readonly failed_again: number;
  /** Selected but left for another call (the call's limit or time budget). */
  readonly remaining: number;
  /** Matched but without error context (written before context headers were enabled): left alone. */
  readonly skipped: number;
  readonly failures: readonly {
    readonly partition: number;
    readonly offset: number;
    readonly exception_class: string;
    readonly message: string;
  }[];
}

/** Which pending dead letters a redrive takes: every given filter must match (AND). */
export interface RedriveSelection {
  readonly all: boolean;
  /** Case-insensitive substring of the exception class, message or reason pattern. */
  readonly reason?: string;
  /** Tested against `<exception class>: <message>`. */
  readonly reasonRegex?: RegExp;
  readonly partition?: number;
  /** Dead-letter topic offsets, inclusive. */
  readonly fromOffset?: number;
  readonly toOffset?: number;
  /** At most this many records in one call (the rest stay for the next). */
  readonly limit: number;
  readonly dryRun: boolean;
}

export const DEFAULT_REDRIVE_LIMIT = 10_000;
export const MAX_REDRIVE_LIMIT = 100_000;
const MAX_REGEX_LENGTH = 1000;
const MAX_STACKTRACE_CHARS = 4000;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function renderBytes(bytes: Uint8Array | null): RenderedBytes {
  if (bytes === null) return null;
  try {
    return { text: strictUtf8.decode(bytes) };
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}

/** The facts of one dead letter that grouping and selection need. */
export interface DeadLetterFacts {
  readonly connector: string | undefined;
  readonly exceptionClass: string;
  readonly message: string;
  readonly stage: string;
}

export function factsOf(record: StoredRecord, scrub: (text: string) => string): DeadLetterFacts {
  return {
    connector: errorHeader(record, ERROR_HEADERS.connectorName),
    exceptionClass: errorHeader(record, ERROR_HEADERS.exceptionClassName) ?? 'unknown',
    message: scrub(
      errorHeader(record, ERROR_HEADERS.exceptionMessage) ??
        'no error context (errors.deadletterqueue.context.headers.enable=false)',
    ),
    stage: errorHeader(record, ERROR_HEADERS.stage) ?? 'unknown',
  };
}

/**
 * A message with what differs between records of one cause masked, so they group together: quoted
 * values become `'…'`, numbers `N`, UUIDs and long hex `X`. Bracketed names (`[qty]`) are kept: they
 * usually name the field at fault.
 */
export function reasonPattern(message: string): string {
  return (
    message
      .slice(0, 2000)
      // An apostrophe inside a word ("field's") does not open a quote.
      .replace(/(?<!\w)'[^']*'(?!\w)/g, "'…'")
      .replace(/"[^"]*"/g, '"…"')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, 'X')
      .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{16,}\b/gi, 'X')
      .replace(/-?\b\d+(?:\.\d+)?\b/g, 'N')
  );
}

/** Groups reasons by class + pattern + stage, most frequent first. */
export class ReasonGroups {
  readonly #groups = new Map<string, { reason: Omit<DeadLetterReason, 'count'>; count: number }>();

  add(facts: DeadLetterFacts): void {
    const pattern = reasonPattern(facts.message);
    const id = `${facts.exceptionClass}\u0000${pattern}\u0000${facts.stage}`;
    const group = this.#groups.get(id);
    if (group) group.count++;
    else
      this.#groups.set(id, {
        reason: {
          exception_class: facts.exceptionClass,
          pattern,
          stage: facts.stage,
          example: facts.message,
        },
        count: 1,
      });
  }

  list(): DeadLetterReason[] {
    return [...this.#groups.values()]
      .map((g) => ({ ...g.reason, count: g.count }))
      .sort((a, b) => b.count - a.count || a.pattern.localeCompare(b.pattern));
  }
}

export function viewOf(
  record: StoredRecord,
  redriven: boolean,
  scrub: (text: string) => string,
): DeadLetterView {
  const errorHeaders: Record<string, string> = {};
  const own: { key: string; value: RenderedBytes }[] = [];
  for (const h of record.headers) {
    if (!h.key.startsWith(ERROR_HEADER_PREFIX)) {
      own.push({ key: h.key, value: renderBytes(h.value) });
      continue;
    }
    let text = scrub(h.value === null ? '' : Buffer.from(h.value).toString('utf8'));
    if (h.key === ERROR_HEADERS.exceptionStacktrace && text.length > MAX_STACKTRACE_CHARS)
      text = `${text.slice(0, MAX_STACKTRACE_CHARS)}…`;
    errorHeaders[h.key] = text;
  }
  const topic = errorHeaders[ERROR_HEADERS.topic];
  return {
    partition: record.partition,
    offset: record.offset,
    timestamp: new Date(record.timestamp).toISOString(),
    redriven,
    original:
      topic === undefined
        ? null
        : {
            topic,
            partition: errorHeaders[ERROR_HEADERS.partition] ?? '',
            offset: errorHeaders[ERROR_HEADERS.offset] ?? '',
          },
    key: renderBytes(record.key),
    value: renderBytes(record.value),
    error_headers: errorHeaders,
    headers: own,
  };
}

/** True when the dead letter at `partition`/`offset` with these facts is selected. */
export function selects(
  selection: RedriveSelection,
  partition: number,
  offset: number,
  facts: DeadLetterFacts,
): boolean {
  if (selection.partition !== undefined && partition !== selection.partition) return false;
  if (selection.fromOffset !== undefined && offset < selection.fromOffset) return false;
  if (selection.toOffset !== undefined && offset > selection.toOffset) return false;
  if (selection.reason !== undefined) {
    const needle = selection.reason.toLowerCase();
    const haystacks = [facts.exceptionClass, facts.message, reasonPattern(facts.message)];
    if (!haystacks.some((h) => h.toLowerCase().includes(needle))) return false;
  }
  if (selection.reasonRegex !== undefined) {
    selection.reasonRegex.lastIndex = 0;
    if (!selection.reasonRegex.test(`${facts.exceptionClass}: ${facts.message}`)) return false;
  }
  return true;
}

/**
 * The redrive body (JSON) as a selection; `seam.rest.bad_request` naming the problem otherwise. An empty
 * selection must say `"all": true`, so a bare POST never redrives everything by accident.
 */
export function parseSelection(body: unknown): RedriveSelection {
  if (body === undefined || body === null) body = {};
  if (typeof body !== 'object' || Array.isArray(body)) throw bad('The redrive body must be a JSON object');
  const b = body as Record<string, unknown>;
  const known = [
    'all',
    'reason',
    'reason_regex',
    'partition',
    'from_offset',
    'to_offset',
    'limit',
    'dry_run',
  ];
  const unknown = Object.keys(b).filter((k) => !known.includes(k));
  if (unknown.length > 0)
    throw bad(`Unknown redrive field(s) ${unknown.join(', ')}; accepted: ${known.join(', ')}`);
  const bool = (k: string): boolean => {
    if (b[k] === undefined) return false;
    if (typeof b[k] !== 'boolean') throw bad(`${k} must be true or false`);
    return b[k];
  };
  const int = (k: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      throw bad(`${k} must be a whole number from ${min} to ${max}`);
    return v;
  };
  const text = (k: string): string | undefined => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw bad(`${k} must be a non-empty string`);
    return v;
  };
  const reason = text('reason');
  const regexText = text('reason_regex');
  let reasonRegex: RegExp | undefined;
  if (regexText !== undefined) {
    if (regexText.length > MAX_REGEX_LENGTH)
      throw bad(`reason_regex is longer than ${MAX_REGEX_LENGTH} characters`);
    try {
      reasonRegex = new RegExp(regexText);
    } catch (e) {
      throw bad(`reason_regex is not a valid regular expression: ${(e as Error).message}`);
    }
  }
  const selection: RedriveSelection = {
    all: bool('all'),
    ...(reason !== undefined ? { reason } : {}),
    ...(reasonRegex !== undefined ? { reasonRegex } : {}),
    ...optional('partition', int('partition', 0)),
    ...optional('fromOffset', int('from_offset', 0)),
    ...optional('toOffset', int('to_offset', 0)),
    limit: int('limit', 1, MAX_REDRIVE_LIMIT) ?? DEFAULT_REDRIVE_LIMIT,
    dryRun: bool('dry_run'),
  };
  const filtered =
    reason !== undefined ||
    reasonRegex !== undefined ||
    selection.partition !== undefined ||
    selection.fromOffset !== undefined ||
    selection.toOffset !== undefined;
  if (!filtered && !selection.all)
    throw bad(
      'Say which dead letters to redrive: {"all": true}, or a "reason", "reason_regex", "partition" or "from_offset"/"to_offset"',
    );
  if (
    selection.fromOffset !== undefined &&
    selection.toOffset !== undefined &&
    selection.fromOffset > selection.toOffset
  )
    throw bad('from_offset must not be above to_offset');
  return selection;
}

function optional<K extends string>(key: K, value: number | undefined): { [P in K]?: number } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: number };
}
