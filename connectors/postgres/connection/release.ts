import type pg from 'pg';
import type { PostgresConfig } from '../config.ts';
import { quoteIdent } from './connect.ts';
import { pgBool, readMarker, type SeamMarker, updateMarker } from './ownership.ts';

/**
 * When a connector is deleted: drop the slot and the publication Seam created for it, so nothing pins
 * WAL after it is gone. Never dropped: an active slot (some process streams from it), a slot or a
 * publication Seam did not create (ownership.ts), a publication another connector's slot still uses, or
 * anything under `slot.drop.on.delete=false`. Returns one line per object saying what happened and why.
 */
export async function releaseOnDelete(
  client: pg.Client,
  c: PostgresConfig,
  connector: string,
): Promise<string[]> {
  const slot = c['slot.name'];
  const publication = c['publication.name'];
  const marker = await readMarker(client, publication);
  const state = await slotRow(client, slot);
  if (!c['slot.drop.on.delete']) {
    const kept = state
      ? `kept replication slot ${slot} (retains ${state.retained ?? 0} bytes of WAL)`
      : `replication slot ${slot} does not exist`;
    return [`${kept} and publication ${publication}: slot.drop.on.delete=false`];
  }
  const lines: string[] = [];
  const record = marker?.slots[slot];
  const ours = record?.created === true && (record.connector === connector || record.connector === '');
  let released = state === null;
  if (state === null) lines.push(`replication slot ${slot} does not exist`);
  else if (state.active) lines.push(`kept replication slot ${slot}: it is active (PID ${state.pid})`);
  else if (!ours)
    lines.push(
      `kept replication slot ${slot}: ${record ? `recorded for connector ${record.connector || '?'}${record.created ? '' : ', not created by Seam'}` : 'Seam did not create it'}`,
    );
  else {
    const { rows } = await client.query(
      'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1 AND NOT active',
      [slot],
    );
    released = rows.length > 0;
    lines.push(
      released
        ? `dropped replication slot ${slot} (it retained ${state.retained ?? 0} bytes of WAL)`
        : `kept replication slot ${slot}: it became active`,
    );
  }
  if (marker === undefined) lines.push(`publication ${publication} does not exist`);
  else if (marker === null) lines.push(`kept publication ${publication}: Seam did not create it`);
  else {
    const after = released
      ? await updateMarker(client, publication, (m): SeamMarker | null => {
          if (!(slot in m.slots)) return null;
          const { [slot]: _gone, ...rest } = m.slots;
          return { v: 1, slots: rest };
        })
      : marker;
    const users = Object.keys(after?.slots ?? {});
    if (users.length === 0) {
      await client.query(`DROP PUBLICATION IF EXISTS ${quoteIdent(publication)}`);
      lines.push(`dropped publication ${publication}`);
    } else lines.push(`kept publication ${publication}: used by slot(s) ${users.join(', ')}`);
  }
  return lines;
}

async function slotRow(
  client: pg.Client,
  slot: string,
): Promise<{ active: boolean; pid: number | null; retained: number | null } | null> {
  const { rows } = await client.query<{
    active: boolean;
    active_pid: number | null;
    retained: string | null;
  }>(
    `SELECT active, active_pid, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::int8::text AS retained
       FROM pg_replication_slots WHERE slot_name = $1 AND database = current_database()`,
    [slot],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    active: pgBool(r.active),
    pid: r.active_pid === null ? null : Number(r.active_pid),
    retained: r.retained === null ? null : Number(r.retained),
  };
}
