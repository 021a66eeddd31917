/**
 * Progress of an incremental snapshot, as kept in the source offset so a restart resumes it: the tables
 * still to read (the first is current, each with its `additional-conditions` filter), the key of the last
 * row emitted from the current table and the table's maximum key when its snapshot began. Keys are the
 * key columns' text values. Field names follow Debezium's offset (`incremental_snapshot_*`), JSON-encoded.
 */
export type KeyText = readonly (string | null)[];

export interface SnapshotCollection {
  /** `schema.table` */
  readonly id: string;
  readonly filter: string | null;
}

export interface IncrementalState {
  readonly collections: readonly SnapshotCollection[];
  readonly lastKey: KeyText | null;
  readonly maxKey: KeyText | null;
  readonly paused: boolean;
}

export const NO_SNAPSHOT: IncrementalState = { collections: [], lastKey: null, maxKey: null, paused: false };

const COLLECTIONS = 'incremental_snapshot_collections';
const PRIMARY_KEY = 'incremental_snapshot_primary_key';
const MAXIMUM_KEY = 'incremental_snapshot_maximum_key';
const PAUSED = 'incremental_snapshot_paused';

/** Offset fields for the state; empty when no incremental snapshot is running. */
export function stateFields(
  s: IncrementalState,
  lastKey: KeyText | null = s.lastKey,
): Record<string, unknown> {
  if (s.collections.length === 0) return {};
  return {
    [COLLECTIONS]: JSON.stringify(
      s.collections.map((c) => ({
        incremental_snapshot_collections_id: c.id,
        incremental_snapshot_collections_additional_condition: c.filter,
      })),
    ),
    [PRIMARY_KEY]: lastKey === null ? null : JSON.stringify(lastKey),
    [MAXIMUM_KEY]: s.maxKey === null ? null : JSON.stringify(s.maxKey),
    ...(s.paused ? { [PAUSED]: true } : {}),
  };
}

/** The state stored in an offset; {@link NO_SNAPSHOT} when there is none or it cannot be read. */
export function stateFromOffset(offset: Readonly<Record<string, unknown>> | null): IncrementalState {
  const raw = offset?.[COLLECTIONS];
  if (typeof raw !== 'string') return NO_SNAPSHOT;
  try {
    const list = JSON.parse(raw) as {
      incremental_snapshot_collections_id: string;
      incremental_snapshot_collections_additional_condition: string | null;
    }[];
    const key = (v: unknown): KeyText | null => (typeof v === 'string' ? (JSON.parse(v) as KeyText) : null);
    return {
      collections: list.map((c) => ({
        id: c.incremental_snapshot_collections_id,
        filter: c.incremental_snapshot_collections_additional_condition ?? null,
      })),
      lastKey: key(offset?.[PRIMARY_KEY]),
      maxKey: key(offset?.[MAXIMUM_KEY]),
      paused: offset?.[PAUSED] === true,
    };
  } catch {
    return NO_SNAPSHOT;
  }
}
