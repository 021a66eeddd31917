import { DataError } from './errors.ts';
import { binlogPosition, gtidPosition, type MysqlPositionMode } from './mysql-position.ts';
import { positionInteger, type SourcePosition } from './position-values.ts';

export { MAX_POSITION, positionInteger, type SourcePosition } from './position-values.ts';

/*
 * A change's position in its source ({@link SourcePosition}) is derived from the Debezium envelope's
 * `source` block per connector (decision record 2026-12-02-source-position):
 * - `postgresql`, scheme `lsn`: `source.lsn`, the change's own WAL position (else the second entry of
 *   `source.sequence`). LSNs grow within a transaction, and a transaction that changes a row after another
 *   did waits for that one's commit, so per row LSN order is commit order. Initial snapshot rows carry
 *   the slot's restart LSN, below every change the slot streams (not the consistent point, where the
 *   first streamed change may start: decision record 2026-12-02-snapshot-position). Rows sharing one LSN
 *   (a COPY's rows, a key change's delete and create) are different rows.
 * - `mysql` / `mariadb`, scheme `binlog` (default): file number × 2^32 + `pos` + `row`; scheme `gtid`
 *   (opt in): GTID sequence × 2^22 + the event's order in its transaction. See mysql-position.ts.
 * - any other connector: no position (null); the sink falls back and says so.
 */

export interface SourcePositionOptions {
  /** How MySQL / MariaDB changes are encoded. Default `binlog` (every event has it, snapshot rows too). */
  readonly mysql?: MysqlPositionMode;
}

export type { MysqlPositionMode } from './mysql-position.ts';

type Block = Readonly<Record<string, unknown>>;

/**
 * The header ExtractNewRecordState adds (unless `add.position.header=false`) so a flattened record keeps
 * its position without `add.fields`: JSON `{"source": {…}, "transaction": {…}}` holding only the fields
 * {@link sourcePosition} reads. A header, so the value stays what Debezium's transform produces.
 */
export const POSITION_HEADER = '__seam.source.position';

/**
 * The position of a change from its envelope's `source` block (and `transaction` block, which the GTID
 * scheme needs). Null when the connector is unknown or the block names no position (a PostgreSQL event
 * without an LSN). Throws a {@link DataError} naming the field and the fix when a value is malformed or
 * does not fit the encoding.
 */
export function sourcePosition(
  source: Block,
  transaction: Block | null = null,
  options: SourcePositionOptions = {},
): SourcePosition | null {
  // Seam's own envelopes always name the connector; a bare block with an LSN is PostgreSQL's shape.
  const connector =
    typeof source.connector === 'string' ? source.connector : 'lsn' in source ? 'postgresql' : '';
  if (connector === 'postgresql') return postgresPosition(source);
  if (connector === 'mysql' || connector === 'mariadb') {
    return options.mysql === 'gtid'
      ? gtidPosition(connector, source, transaction)
      : binlogPosition(connector, source);
  }
  return null;
}

function postgresPosition(source: Block): SourcePosition | null {
  let lsn = source.lsn;
  let field = 'source.lsn';
  if ((lsn === undefined || lsn === null) && typeof source.sequence === 'string') {
    lsn = sequenceLsn(source.sequence);
    field = 'source.sequence';
  }
  if (lsn === undefined || lsn === null) return null;
  const value = positionInteger(parseLsnValue(lsn, field), field, 'a PostgreSQL LSN');
  return { connector: 'postgresql', scheme: 'lsn', scope: '', value };
}

/** Debezium's `["<lastCommitLsn>","<lsn>"]`; the second entry is the change's own LSN. */
function sequenceLsn(sequence: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(sequence);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) {
    throw new DataError(
      `source.sequence '${sequence}' is not Debezium's ["<lastCommitLsn>","<lsn>"]; the change has no usable position. Fix: emit the change with the PostgreSQL source (or a Debezium one), whose source block carries lsn.`,
    );
  }
  const lsn = parsed[1] as unknown;
  return typeof lsn === 'string' ? lsn : null;
}

/**
 * An LSN as Debezium writes it (int64 number or bigint, digit string, 8 big-endian bytes) or in
 * PostgreSQL's `X/Y` text.
 */
export function parseLsnValue(v: unknown, field = 'lsn'): bigint {
  if (typeof v === 'string') {
    const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(v.trim());
    if (m) return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
  }
  if (v instanceof Uint8Array && v.byteLength === 8) return Buffer.from(v).readBigInt64BE();
  return positionInteger(v, field, 'a PostgreSQL LSN (int64, digits or X/Y text)');
}

/**
 * The position of a flattened record (ExtractNewRecordState with `add.fields` / `add.headers`), whose
 * source fields became `<prefix><name>`. `fields` are the configured position fields (default `__lsn`,
 * `__source_lsn`): each one present is a PostgreSQL LSN, and each one ending in `lsn` also names a prefix
 * (`__`, `__source_`) under which MySQL's `file`, `pos`, `row`, `gtid`, `snapshot`, `connector` are
 * looked up (`add.fields=file,pos,row` gives `__file`, `__pos`, `__row`). Last, the
 * {@link POSITION_HEADER}. `get` reads a field of the flattened value, or a header. Null when nothing is
 * present.
 */
export function flattenedPosition(
  get: (name: string) => unknown,
  fields: readonly string[],
  options: SourcePositionOptions = {},
): SourcePosition | null {
  for (const f of fields) {
    const lsn = get(f);
    if (lsn === undefined || lsn === null) continue;
    const value = positionInteger(parseLsnValue(lsn, f), f, 'a PostgreSQL LSN');
    return { connector: 'postgresql', scheme: 'lsn', scope: '', value };
  }
  for (const f of fields) {
    if (!f.endsWith('lsn')) continue;
    const prefix = f.slice(0, -3);
    const at = (name: string) => get(`${prefix}${name}`) ?? undefined;
    const file = at('file');
    const gtid = at('gtid');
    if (file === undefined && gtid === undefined) continue;
    const connector = at('connector');
    const source: Block = {
      connector: typeof connector === 'string' ? connector : 'mysql',
      file,
      pos: at('pos'),
      row: at('row'),
      gtid,
      snapshot: at('snapshot'),
    };
    const order = at('total_order') ?? at('transaction_total_order');
    const found = sourcePosition(source, order === undefined ? null : { total_order: order }, options);
    if (found) return found;
  }
  const header = get(POSITION_HEADER);
  if (typeof header !== 'string' && !(header instanceof Uint8Array)) return null;
  const text = typeof header === 'string' ? header : Buffer.from(header).toString('utf8');
  let parsed: { source?: Block; transaction?: Block | null };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    throw new DataError(`header ${POSITION_HEADER} is not JSON: '${text.slice(0, 100)}'`);
  }
  return parsed.source ? sourcePosition(parsed.source, parsed.transaction ?? null, options) : null;
}
