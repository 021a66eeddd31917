import type pg from 'pg';
import type { PluginLogger, TaskStatusReporter } from '../../../src/api/index.ts';
import type { PostgresConfig } from '../config.ts';
import { quoteLiteral } from './connect.ts';
import { claimSlot, pgBool, seamPublications } from './ownership.ts';

/**
 * Replication slots as an operator needs to see them: which are active, how much WAL each retains, and
 * which Seam created for which connector (ownership.ts). Used by `seam slots` and, at task start, to warn
 * about Seam-created slots that sit inactive on the connector's database (a deleted connector's leftovers).
 */

export interface SlotReport {
  readonly slot: string;
  readonly database: string | null;
  readonly plugin: string | null;
  readonly active: boolean;
  readonly activePid: number | null;
  /** WAL the server keeps for the slot (current position − restart_lsn); null for a slot never used. */
  readonly retainedWalBytes: number | null;
  /** The Seam record of the slot, when a Seam publication of this database names it. */
  readonly seam: {
    readonly publication: string;
    readonly connector: string;
    readonly created: boolean;
  } | null;
}

/** Every replication slot of the server; Seam's records are those of the connected database. */
export async function listSlots(client: pg.Client): Promise<SlotReport[]> {
  const markers = await seamPublications(client);
  const { rows } = await client.query<{
    slot_name: string;
    database: string | null;
    plugin: string | null;
    active: boolean | string;
    active_pid: number | string | null;
    retained: string | null;
    here: boolean | string;
  }>(
    `SELECT slot_name, database, plugin, active, active_pid,
            pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END,
                            restart_lsn)::int8::text AS retained,
            database = current_database() AS here
       FROM pg_replication_slots ORDER BY slot_name`,
  );
  return rows.map((r) => {
    let seam: SlotReport['seam'] = null;
    if (pgBool(r.here)) {
      for (const [publication, m] of markers) {
        const rec = m.slots[r.slot_name];
        if (rec) seam = { publication, connector: rec.connector, created: rec.created };
      }
    }
    return {
      slot: r.slot_name,
      database: r.database,
      plugin: r.plugin,
      active: pgBool(r.active),
      activePid: r.active_pid === null ? null : Number(r.active_pid),
      retainedWalBytes: r.retained === null ? null : Number(r.retained),
      seam,
    };
  });
}

/** Status detail naming inactive Seam-created slots of other connectors on this database. */
export const ORPHAN_DETAIL = 'inactive_seam_slots';

/**
 * At task start: records that this connector streams from its slot (when the publication is Seam's), then
 * warns about every other Seam-created slot of the database that no process streams from. Such a slot
 * pins WAL; it is either a stopped connector's or a deleted one's. Best effort: a failure here (no
 * privilege to read or comment) never keeps the task from streaming.
 */
export async function reviewSlots(
  client: pg.Client,
  c: PostgresConfig,
  connector: string,
  logger: PluginLogger,
  status: TaskStatusReporter,
): Promise<void> {
  try {
    await claimSlot(client, c, connector);
    const idle = (await listSlots(client)).filter(
      (s) => s.seam?.created && !s.active && s.slot !== c['slot.name'],
    );
    status.setDetail(
      ORPHAN_DETAIL,
      idle.map((s) => ({
        slot: s.slot,
        connector: s.seam?.connector,
        retained_wal_bytes: s.retainedWalBytes,
      })),
    );
    for (const s of idle)
      logger.warn(
        { slot: s.slot, connector: s.seam?.connector, retained_wal_bytes: s.retainedWalBytes },
        `Replication slot ${s.slot}, created by Seam for connector ${s.seam?.connector}, is inactive and retains ` +
          `${s.retainedWalBytes ?? 0} bytes of WAL. If that connector no longer exists, drop it: ` +
          `SELECT pg_drop_replication_slot(${quoteLiteral(s.slot)}); (\`seam slots\` lists every slot)`,
      );
  } catch (e) {
    logger.warn({ error: (e as Error).message }, 'Could not review the replication slots of the database');
  }
}
