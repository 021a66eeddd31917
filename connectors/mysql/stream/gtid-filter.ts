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
 * the GTID set the binlog dump starts from keeps only followed sources (so a position that names a
 * source the server never saw, after a failover, still connects), and, with
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
   * The GTID position (MariaDB) or set (MySQL) to start the binlog dump from: the stored one without the
   * sources not followed. MySQL additionally takes, for every source the stored set no longer names, the
   * server's purged GTIDs (`gtid_purged`): the server would otherwise try to send that source's
   * transactions from the first one ever written and fail on the purged files. Transactions of dropped
   * sources that the server still has are sent again and skipped as unfollowed.
   */
  startSet(stored: string, mariadb: boolean, purged: string | null): string {
    if (mariadb) {
      const kept = stored
        .split(',')
        .map((g) => g.trim())
        .filter((g) => g !== '' && this.followsGtid(g, true));
      return MariadbGtidPosition.parse(kept.join(',')).toString();
    }
    const kept = retainSources(stored, (uuid) => this.#test(uuid));
    if (!purged) return kept;
    const named = new Set(sourcesOf(kept));
    const extra = retainSources(purged, (uuid) => !named.has(uuid));
    if (extra === '') return kept;
    if (kept === '') return extra;
    return GtidSet.parse(`${kept},${extra}`).toString();
  }
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

/** A MySQL GTID set cut to the UUIDs `keep` accepts (each UUID's intervals as they were). */
function retainSources(set: string, keep: (uuid: string) => boolean): string {
  return set
    .replace(/\s+/g, '')
    .split(',')
    .filter((part) => {
      const uuid = gtidSource(part, false);
      return uuid !== null && keep(uuid);
    })
    .join(',');
}

function sourcesOf(set: string): string[] {
  return set
    .split(',')
    .map((part) => gtidSource(part, false))
    .filter((s): s is string => s !== null);
}

function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.trim()})$`, 'i');
}
