import type { SourceRecord } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { Lsn } from '../position.ts';
import type { TableSchema, TextTuple } from '../schema/table-schema.ts';
import type { SnapshotMarker } from '../source-info.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';
import { checkpointOffset } from './checkpoint.ts';
import { type Chunk, checkpointOf, type TablePlan } from './chunk-plan.ts';
import { keyOf } from './chunk-query.ts';

/**
 * Queues the snapshot's records for every reader thread, one step at a time in call order, and builds
 * each step's records only when it is the step's turn: a record's offset is then the checkpoint as it
 * stands when the record enters the queue, and a chunk's completion enters the checkpoint in the same
 * step as the chunk's last row. Whatever offset the log stores last, every chunk it calls finished is
 * in the log. Markers follow Debezium (checked by test/integration/debezium): `first` on the first row
 * of a fresh snapshot, `first_in_data_collection` on a table's first row, `last_in_data_collection` on
 * its last (held back until something follows it) and `last` on the final record.
 */
export interface EmitterOptions {
  readonly builder: ChangeBuilder;
  readonly queue: RecordQueue;
  readonly consistentPoint: Lsn;
  readonly tsUs: bigint;
  readonly plans: readonly TablePlan[];
  readonly doneBefore: readonly string[];
  readonly rowsBefore: number;
  /** False when resuming: the snapshot's first row is already in the log. */
  readonly fresh: boolean;
  /** A chunk's completion entered the checkpoint. */
  onChunkDone(): void;
  /** A table's every chunk is queued. */
  onTableDone(plan: TablePlan): void;
}

/** Records built per queue step. */
const SLICE = 1024;

interface Held {
  readonly chunk: Chunk;
  readonly tuple: TextTuple;
  readonly rows: number;
  readonly marker: SnapshotMarker;
}

export class SnapshotEmitter {
  readonly #o: EmitterOptions;
  #chain: Promise<void> = Promise.resolve();
  #offset: Record<string, unknown>;
  /** The last row of the table finished most recently, with its chunk's completion. */
  #held: Held | null = null;

  constructor(o: EmitterOptions) {
    this.#o = o;
    this.#offset = this.#checkpoint();
  }

  /**
   * Queues rows of a chunk; `from` is how many of its rows were queued before. A fetch of
   * `snapshot.fetch.size` rows becomes records a slice at a time, so no more than a slice of records
   * waits beside the bounded queue.
   */
  rows(chunk: Chunk, tuples: readonly TextTuple[], from: number): Promise<void> {
    const steps: Promise<void>[] = [];
    for (let start = 0; start < tuples.length; start += SLICE) {
      const end = Math.min(tuples.length, start + SLICE);
      steps.push(
        this.#step((out) => {
          for (let i = start; i < end; i++)
            out.push(this.#record(chunk.plan.schema, tuples[i]!, this.#marker(chunk, from + i, false)));
        }, chunk.plan),
      );
    }
    return Promise.all(steps).then(() => {});
  }

  /** Queues a chunk's last row (null: the chunk was empty) and its completion, `rows` rows in all. */
  finish(chunk: Chunk, last: TextTuple | null, rows: number): Promise<void> {
    return this.#step(
      (out) => {
        const tableEnds = chunk.hi === null;
        if (last !== null && tableEnds) {
          this.#held = { chunk, tuple: last, rows, marker: this.#marker(chunk, rows - 1, true) };
          return;
        }
        this.#complete(chunk, rows, last);
        if (last !== null)
          out.push(this.#record(chunk.plan.schema, last, this.#marker(chunk, rows - 1, false)));
      },
      last !== null ? chunk.plan : null,
    );
  }

  /** The snapshot read everything: the held row is the final record. */
  end(): Promise<void> {
    return this.#step((out) => {
      const h = this.#held;
      if (h === null) return;
      this.#held = null;
      this.#complete(h.chunk, h.rows, h.tuple);
      const offset = {
        snapshot: true,
        last_snapshot_record: true,
        lsn_commit: this.#o.consistentPoint.toDecimal(),
        lsn: '0',
      };
      out.push(
        this.#o.builder.read(
          h.chunk.plan.schema,
          h.tuple,
          'last',
          this.#o.consistentPoint,
          this.#o.tsUs,
          offset,
        ),
      );
    }, null);
  }

  /**
   * One queue step of `table` (null: a step that queues nothing, or the end). A step of another table
   * queues a record or holds a new last row, so the held row is followed by something and is released
   * first. A step of the held row's own table is an earlier chunk that finished after the table's last
   * one (chunks are read in parallel): its rows go ahead and the held row stays held, since it may still
   * be the snapshot's `last` (releasing it there lost the final record and its `last_snapshot_record`).
   * An empty chunk's completion does not release it either.
   */
  #step(build: (out: SourceRecord[]) => void, table: TablePlan | null): Promise<void> {
    const step = this.#chain.then(async () => {
      const out: SourceRecord[] = [];
      if (table !== null && this.#held !== null && this.#held.chunk.plan !== table) this.#release(out);
      build(out);
      if (out.length > 0) await this.#o.queue.push(out);
    });
    this.#chain = step.catch(() => {});
    return step;
  }

  /** Something follows the held row: it goes first, with its chunk's completion. */
  #release(out: SourceRecord[]): void {
    const h = this.#held;
    if (h === null) return;
    this.#held = null;
    this.#complete(h.chunk, h.rows, h.tuple);
    out.push(this.#record(h.chunk.plan.schema, h.tuple, h.marker));
  }

  #complete(chunk: Chunk, rows: number, last: TextTuple | null): void {
    const plan = chunk.plan;
    const lastKey = last !== null && plan.keyed ? keyOf(plan.schema, last) : null;
    const moved = plan.finish(chunk, rows, lastKey);
    this.#o.onChunkDone();
    if (!moved) return;
    this.#offset = this.#checkpoint();
    if (plan.done) this.#o.onTableDone(plan);
  }

  #checkpoint(): Record<string, unknown> {
    const o = this.#o;
    return checkpointOffset(o.consistentPoint, checkpointOf(o.plans, o.doneBefore, o.rowsBefore));
  }

  #record(table: TableSchema, tuple: TextTuple, marker: SnapshotMarker): SourceRecord {
    return this.#o.builder.read(table, tuple, marker, this.#o.consistentPoint, this.#o.tsUs, this.#offset);
  }

  #marker(chunk: Chunk, index: number, tableLast: boolean): SnapshotMarker {
    const firstOfTable = index === 0 && chunk.seq === 0 && chunk.lo === null;
    const firstOfSnapshot = firstOfTable && this.#o.fresh && chunk.plan === this.#o.plans[0];
    if (tableLast) return firstOfSnapshot ? 'first' : 'last_in_data_collection';
    if (firstOfSnapshot) return 'first';
    return firstOfTable ? 'first_in_data_collection' : 'true';
  }
}
