/**
 * How far an interrupted snapshot got, carried in the source offset of every snapshot record: tables
 * read completely, and for tables being read the primary key of the last row of the last chunk whose
 * rows were all emitted before the record. A restart skips those and re-reads only unfinished chunks.
 */
export interface SnapshotProgress {
  readonly done: readonly string[];
  readonly keys: Readonly<Record<string, readonly unknown[]>>;
}

export const NO_PROGRESS: SnapshotProgress = Object.freeze({ done: [], keys: {} });

/** Offset fields (flat strings, as Kafka Connect offsets are best kept). */
export function progressFields(p: SnapshotProgress): Record<string, string> {
  return {
    snapshot_done: JSON.stringify(p.done),
    snapshot_keys: JSON.stringify(p.keys, (_k, v) =>
      typeof v === 'bigint'
        ? { $n: v.toString() }
        : v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
          ? { $b: Buffer.from((v as { data: number[] }).data).toString('base64') }
          : v,
    ),
  };
}

/** The progress stored in an offset, or null when there is none (a snapshot not begun, or an old one). */
export function parseProgress(stored: Readonly<Record<string, unknown>>): SnapshotProgress | null {
  if (typeof stored.snapshot_done !== 'string' || typeof stored.snapshot_keys !== 'string') return null;
  try {
    const done = JSON.parse(stored.snapshot_done) as unknown;
    const keys = JSON.parse(stored.snapshot_keys, (_k, v) => {
      if (v && typeof v === 'object' && typeof (v as { $b?: unknown }).$b === 'string')
        return Buffer.from((v as { $b: string }).$b, 'base64');
      if (v && typeof v === 'object' && typeof (v as { $n?: unknown }).$n === 'string')
        return (v as { $n: string }).$n;
      return v;
    }) as unknown;
    if (!Array.isArray(done) || !keys || typeof keys !== 'object') return null;
    return { done: done.map(String), keys: keys as Record<string, unknown[]> };
  } catch {
    return null;
  }
}
