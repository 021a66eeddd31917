import type pg from 'pg';
import { ConfigError, type PluginLogger, type TaskStatusReporter } from '../../../src/api/index.ts';
import type { PostgresConfig } from '../config.ts';
import { classify } from '../errors.ts';
import type { TableRef } from './catalog.ts';
import { quoteIdent, quoteLiteral } from './connect.ts';
import { writeMarker } from './ownership.ts';

/** Seam's record on a publication it creates: it may drop it once no connector of its uses it. */
const created = (client: pg.Client, name: string) => writeMarker(client, name, { v: 1, slots: {} });

/**
 * The publication, prepared so that it never breaks the application's writes: PostgreSQL rejects UPDATE
 * and DELETE on a table without a replica identity once a publication that publishes them covers it.
 * `filtered` leaves such tables out (unless publication.include.tables.without.identity), `all_tables`
 * keeps Debezium's meaning and warns naming each table and its fix. docs/decisions/2026-12-02-postgres-publication-safety.md
 */

/** Status detail listing the tables without replica identity and what Seam did about them. */
export const IDENTITY_DETAIL = 'tables_without_replica_identity';

/** The SQL that gives a table a replica identity (a primary key works too). */
export function identityFix(t: Pick<TableRef, 'schema' | 'table'>): string {
  return `ALTER TABLE ${quoteIdent(t.schema)}.${quoteIdent(t.table)} REPLICA IDENTITY FULL`;
}

const SYSTEM = `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;

/**
 * Tables PostgreSQL would refuse UPDATE/DELETE on inside such a publication: REPLICA IDENTITY NOTHING,
 * DEFAULT without a primary key, or USING INDEX whose index is gone. `among` null means every ordinary
 * table of the database (partitions included: writes are checked on the partition), as FOR ALL TABLES covers.
 */
export async function tablesWithoutIdentity(
  client: pg.Client,
  among: readonly TableRef[] | null,
): Promise<TableRef[]> {
  const where =
    among === null ? `c.relkind = 'r' AND ${SYSTEM}` : `c.relkind IN ('r', 'p') AND c.oid = ANY($1::oid[])`;
  const { rows } = await client.query<{ oid: string; nspname: string; relname: string }>(
    `SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${where}
        AND (c.relreplident = 'n'
          OR (c.relreplident = 'd' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary))
          OR (c.relreplident = 'i' AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident)))
      ORDER BY n.nspname, c.relname`,
    among === null ? [] : [among.map((t) => t.oid)],
  );
  return rows.map((r) => ({ oid: Number(r.oid), schema: r.nspname, table: r.relname }));
}

interface ExistingPublication {
  readonly publishesWrites: boolean;
  /** oid → quoted schema.table */
  readonly members: Map<number, string>;
}

async function existing(client: pg.Client, name: string): Promise<ExistingPublication | null> {
  const { rows } = await client.query<{ oid: string; pubupdate: string; pubdelete: string }>(
    'SELECT oid, pubupdate, pubdelete FROM pg_publication WHERE pubname = $1',
    [name],
  );
  const p = rows[0];
  if (!p) return null;
  const members = await client.query<{ prrelid: string; t: string }>(
    `SELECT r.prrelid, format('%I.%I', n.nspname, c.relname) AS t FROM pg_publication_rel r
       JOIN pg_class c ON c.oid = r.prrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE r.prpubid = $1`,
    [p.oid],
  );
  return {
    publishesWrites: p.pubupdate === 't' || p.pubdelete === 't',
    members: new Map(members.rows.map((r) => [Number(r.prrelid), r.t])),
  };
}

const names = (tables: readonly TableRef[]) => tables.map((t) => `${t.schema}.${t.table}`);

/**
 * Creates or updates the publication per `publication.autocreate.mode` and returns the tables to
 * capture: `refs` without the tables left out of a filtered publication. The signal table is published
 * (it is read from the stream) but never captured.
 */
export async function preparePublication(
  client: pg.Client,
  c: PostgresConfig,
  refs: readonly TableRef[],
  signalRef: TableRef | undefined,
  logger: PluginLogger,
  status: TaskStatusReporter,
): Promise<TableRef[]> {
  const name = c['publication.name'];
  const mode = c['publication.autocreate.mode'];
  const via = c['publish.via.partition.root'] ? ' WITH (publish_via_partition_root = true)' : '';
  try {
    const before = await existing(client, name);
    if (mode === 'disabled') {
      if (!before)
        throw new ConfigError([
          {
            key: 'publication.name',
            message: `publication ${quoteLiteral(name)} does not exist and publication.autocreate.mode is disabled`,
          },
        ]);
      return [...refs];
    }
    const publishesWrites = before?.publishesWrites ?? true;
    if (mode === 'no_tables') {
      if (!before) {
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)}${via}`);
        await created(client, name);
        logger.info({ publication: name }, `Publication ${name} created with no tables`);
      }
      return [...refs];
    }
    if (mode === 'all_tables') {
      const unsafe = publishesWrites ? await tablesWithoutIdentity(client, null) : [];
      if (unsafe.length > 0) {
        logger.warn(
          { publication: name, tables: names(unsafe) },
          `Publication ${name} (FOR ALL TABLES) covers ${unsafe.length} table(s) without a primary key or ` +
            `replica identity; PostgreSQL rejects their UPDATE and DELETE: ${names(unsafe).join(', ')}. ` +
            `Fix each: ${unsafe.map((t) => `${identityFix(t)};`).join(' ')} (or add a primary key), ` +
            'or use publication.autocreate.mode=filtered, which leaves such tables out',
        );
        status.setDetail(IDENTITY_DETAIL, {
          action: 'published',
          tables: names(unsafe),
          fix: unsafe.map(identityFix),
        });
      }
      if (!before) {
        await client.query(`CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES${via}`);
        await created(client, name);
        logger.info({ publication: name }, `Publication ${name} created FOR ALL TABLES`);
      }
      return [...refs];
    }
    // filtered
    const unsafe = publishesWrites ? await tablesWithoutIdentity(client, refs) : [];
    const include = c['publication.include.tables.without.identity'];
    const left = new Set(include ? [] : unsafe.map((t) => t.oid));
    const captured = refs.filter((t) => !left.has(t.oid));
    if (unsafe.length > 0) {
      const fixes = `${unsafe.map((t) => `${identityFix(t)};`).join(' ')} (or add a primary key)`;
      logger.warn(
        { publication: name, tables: names(unsafe) },
        include
          ? `Publishing ${names(unsafe).join(', ')} without a primary key or replica identity ` +
              `(publication.include.tables.without.identity=true): PostgreSQL now rejects their UPDATE and DELETE. Fix: ${fixes}`
          : `Not capturing ${names(unsafe).join(', ')}: without a primary key or replica identity, ` +
              `PostgreSQL would reject their UPDATE and DELETE once published. Fix: ${fixes}, ` +
              'or set publication.include.tables.without.identity=true to publish them anyway',
      );
      status.setDetail(IDENTITY_DETAIL, {
        action: include ? 'published' : 'excluded',
        tables: names(unsafe),
        fix: unsafe.map(identityFix),
      });
    }
    const wanted = signalRef ? [...captured, signalRef] : captured;
    await syncFiltered(client, name, via, wanted, before, logger);
    return captured;
  } catch (e) {
    throw classify(e, `preparing publication ${name}`);
  }
}

/** FOR TABLE the wanted tables: created, or altered only when its members differ. */
async function syncFiltered(
  client: pg.Client,
  name: string,
  via: string,
  wanted: readonly TableRef[],
  before: ExistingPublication | null,
  logger: PluginLogger,
): Promise<void> {
  const list = wanted.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.table)}`).join(', ');
  if (!before) {
    await client.query(`CREATE PUBLICATION ${quoteIdent(name)}${list ? ` FOR TABLE ${list}` : ''}${via}`);
    await created(client, name);
    logger.info(
      { publication: name, tables: names(wanted) },
      `Publication ${name} created for ${wanted.length} table(s)`,
    );
    return;
  }
  const wantedOids = new Set(wanted.map((t) => t.oid));
  const added = wanted.filter((t) => !before.members.has(t.oid));
  const removed = [...before.members].filter(([oid]) => !wantedOids.has(oid)).map(([, t]) => t);
  if (added.length === 0 && removed.length === 0) return;
  if (list) {
    await client.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${list}`);
  } else {
    // SET TABLE needs at least one table: an include list that now matches nothing empties it table by table.
    await client.query(`ALTER PUBLICATION ${quoteIdent(name)} DROP TABLE ${removed.join(', ')}`);
  }
  logger.info(
    { publication: name, added: names(added), removed },
    `Publication ${name} changed: ${added.length} table(s) added, ${removed.length} removed`,
  );
}
