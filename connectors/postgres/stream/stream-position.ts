import { Lsn } from '../position.ts';

/**
 * Where a record sits in the replication stream, and how a restart resumes from it.
 *
 * A position is the pair (commit, lsn): `commit` is the LSN of the commit record of the record's
 * transaction (known from BEGIN), `lsn` the LSN of the change itself. Positions order
 * lexicographically, so "every change at or before the stored offset is already in the log" becomes:
 * skip a change when (commit, lsn) ≤ (offset.lsn_commit, offset.lsn). The slot is confirmed only up to
 * `commit` of a durable record, so PostgreSQL resends at most that one transaction, and the rule drops
 * what of it is already stored. A heartbeat taken between transactions stores (P, 0), where every
 * transaction committing before P is complete.
 */
export interface StreamPosition {
  readonly commit: Lsn;
  readonly lsn: Lsn;
  readonly txId: number | null;
  readonly tsUs: bigint;
}

export interface StoredPosition {
  readonly commit: Lsn;
  readonly lsn: Lsn;
}

/** Reads the streaming position from a stored offset; null when the offset has none (no offset, or a snapshot in progress). */
export function storedPosition(offset: Readonly<Record<string, unknown>> | null): StoredPosition | null {
  if (offset === null || snapshotInProgress(offset)) return null;
  const commit = Lsn.tryParse(offset.lsn_commit);
  const lsn = Lsn.tryParse(offset.lsn);
  return commit && lsn ? { commit, lsn } : null;
}

/** True when a change at (commit, lsn) is already covered by the stored position. */
export function alreadyStored(stored: StoredPosition | null, commit: Lsn, lsn: Lsn): boolean {
  if (stored === null) return false;
  const c = commit.compareTo(stored.commit);
  return c < 0 || (c === 0 && lsn.compareTo(stored.lsn) <= 0);
}

/** A snapshot record's offset before the last snapshot record: the snapshot must be taken again. */
export function snapshotInProgress(offset: Readonly<Record<string, unknown>> | null): boolean {
  return offset?.snapshot === true && offset.last_snapshot_record !== true;
}

/**
 * The last message the task handled (its records queued, or filtered out). A reconnected stream resends
 * from the last confirmed commit, so what was handled since is skipped as a restart skips what is stored.
 */
export class HandledPosition {
  #commit: Lsn | null = null;
  #lsn: Lsn | null = null;

  mark(commit: Lsn, lsn: Lsn): void {
    this.#commit = commit;
    this.#lsn = lsn;
  }

  /** The position to skip up to after a reconnect: the later of `stored` and the last handled. */
  resumeAfter(stored: StoredPosition | null): StoredPosition | null {
    const commit = this.#commit;
    const lsn = this.#lsn;
    return commit && lsn && !alreadyStored(stored, commit, lsn) ? { commit, lsn } : stored;
  }
}
