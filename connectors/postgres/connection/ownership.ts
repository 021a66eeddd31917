import type pg from 'pg';
import type { PostgresConfig } from '../config.ts';
import { quoteIdent, quoteLiteral } from './connect.ts';

/**
 * What Seam created in a database, recorded where it lives: a replication slot cannot carry a comment,
 * so the comment of the publication Seam created holds the record
 * (`seam {"v":1,"slots":{"<slot>":{"connector":"<name>","created":true}}}`). A publication without it was
 * created by someone else (a DBA, Debezium) and Seam never drops it, nor a slot it did not create.
 * docs/decisions/2026-12-02-postgres-reconnect-and-slots.md
 */

export interface SlotRecord {
  /** The connector that last streamed from the slot through this publication. */
  readonly connector: string;
  /** Seam created the slot (CREATE_REPLICATION_SLOT), so it may drop it. */
  readonly created: boolean;
}

export interface SeamMarker {
  readonly v: 1;
  readonly slots: Readonly<Record<string, SlotRecord>>;
}

const PREFIX = 'seam ';

export function parseMarker(comment: string | null | undefined): SeamMarker | null {
  if (!comment?.startsWith(PREFIX)) return null;
  try {
    const parsed = JSON.parse(comment.slice(PREFIX.length)) as Partial<SeamMarker>;
    if (parsed.v !== 1 || typeof parsed.slots !== 'object' || parsed.slots === null) return null;
    return { v: 1, slots: parsed.slots };
  } catch {
    return null;
  }
}

export function markerText(marker: SeamMarker): string {
  return `${PREFIX}${JSON.stringify(marker)}`;
}

/** The publication's marker; undefined when the publication does not exist, null when it is not Seam's. */
export async function readMarker(
  client: pg.Client,
  publication: string,
): Promise<SeamMarker | null | undefined> {
  const { rows } = await client.query<{ comment: string | null }>(
    `SELECT obj_description(oid, 'pg_publication') AS comment FROM pg_publication WHERE pubname = $1`,
    [publication],
  );
  const row = rows[0];
  return row === undefined ? undefined : parseMarker(row.comment);
}

export async function writeMarker(client: pg.Client, publication: string, marker: SeamMarker): Promise<void> {
  await client.query(
    `COMMENT ON PUBLICATION ${quoteIdent(publication)} IS ${quoteLiteral(markerText(marker))}`,
  );
}

/**
 * Read-modify-write of a marker, serialised between Seam tasks by an advisory lock held for the
 * transaction (two connectors sharing a publication may start together). Nothing is written to a
 * publication that is not Seam's; `change` returning null leaves the marker as it is.
 */
export async function updateMarker(
  client: pg.Client,
  publication: string,
  change: (marker: SeamMarker) => SeamMarker | null,
): Promise<SeamMarker | null> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`seam:publication:${publication}`]);
    const before = await readMarker(client, publication);
    const after = before ? change(before) : null;
    if (after) await writeMarker(client, publication, after);
    await client.query('COMMIT');
    return after ?? before ?? null;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** At task start: this connector streams from its slot through the publication (created flag kept). */
export function claimSlot(
  client: pg.Client,
  c: PostgresConfig,
  connector: string,
): Promise<SeamMarker | null> {
  const slot = c['slot.name'];
  return updateMarker(client, c['publication.name'], (m) => {
    const now = m.slots[slot];
    if (now?.connector === connector) return null;
    return { v: 1, slots: { ...m.slots, [slot]: { connector, created: now?.created ?? false } } };
  });
}

/** Seam just created the slot: it may drop it when its connector is deleted. */
export function recordSlotCreated(client: pg.Client, c: PostgresConfig): Promise<SeamMarker | null> {
  const slot = c['slot.name'];
  return updateMarker(client, c['publication.name'], (m) => {
    const now = m.slots[slot];
    if (now?.created) return null;
    return { v: 1, slots: { ...m.slots, [slot]: { connector: now?.connector ?? '', created: true } } };
  });
}

/** Every Seam marker of the database: publication → marker. */
export async function seamPublications(client: pg.Client): Promise<Map<string, SeamMarker>> {
  const { rows } = await client.query<{ pubname: string; comment: string | null }>(
    `SELECT pubname, obj_description(oid, 'pg_publication') AS comment FROM pg_publication ORDER BY pubname`,
  );
  const out = new Map<string, SeamMarker>();
  for (const r of rows) {
    const m = parseMarker(r.comment);
    if (m) out.set(r.pubname, m);
  }
  return out;
}

/** A boolean column as pg gives it: true with the default parsers, 't' with the connector's text-only ones. */
export function pgBool(value: unknown): boolean {
  return value === true || value === 't';
}
