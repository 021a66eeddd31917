import type pg from 'pg';
import type { PluginLogger, TaskStatusReporter } from '../../../src/api/index.ts';
import type { RecordQueue } from '../../../src/api/record-queue.ts';
import type { PostgresConfig } from '../config.ts';
import { createSlot, dropSlot, type SlotState } from '../connection/slot.ts';
import type { Lsn } from '../position.ts';
import type { TableSchema } from '../schema/table-schema.ts';
import type { ChangeBuilder } from '../stream/change-builder.ts';
import type { ResumePoint } from './checkpoint.ts';
import { runSnapshot } from './snapshotter.ts';

/**
 * Chooses between resuming an interrupted initial snapshot and taking a new one. Resuming needs the slot
 * the interrupted snapshot created, still at the snapshot's consistent point (the slot is never confirmed
 * while a snapshot runs): streaming then starts there, whatever newer state the remaining chunks are read
 * from. Otherwise the slot is (re)created and its exported snapshot read from the start.
 */
export interface InitialSnapshotDeps {
  readonly config: PostgresConfig;
  readonly client: pg.Client;
  /** The slot as found at start; null when it does not exist. */
  readonly slot: SlotState | null;
  /** The stored offset's checkpoint; null when there is none (or the slot was lost). */
  readonly resume: ResumePoint | null;
  readonly tables: readonly TableSchema[];
  readonly builder: ChangeBuilder;
  readonly queue: RecordQueue;
  readonly status: TaskStatusReporter;
  readonly signal: AbortSignal;
  readonly logger: PluginLogger;
}

/**
 * Prepares the slot (before the task's start returns) and returns the snapshot to run in the background;
 * it resolves to the position streaming starts from.
 */
export async function prepareInitialSnapshot(d: InitialSnapshotDeps): Promise<() => Promise<Lsn>> {
  const c = d.config;
  const job = {
    config: c,
    tables: d.tables,
    builder: d.builder,
    queue: d.queue,
    status: d.status,
    signal: d.signal,
    logger: d.logger,
  };
  const r = d.resume;
  const flushed = d.slot?.confirmedFlush ?? null;
  if (r !== null && d.slot !== null && (flushed === null || flushed.compareTo(r.consistentPoint) <= 0)) {
    return async () => {
      await runSnapshot({
        ...job,
        snapshotName: null,
        consistentPoint: r.consistentPoint,
        resume: r.checkpoint,
      });
      return r.consistentPoint;
    };
  }
  if (r !== null)
    d.logger.warn(
      { slot: c['slot.name'], lsn: r.consistentPoint.toString() },
      `The interrupted snapshot cannot resume: replication slot ${c['slot.name']} ${d.slot === null ? 'no longer exists' : `moved past its consistent point ${r.consistentPoint}`}; taking a new snapshot`,
    );
  if (d.slot !== null) await dropSlot(d.client, c['slot.name']);
  const created = await createSlot(c);
  d.logger.info(
    { slot: c['slot.name'], lsn: created.consistentPoint.toString() },
    `Replication slot ${c['slot.name']} ${d.slot === null ? 'created' : 'recreated'} at ${created.consistentPoint} for the snapshot`,
  );
  return async () => {
    try {
      await runSnapshot({
        ...job,
        snapshotName: created.snapshotName,
        consistentPoint: created.consistentPoint,
        resume: null,
      });
    } finally {
      await created.close().catch(() => {});
    }
    return created.consistentPoint;
  };
}
