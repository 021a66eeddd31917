import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { ConnectError } from '../../api/errors.ts';
import { type AppendRecord, HeadedAppendRecord } from '../log-record.ts';

/**
 * Stores the schema part of JsonConverter envelopes once instead of in every record.
 *
 * With `schemas.enable=true` (Kafka Connect's default) every value is `{"schema":S,"payload":P}`, and for
 * a change event S is about 2.7 KB while P is about 0.5 KB: five sixths of what the log would write, fsync
 * and checkpoint is the same schema text again. The log keeps each distinct head `{"schema":S,"payload":`
 * once in `value_heads`, and a record row keeps the rest of its value plus the head's id (`head`); a read
 * joins them again, so a reader gets back exactly the bytes that were appended. Values that are not such
 * an envelope, and heads beyond {@link MAX_HEADS}, are stored whole. See
 * docs/decisions/2026-11-23-embedded-log-value-heads.md.
 */
const ENVELOPE_START = Buffer.from('{"schema":', 'latin1');
const PAYLOAD_KEY = Buffer.from(',"payload":', 'latin1');
/** Shorter heads (a schemaless envelope, a one-field key schema) are not worth a lookup. */
const MIN_HEAD_BYTES = 64;
/** Distinct heads kept; a connector whose schemas never repeat stops adding rows here, not records. */
const MAX_HEADS = 1_000;

export interface Head {
  readonly id: number;
  readonly bytes: Buffer;
}

export class ValueHeads {
  readonly #db: DatabaseSync;
  readonly #byId = new Map<number, Buffer>();
  /** Writer only: head text (latin1, one char per byte) → head, to find a head seen before. */
  readonly #byText = new Map<string, Head>();
  /** Writer only: the head each topic's last value had; consecutive values of a topic nearly always share it. */
  readonly #lastByTopic = new Map<string, Head>();
  /** Writer only: a converter's head Buffer (HeadedAppendRecord.valueHead) → its stored head. */
  #bySource = new WeakMap<Buffer, Head>();
  /** Heads inserted by the running append transaction, forgotten if it rolls back. */
  #pending: Head[] = [];
  #maxId = 0;
  #insert: StatementSync | null = null;
  readonly #newer: StatementSync | null;

  /** `available` is false for a read-only open of a format-1 log, which has no `value_heads` table. */
  constructor(db: DatabaseSync, available: boolean) {
    this.#db = db;
    this.#newer = available ? db.prepare('SELECT id, head FROM value_heads WHERE id > ? ORDER BY id') : null;
    this.#loadNewer();
  }

  /**
   * Inside the append transaction: the stored head `value` starts with, or null when it is stored whole.
   * The row keeps `value.subarray(head.bytes.length)`.
   */
  headOf(topic: string, value: Uint8Array): Head | null {
    const last = this.#lastByTopic.get(topic);
    if (last !== undefined && startsWith(value, last.bytes)) return last;
    const length = headLength(value);
    if (length < MIN_HEAD_BYTES) return null;
    return this.#stored(topic, asBuffer(value).subarray(0, length));
  }

  /** The stored head of an appended record's value, or null when the value is stored whole. */
  headOfRecord(r: AppendRecord): Head | null {
    if (r instanceof HeadedAppendRecord) return this.headFor(r.topic, r.valueHead);
    return r.value === null ? null : this.headOf(r.topic, r.value);
  }

  /**
   * As headOf, for a value a converter handed over as `source` and the rest: the row keeps the rest. A
   * converter hands the same Buffer for every value of a schema, so after the first value the head is
   * found by identity, with no copy and no comparison of its bytes.
   */
  headFor(topic: string, source: Buffer): Head | null {
    const known = this.#bySource.get(source);
    if (known !== undefined) return known;
    if (source.length < MIN_HEAD_BYTES || headLength(source) !== source.length) return null;
    const head = this.#stored(topic, source);
    if (head !== null) this.#bySource.set(source, head);
    return head;
  }

  /** The stored head with these bytes, added when new (null once MAX_HEADS are stored); the topic's last. */
  #stored(topic: string, bytes: Buffer): Head | null {
    const text = bytes.toString('latin1');
    let head = this.#byText.get(text);
    if (head === undefined) {
      if (this.#byText.size >= MAX_HEADS) return null;
      head = this.#add(text, Buffer.from(bytes));
    }
    this.#lastByTopic.set(topic, head);
    return head;
  }

  /** After the append transaction committed: its new heads are kept. */
  committed(): void {
    this.#pending = [];
  }

  /** After the append transaction rolled back: its new heads no longer exist in the file. */
  rolledBack(): void {
    for (const head of this.#pending) {
      this.#byId.delete(head.id);
      this.#byText.delete(head.bytes.toString('latin1'));
      for (const [topic, last] of this.#lastByTopic) if (last === head) this.#lastByTopic.delete(topic);
    }
    this.#maxId = Math.max(0, ...this.#byId.keys());
    if (this.#pending.length > 0) this.#bySource = new WeakMap();
    this.#pending = [];
  }

  /** A stored value with its head put back. A head this instance has not seen was added by the writer since. */
  join(id: number, rest: Uint8Array): Buffer {
    let head = this.#byId.get(id);
    if (head === undefined) {
      this.#loadNewer();
      head = this.#byId.get(id);
      if (head === undefined) {
        throw new ConnectError(`The embedded topic log refers to value head ${id}, which it does not hold`, {
          code: 'seam.log.corrupt',
        });
      }
    }
    const out = Buffer.allocUnsafe(head.length + rest.length);
    head.copy(out, 0);
    out.set(rest, head.length);
    return out;
  }

  #add(text: string, bytes: Buffer): Head {
    this.#insert ??= this.#db.prepare('INSERT INTO value_heads (id, head) VALUES (?, ?)');
    const head = { id: this.#maxId + 1, bytes };
    this.#insert.run(head.id, bytes);
    this.#maxId = head.id;
    this.#byId.set(head.id, bytes);
    this.#byText.set(text, head);
    this.#pending.push(head);
    return head;
  }

  #loadNewer(): void {
    if (this.#newer === null) return;
    for (const row of this.#newer.all(this.#maxId) as { id: number; head: Uint8Array }[]) {
      const bytes = asBuffer(row.head);
      this.#byId.set(row.id, bytes);
      this.#byText.set(bytes.toString('latin1'), { id: row.id, bytes });
      this.#maxId = Math.max(this.#maxId, row.id);
    }
  }
}

/** What a record row keeps of a value whose head is stored (see headOfRecord). */
export function restAfterHead(r: AppendRecord, head: Head): Uint8Array {
  return r instanceof HeadedAppendRecord ? r.valueRest : r.value!.subarray(head.bytes.length);
}

/**
 * Length of `{"schema":S,"payload":` at the start of `value`, or 0 when the value does not start that
 * way. S is scanned as JSON (strings and their escapes, nesting), so a `,"payload":` inside S is not
 * taken for the envelope's.
 */
export function headLength(value: Uint8Array): number {
  if (!startsWith(value, ENVELOPE_START)) return 0;
  let depth = 0;
  let inString = false;
  for (let i = ENVELOPE_START.length; i < value.length; i++) {
    const c = value[i]!;
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 0) {
      return startsWithAt(value, PAYLOAD_KEY, i) ? i + PAYLOAD_KEY.length : 0;
    }
    if (depth < 0) return 0;
  }
  return 0;
}

function startsWith(value: Uint8Array, prefix: Buffer): boolean {
  return startsWithAt(value, prefix, 0);
}

function startsWithAt(value: Uint8Array, prefix: Buffer, at: number): boolean {
  if (value.length - at < prefix.length) return false;
  return asBuffer(value).compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
