import type { TableSchema } from '../schema/table-schema.ts';
import type { SnapshotCheckpoint, TableCheckpoint } from './checkpoint.ts';
import type { KeyText } from './incremental-state.ts';

/**
 * The chunks of one table's initial snapshot and which of them are finished. A chunk is the key range
 * (lo, hi]: `hi` is the key `snapshot.chunk.size` rows after `lo`, so several threads can read chunks of
 * one table at once; the last chunk is open-ended. A table without a usable key is one chunk. Chunks may
 * finish in any order; only the contiguous prefix of finished chunks moves the table's checkpoint.
 */
export interface Chunk {
  readonly plan: TablePlan;
  readonly seq: number;
  /** Rows after this key (null: from the first row). */
  readonly lo: KeyText | null;
  /** Rows up to and including this key (null: to the last row). */
  readonly hi: KeyText | null;
}

export class TablePlan {
  readonly id: string;
  readonly schema: TableSchema;
  /** False when the table cannot be read in key ranges: it is one chunk, read again whole after a restart. */
  readonly keyed: boolean;
  /** Rows read by this run (finished or not): progress, not the checkpoint. */
  rowsRead = 0;
  #nextLo: KeyText | null;
  #exhausted = false;
  #handed = 0;
  #prefix = 0;
  readonly #finished = new Map<number, { rows: number; lastKey: KeyText | null }>();
  #after: KeyText | null;
  #rows: number;

  constructor(schema: TableSchema, resumed: TableCheckpoint | null) {
    this.schema = schema;
    this.id = `${schema.meta.schema}.${schema.meta.table}`;
    const key = schema.meta.keyColumns;
    const optional = new Set(schema.meta.columns.filter((c) => c.optional).map((c) => c.name));
    // A NULL in a key column falls outside every row comparison: such a key cannot delimit ranges.
    this.keyed = key.length > 0 && key.every((k) => !optional.has(k));
    // A key that changed shape since the checkpoint (ALTER TABLE) cannot position the table: it starts over.
    const usable = this.keyed && resumed !== null && (resumed.after?.length ?? key.length) === key.length;
    this.#after = usable ? (resumed?.after ?? null) : null;
    this.#rows = usable ? (resumed?.rows ?? 0) : 0;
    this.#nextLo = this.#after;
  }

  /** True once every chunk was handed out. */
  get exhausted(): boolean {
    return this.#exhausted;
  }

  /** True once every chunk is finished. */
  get done(): boolean {
    return this.#exhausted && this.#prefix === this.#handed;
  }

  /** The checkpoint of the finished prefix; null while nothing of the table is finished. */
  get checkpoint(): TableCheckpoint | null {
    return this.#after === null && this.#rows === 0 ? null : { after: this.#after, rows: this.#rows };
  }

  /** Hands out the next chunk, ending at `hi` (null: the rest of the table). */
  take(hi: KeyText | null): Chunk {
    const chunk: Chunk = { plan: this, seq: this.#handed++, lo: this.#nextLo, hi: this.keyed ? hi : null };
    this.#nextLo = hi;
    if (hi === null || !this.keyed) this.#exhausted = true;
    return chunk;
  }

  /** Chunks handed out and not yet part of the finished prefix: what a restart would read again. */
  get open(): number {
    return this.#handed - this.#prefix;
  }

  /** Lower bound of the next chunk. */
  get nextLo(): KeyText | null {
    return this.#nextLo;
  }

  /** Records a finished chunk (all its rows queued); true when the table's checkpoint moved. */
  finish(chunk: Chunk, rows: number, lastKey: KeyText | null): boolean {
    this.#finished.set(chunk.seq, { rows, lastKey });
    let moved = false;
    for (let f = this.#finished.get(this.#prefix); f !== undefined; f = this.#finished.get(this.#prefix)) {
      this.#finished.delete(this.#prefix++);
      this.#rows += f.rows;
      if (f.lastKey !== null) this.#after = f.lastKey;
      moved = true;
    }
    return moved;
  }
}

/** The checkpoint of all plans, with the tables finished before this run. */
export function checkpointOf(plans: readonly TablePlan[], doneBefore: readonly string[], rowsBefore: number) {
  const done = [...doneBefore];
  const partial: Record<string, TableCheckpoint> = {};
  let rows = rowsBefore;
  for (const p of plans) {
    const c = p.checkpoint;
    if (p.done) done.push(p.id);
    else if (c !== null) partial[p.id] = c;
    rows += c?.rows ?? 0;
  }
  return { done, partial, rows } satisfies SnapshotCheckpoint;
}
