import { GtidSet, MariadbGtidPosition } from '@vlasky/zongji';
import { ConfigError, type ConfigProblem } from '../../../src/api/index.ts';
import type { MysqlConfig } from '../config.ts';

const INCLUDES = 'gtid.source.includes';
const EXCLUDES = 'gtid.source.excludes';

/**
 * Debezium's `gtid.source.includes` / `gtid.source.excludes`: which GTID sources the connector follows.
 * A source is what a GTID names as its origin: MySQL's server UUID (`3e11fa47-…`, the part before the
 * first `:`), MariaDB's `<domain_id>-<server_id>` stream (`0-1`; `7-.*` names a whole domain). Each
 * regex must match the whole source, case-insensitively. The filter has two effects, as in Debezium:
 * the GTID set the binlog dump starts from leaves out unfollowed sources the server does not know (so a
 * position from before a failover still connects; see startSet), and, with
 * `gtid.source.filter.dml.events` (default true), row events of transactions from other sources are
 * not emitted. DDL from any source still reaches the schema history: the tables' columns must follow
 * the binlog whoever wrote it.
 */
export class GtidSourceFilter {
  readonly #test: (source: string) => boolean;
  /** Whether row events of unfollowed sources are dropped (`gtid.source.filter.dml.events`). */
  readonly filterRows: boolean;

  private constructor(test: (source: string) => boolean, filterRows: boolean) {
    this.#test = test;
    this.filterRows = filterRows;
  }

  /** The configured filter, or null when neither list is set (every source is followed). */
  static of(c: MysqlConfig): GtidSourceFilter | null {
    const problems = gtidSourceProblems(c[INCLUDES], c[EXCLUDES]);
    if (problems.length > 0) throw new ConfigError(problems);
    const inc = c[INCLUDES].map(anchored);
    const exc = c[EXCLUDES].map(anchored);
    if (inc.length > 0)
      return new GtidSourceFilter((s) => inc.some((r) => r.test(s)), c['gtid.source.filter.dml.events']);
    if (exc.length > 0)
      return new GtidSourceFilter((s) => !exc.some((r) => r.test(s)), c['gtid.source.filter.dml.events']);
    return null;
  }

  /** Whether the source of this GTID is followed (a GTID of unknown form is). */
  followsGtid(gtid: string, mariadb: boolean): boolean {
    const source = gtidSource(gtid, mariadb);
    return source === null || this.#test(source);
  }

  /** Whether the rows of the transaction with this GTID are emitted (a null GTID's always are). */
  emitsRowsOf(gtid: string | null, mariadb: boolean): boolean {
    return !this.filterRows || gtid === null || this.followsGtid(gtid, mariadb);
  }

  /**
   * The GTID position (MariaDB) or set (MySQL) to start the binlog dump from. Followed sources start
   * where the stored GTIDs say. An unfollowed source is left out when the server does not know it (a
   * position from before a failover, Debezium's reason for the filter), and otherwise kept, so the server
   * does not send its whole history again, which would re-apply old DDL to the schema history:
   * MariaDB keeps the stored entry when the server's `gtid_binlog_pos` covers it, else takes the
   * server's own entry for that domain; MySQL keeps the stored intervals when `gtid_executed` holds them
   * all, else takes the server's purged ones (`gtid_purged`, as Debezium does), without which the server
   * would look for that source's first transaction in purged files.
   */
  startSet(stored: string, mariadb: boolean, server: { executed: string; purged: string }): string {
    return mariadb ? this.#mariadbStart(stored, server.executed) : this.#mysqlStart(stored, server);
  }

  #mariadbStart(stored: string, serverPos: string): string {
    const onServer = MariadbGtidPosition.parse(serverPos);
    const serverEntry = new Map(
      serverPos
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== '')
        .map((g) => [g.split('-')[0]!, g] as const),
    );
    const out: string[] = [];
    for (const entry of stored.split(',').map((g) => g.trim())) {
      if (entry === '') continue;
      if (this.followsGtid(entry, true) || onServer.covers(entry)) out.push(entry);
      else {
        const own = serverEntry.get(entry.split('-')[0]!);
        if (own) out.push(own);
      }
    }
    return MariadbGtidPosition.parse(out.join(',')).toString();
  }

  #mysqlStart(stored: string, server: { executed: string; purged: string }): string {
    const executed = blocks(server.executed);
    const purged = blocks(server.purged);
    const out = new Map<string, string>();
    for (const [uuid, block] of blocks(stored)) {
      if (this.#test(uuid)) out.set(uuid, block);
      else if (executed.has(uuid) && intervalsWithin(block, executed.get(uuid)!)) out.set(uuid, block);
    }
    for (const [uuid, block] of purged) if (!out.has(uuid)) out.set(uuid, block);
    return out.size === 0 ? '' : GtidSet.parse([...out.values()].join(',')).toString();
  }
}

/** A MySQL GTID set's `uuid:intervals` blocks by (lower-case) uuid. */
function blocks(set: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of set.replace(/\s+/g, '').split(',')) {
    const uuid = gtidSource(part, false);
    if (uuid !== null) out.set(uuid, part);
  }
  return out;
}

/** Whether every interval of block `a` lies inside block `b` (same uuid; a tagged block never does). */
function intervalsWithin(a: string, b: string): boolean {
  const ranges = (block: string): [bigint, bigint][] | null => {
    const items = block.split(':').slice(1);
    if (items.some((i) => !/^\d+(-\d+)?$/.test(i))) return null;
    return items.map((i) => {
      const [lo, hi] = i.split('-');
      return [BigInt(lo!), BigInt(hi ?? lo!)];
    });
  };
  const ra = ranges(a);
  const rb = ranges(b);
  if (!ra || !rb) return false;
  return ra.every(([lo, hi]) => rb.some(([blo, bhi]) => blo <= lo && hi <= bhi));
}

/**
 * Both lists set (each list's regexes are checked by the spec): a problem naming the key, as Debezium
 * rejects it too.
 */
export function gtidSourceProblems(
  includes: readonly string[],
  excludes: readonly string[],
): ConfigProblem[] {
  if (includes.length === 0 || excludes.length === 0) return [];
  return [{ key: EXCLUDES, message: `cannot be set together with ${INCLUDES}: set only one of them` }];
}

/** A GTID's source: MySQL `uuid:n` (or 8.4's `uuid:tag:n`) → uuid; MariaDB `d-s-n` → `d-s`. */
export function gtidSource(gtid: string, mariadb: boolean): string | null {
  const g = gtid.trim();
  if (mariadb) {
    const m = /^(\d+)-(\d+)-\d+$/.exec(g);
    return m ? `${m[1]}-${m[2]}` : null;
  }
  const colon = g.indexOf(':');
  return colon > 0 ? g.slice(0, colon).toLowerCase() : null;
}

function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.trim()})$`, 'i');
}
