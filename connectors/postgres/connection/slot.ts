import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { PluginLogger } from '../../../src/api/index.ts';
import type { PostgresConfig } from '../config.ts';
import { classify, slotInUse } from '../errors.ts';
import { Lsn } from '../position.ts';
import { clientConfig, quoteIdent } from './connect.ts';
import { recordSlotCreated } from './ownership.ts';

/** Replication slot management (the publication: publication.ts). */

export interface SlotState {
  readonly active: boolean;
  readonly activePid: number | null;
  readonly confirmedFlush: Lsn | null;
  readonly restart: Lsn | null;
  readonly plugin: string;
}

export async function slotState(client: pg.Client, slot: string): Promise<SlotState | null> {
  const { rows } = await client.query<{
    active: string;
    active_pid: string | null;
    confirmed_flush_lsn: string | null;
    restart_lsn: string | null;
    plugin: string;
  }>(
    `SELECT active, active_pid, confirmed_flush_lsn, restart_lsn, plugin FROM pg_replication_slots
      WHERE slot_name = $1 AND database = current_database()`,
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    active: r.active === 't',
    activePid: r.active_pid === null ? null : Number(r.active_pid),
    confirmedFlush: r.confirmed_flush_lsn ? Lsn.parse(r.confirmed_flush_lsn) : null,
    restart: r.restart_lsn ? Lsn.parse(r.restart_lsn) : null,
    plugin: r.plugin,
  };
}

/**
 * The slot's state once no other process streams from it: up to slot.max.retries waits of
 * slot.retry.delay.ms (a previous worker's connection may still be closing after a failover or restart),
 * then a retriable `seam.postgres.slot_in_use` naming the PID that holds it.
 */
export async function acquirableSlot(
  client: pg.Client,
  c: PostgresConfig,
  logger: PluginLogger,
  signal: AbortSignal,
): Promise<SlotState | null> {
  const retries = c['slot.max.retries'];
  let slot = await slotState(client, c['slot.name']);
  for (let attempt = 1; slot?.active && attempt <= retries && !signal.aborted; attempt++) {
    logger.warn(
      { slot: c['slot.name'], pid: slot.activePid, attempt, retries },
      `Replication slot is in use by PID ${slot.activePid}; retrying in ${c['slot.retry.delay.ms']} ms`,
    );
    await sleep(c['slot.retry.delay.ms'], undefined, { signal }).catch(() => {});
    slot = await slotState(client, c['slot.name']);
  }
  if (slot?.active)
    throw slotInUse(
      `Replication slot ${c['slot.name']} is in use after ${retries + 1} attempts`,
      `PID ${slot.activePid}`,
    );
  return slot;
}

/** Bytes of WAL the slot holds back (current WAL position minus confirmed_flush_lsn). */
export async function slotLagBytes(client: pg.Client, slot: string): Promise<number | null> {
  const { rows } = await client.query<{ lag: string | null }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::int8 AS lag FROM pg_replication_slots WHERE slot_name = $1`,
    [slot],
  );
  return rows[0]?.lag == null ? null : Number(rows[0].lag);
}

export async function dropSlot(client: pg.Client, slot: string): Promise<void> {
  await client.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
    [slot],
  );
}

/** A new slot with its exported snapshot; `close()` ends the replication connection (and the snapshot's validity). */
export interface CreatedSlot {
  readonly consistentPoint: Lsn;
  readonly snapshotName: string;
  close(): Promise<void>;
}

export async function createSlot(c: PostgresConfig): Promise<CreatedSlot> {
  const client = new pg.Client({ ...clientConfig(c), replication: 'database' } as pg.ClientConfig);
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ consistent_point: string; snapshot_name: string }>(
      `CREATE_REPLICATION_SLOT ${quoteIdent(c['slot.name'])} LOGICAL pgoutput EXPORT_SNAPSHOT`,
    );
    const row = rows[0]!;
    await recordCreated(c);
    return {
      consistentPoint: Lsn.parse(row.consistent_point),
      snapshotName: row.snapshot_name,
      close: () => client.end(),
    };
  } catch (e) {
    await client.end().catch(() => {});
    throw classify(e, `creating replication slot ${c['slot.name']}`);
  }
}

/**
 * Notes in the publication's Seam record that Seam created the slot, so deleting the connector may drop
 * it. On a connection of its own: any command on the replication connection would end the exported
 * snapshot. Best effort: without the record the slot is only kept on delete, never lost.
 */
async function recordCreated(c: PostgresConfig): Promise<void> {
  const client = new pg.Client(clientConfig(c));
  client.on('error', () => {});
  try {
    await client.connect();
    await recordSlotCreated(client, c);
  } catch {
    // Kept on delete then; `seam slots` still lists it.
  } finally {
    await client.end().catch(() => {});
  }
}
