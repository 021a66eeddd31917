import { DataError } from './errors.ts';
import { positionInteger, type SourcePosition, snapshotting } from './position-values.ts';

/**
 * MySQL / MariaDB positions (decision record 2026-12-02-source-position).
 *
 * `binlog`: file number × 2^32 + `pos` + `row`. `pos` is where the row event starts in its file and
 * `row` the row's index inside that event. Every row image takes at least one byte of its event, so
 * `pos + row` stays below the next event's `pos`: rows of one event and events of one file keep their
 * order without bits of their own. Event positions are unsigned 32-bit in the binlog format and MySQL
 * never numbers a file past 2^31 − 1, so the encoding holds every position a server can write. It
 * regresses after `RESET MASTER` / `RESET BINARY LOGS` (numbering restarts at 1) and across servers
 * (a replica numbers its own files): rebuild the view then, or use `gtid`. It also assumes plain row
 * events: with MySQL's `binlog_transaction_compression=ON` every event of a transaction reports the
 * compressed payload's `pos`, and MariaDB's `log_bin_compress` can pack more rows than bytes; use `gtid`
 * there. Snapshot rows carry the binlog position the snapshot read at and rank one below it, so any
 * change streamed from there wins.
 *
 * `gtid`: sequence × 2^22 + the event's order within its transaction (`transaction.total_order`, from
 * `provide.transaction.metadata=true`). The sequence is per server UUID (MySQL) or per domain
 * (MariaDB), so it survives a switch to a replica of the same primary. Limits: 2^41 − 1 transactions
 * and 2^22 − 1 events per transaction (a larger value is a DataError). Snapshot rows carry no GTID and
 * rank at 0, below every streamed change.
 */
export type MysqlPositionMode = 'binlog' | 'gtid';

const FILE_BITS = 31n;
const EVENT_BITS = 32n;
const GTID_ORDER_BITS = 22n;
const GTID_SEQUENCE_BITS = 41n;

type Block = Readonly<Record<string, unknown>>;

export function binlogPosition(connector: string, source: Block): SourcePosition {
  const file = source.file;
  const m = typeof file === 'string' ? /^(.*)\.(\d+)$/.exec(file.trim()) : null;
  if (!m) {
    throw new DataError(
      `source.file ${file === undefined || file === null ? 'is missing' : `'${String(file)}' has no numeric suffix`}; ${connector} changes are ordered by binlog file number and position. Fix: keep source.file (e.g. 'mysql-bin.000003') in the record, or set the MySQL position mode to gtid.`,
    );
  }
  const fileNumber = positionInteger(m[2], 'source.file', 'a binlog file number', (1n << FILE_BITS) - 1n);
  const pos = positionInteger(source.pos, 'source.pos', 'a binlog position', (1n << EVENT_BITS) - 1n);
  const row = optional(source.row, 'source.row', 'a row index');
  const inFile = pos + row;
  if (inFile >= 1n << EVENT_BITS) {
    throw new DataError(
      `source.pos ${pos} + source.row ${row} does not fit the 32 bits a binlog position has. Fix: check that source.pos and source.row are the source's own values.`,
    );
  }
  let value = (fileNumber << EVENT_BITS) + inFile;
  if (snapshotting(source.snapshot) && value > 0n) value -= 1n;
  return { connector, scheme: 'binlog', scope: m[1] ?? '', value };
}

export function gtidPosition(connector: string, source: Block, transaction: Block | null): SourcePosition {
  const gtid = source.gtid;
  if (gtid === undefined || gtid === null || gtid === '') {
    if (snapshotting(source.snapshot)) return { connector, scheme: 'gtid', scope: '', value: 0n };
    throw new DataError(
      `source.gtid is empty on a streamed ${connector} change; positions are configured as GTIDs. Fix: run the server with GTIDs on (gtid_mode=ON / MariaDB GTIDs), or use binlog positions.`,
    );
  }
  const text = String(gtid).trim();
  // MySQL `uuid:seq` (8.4: `uuid:tag:seq`); MariaDB `domain-server-seq`.
  const mysql = /^([0-9A-Fa-f-]{36}(?::[A-Za-z_][A-Za-z0-9_]*)?):(\d+)$/.exec(text);
  const maria = mysql ? null : /^(\d+)-\d+-(\d+)$/.exec(text);
  const scope = mysql?.[1]?.toLowerCase() ?? maria?.[1];
  const digits = mysql?.[2] ?? maria?.[2];
  if (scope === undefined || digits === undefined) {
    throw new DataError(
      `source.gtid '${text}' is neither MySQL's 'server-uuid:sequence' nor MariaDB's 'domain-server-sequence'. Fix: keep source.gtid unchanged by transforms, or use binlog positions.`,
    );
  }
  const sequence = positionInteger(digits, 'source.gtid', 'a GTID sequence', (1n << GTID_SEQUENCE_BITS) - 1n);
  const order = transaction?.total_order;
  if (order === undefined || order === null) {
    throw new DataError(
      `transaction.total_order is missing; GTID positions need the event's order within its transaction. Fix: set provide.transaction.metadata=true on the source (add.fields=transaction.total_order for flattened records), or use binlog positions.`,
    );
  }
  const inTx = positionInteger(
    order,
    'transaction.total_order',
    'an event order',
    (1n << GTID_ORDER_BITS) - 1n,
  );
  return { connector, scheme: 'gtid', scope, value: (sequence << GTID_ORDER_BITS) | inTx };
}

function optional(v: unknown, field: string, what: string): bigint {
  return v === undefined || v === null ? 0n : positionInteger(v, field, what);
}
