import { FatalError, type InternalTopic, type PluginLogger } from '../../../src/api/index.ts';
import type { TableMeta } from '../schema/table-schema.ts';
import { applyDdl, type TableChange } from './ddl-apply.ts';
import { parseDdl, type TableName } from './ddl-parser.ts';
import { type BinlogPoint, type HistoryRecord, historyRecord, SchemaHistory } from './schema-history.ts';

export interface TrackerOptions {
  readonly topic: InternalTopic;
  readonly topicName: string;
  /** topic.prefix: `source.server` of the history records. */
  readonly server: string;
  readonly captured: (t: TableName) => boolean;
  readonly skipUnparseable: boolean;
  /** The table's definition as the server has it now. */
  readonly readMeta: (t: TableName) => Promise<TableMeta | null>;
  readonly logger: PluginLogger;
}

/** What was found in the history topic at start. */
export type HistoryState = 'ok' | 'empty' | 'damaged';

/** A position to record: the binlog point plus what Debezium puts beside it (gtids, server_id, ts_sec). */
export type RecordPosition = Readonly<Record<string, unknown>> & BinlogPoint;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Keeps the schema history: applies each DDL to the definitions as of its binlog position, the moment it
 * is read (the binlog reader may need a definition for the next table map before the handler got to the
 * DDL), and writes one history record per statement that changed a captured table. A record is durable
 * before anything after its statement is emitted, so a stored offset never lies past an unrecorded DDL.
 */
export class SchemaTracker {
  readonly #o: TrackerOptions;
  #history: SchemaHistory;
  #appending: Promise<void> = Promise.resolve();
  #pending = 0;
  readonly state: HistoryState;
  readonly problem: string | null;

  private constructor(
    o: TrackerOptions,
    history: SchemaHistory,
    state: HistoryState,
    problem: string | null,
  ) {
    this.#o = o;
    this.#history = history;
    this.state = state;
    this.problem = problem;
  }

  static async open(o: TrackerOptions): Promise<SchemaTracker> {
    const values = await o.topic.readAll();
    const records: HistoryRecord[] = [];
    let damagedAfter = -1;
    let problem: string | null = null;
    let lastBaseline = -1;
    for (const [i, v] of values.entries()) {
      try {
        const r = JSON.parse(decoder.decode(v)) as HistoryRecord;
        if (typeof r?.position?.file !== 'string' || !Array.isArray(r.tableChanges))
          throw new Error('not a schema history record');
        if (r.baseline) lastBaseline = records.length;
        records.push(r);
      } catch (e) {
        damagedAfter = records.length;
        problem = `record ${i} of ${o.topicName}: ${(e as Error).message}`;
      }
    }
    // Damage before the last baseline is harmless: nothing before a baseline is read.
    const damaged = damagedAfter >= 0 && damagedAfter > lastBaseline;
    if (!damaged && lastBaseline < 0 && records.length > 0)
      return new SchemaTracker(o, new SchemaHistory(), 'damaged', `${o.topicName} has no baseline record`);
    const state: HistoryState = damaged ? 'damaged' : records.length === 0 ? 'empty' : 'ok';
    return new SchemaTracker(o, damaged ? new SchemaHistory() : SchemaHistory.from(records), state, problem);
  }

  /** Records the definitions of every captured table at `at` (a snapshot, a first start or a recovery). */
  baseline(metas: readonly TableMeta[], at: RecordPosition): Promise<void> {
    const changes: TableChange[] = metas.map((m) => ({ type: 'CREATE', db: m.db, table: m.table, meta: m }));
    this.#history = new SchemaHistory();
    this.#history.add(at, changes, true);
    return this.#append(historyRecord(this.#o.server, at, null, null, changes, true));
  }

  /**
   * Applies a DDL read at `at` (synchronously, so the next table map already sees it) and returns when
   * its record is durable, with the table changes for the schema change event. A statement already in
   * the history (re-read after a restart) is not applied again.
   */
  ddl(sessionDb: string, sql: string, at: RecordPosition): Promise<TableChange[]> {
    if (this.#history.knows(at)) return Promise.resolve(this.#history.recordedAt(at) ?? []);
    const latest = this.#history.latest();
    const parsed = parseDdl(sql, sessionDb);
    let changes: TableChange[] = [];
    let missing: TableName[] = [];
    let failure: string | null = null;
    if (parsed.kind === 'unparsed') {
      failure = parsed.reason;
      if (parsed.table) missing = [parsed.table];
    } else {
      try {
        ({ changes, missing } = applyDdl(parsed, latest, this.#o.captured));
      } catch (e) {
        failure = (e as Error).message;
        if ('table' in parsed) missing = [parsed.table];
      }
    }
    if (failure !== null) {
      const relevant = missing.filter((t) => this.#o.captured(t));
      if (relevant.length === 0 && missing.length > 0) return Promise.resolve([]);
      if (!this.#o.skipUnparseable)
        throw new FatalError(
          `Could not apply DDL at ${at.file}:${at.pos} to the schema history (${failure}): ${sql}. Set schema.history.internal.skip.unparseable.ddl=true to take the definitions from the server instead.`,
          { code: 'seam.mysql.ddl_unparseable' },
        );
      this.#o.logger.warn(
        { ddl: sql, reason: failure },
        'DDL not understood; the table definition is read from the server as it is now',
      );
    }
    if (changes.length > 0) this.#history.add(at, changes);
    const db = 'table' in parsed && parsed.table ? parsed.table.db : sessionDb;
    return this.#record(at, db, sql, changes, missing);
  }

  /** A captured table seen in a row event but not in the history: read from the server and recorded. */
  discovered(meta: TableMeta, at: RecordPosition): Promise<void> {
    const change: TableChange = { type: 'CREATE', db: meta.db, table: meta.table, meta };
    this.#history.add(at, [change]);
    return this.#append(historyRecord(this.#o.server, at, meta.db, null, [change]));
  }

  async #record(
    at: RecordPosition,
    db: string,
    sql: string,
    changes: TableChange[],
    missing: readonly TableName[],
  ): Promise<TableChange[]> {
    this.#pending++;
    try {
      if (missing.length > 0) {
        const read = await Promise.all(missing.map((t) => this.#o.readMeta(t)));
        const extra: TableChange[] = read
          .filter((m): m is TableMeta => m !== null)
          .map((m) => ({ type: 'CREATE', db: m.db, table: m.table, meta: m }));
        if (extra.length > 0) this.#history.add(at, extra);
        changes = [...changes, ...extra];
      }
      if (changes.length > 0) await this.#append(historyRecord(this.#o.server, at, db, sql, changes));
      return changes;
    } finally {
      this.#pending--;
    }
  }

  #append(r: HistoryRecord): Promise<void> {
    const next = this.#appending.then(() => this.#o.topic.append([encoder.encode(JSON.stringify(r))]));
    this.#appending = next.catch(() => {});
    return next;
  }

  /** The definition in force at a binlog point (see SchemaHistory.at). */
  at(db: string, table: string, at: BinlogPoint): TableMeta | null | undefined {
    return this.#history.at(db, table, at);
  }

  /** Whether a history record is still being written (no offset may pass its statement yet). */
  get busy(): boolean {
    return this.#pending > 0;
  }
}
