import { DataError } from './errors.ts';

/**
 * Where a change sits in the log of the database it came from, as one non-negative 63-bit integer, so a
 * sink can order writes by it (Elasticsearch external versions are non-negative longs; Cassandra write
 * timestamps are 64-bit). Two positions compare only when `connector`, `scheme` and `scope` are equal:
 * within one source a larger value is a later change of any row it shares with a smaller one.
 * Built by `sourcePosition` / `flattenedPosition` (source-position.ts).
 */
export interface SourcePosition {
  /** `source.connector`: `postgresql`, `mysql` or `mariadb`. */
  readonly connector: string;
  readonly scheme: 'lsn' | 'binlog' | 'gtid';
  /**
   * What the value is relative to: '' for an LSN (one timeline per cluster), the binlog base name for
   * `binlog` (`mysql-bin`), the server UUID (MySQL) or domain id (MariaDB) for `gtid`.
   */
  readonly scope: string;
  /** 0 ≤ value ≤ 2^63 − 1. */
  readonly value: bigint;
}

/** The largest position: Elasticsearch external versions and Cassandra write timestamps are signed longs. */
export const MAX_POSITION = (1n << 63n) - 1n;

/**
 * A non-negative integer field of a source block (number, bigint or digit string), checked against
 * 0..2^63−1. The error names the field so an operator can find the transform or source that wrote it.
 */
export function positionInteger(v: unknown, field: string, what: string, max = MAX_POSITION): bigint {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^\d+$/.test(v.trim())) n = BigInt(v.trim());
  if (n === undefined || n < 0n) {
    throw new DataError(
      `${field} value ${describe(v)} is not a non-negative integer usable as a source position (expected ${what}). Fix: keep the source's ${field} unchanged by transforms, or point the sink's position fields at the field that carries it.`,
    );
  }
  if (n > max) {
    throw new DataError(
      `${field} value ${n} is larger than ${max}, the most ${what} can hold in a 63-bit source position. Fix: see docs/decisions/2026-12-02-source-position.md for the encoding's limits (rebuild the view after a reset of the source's log).`,
    );
  }
  return n;
}

/** `source.snapshot` of a snapshot read (`true`, `first`, `last`, `incremental`, …); absent or `false` is a streamed change. */
export function snapshotting(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v !== 'string') return false;
  return v !== 'false' && v !== '';
}

function describe(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  return String(v);
}
