import { Command } from 'commander';
import { CliError } from './cli-error.ts';
import { readConnectorFile } from './config-files.ts';

/**
 * `seam slots`: the replication slots of a PostgreSQL server, whether each is active, how much WAL it
 * retains, whether Seam created it (and for which connector), and which connector owns it now. Owners
 * are the PostgreSQL connectors of the given connector files and of the worker at `--connect-url`; a
 * Seam-created slot none of them owns is an ORPHAN: it pins WAL until someone drops it.
 */
interface Owner {
  readonly name: string;
  readonly slot: string;
  readonly database: string | undefined;
}

interface Options {
  databaseUrl?: string;
  connectUrl?: string;
  json?: boolean;
}

export function slotsCommand(): Command {
  return new Command('slots')
    .description(
      'list the replication slots of a PostgreSQL server: active, retained WAL, Seam-created, owner',
    )
    .argument('[connector-files...]', 'PostgreSQL connector configs: their connections and slots (owners)')
    .option(
      '--database-url <url>',
      'postgres://user:password@host:port/db (default: the first connector file)',
    )
    .option('--connect-url <url>', 'a running worker whose connectors own slots, e.g. http://127.0.0.1:8083')
    .option('--json', 'print JSON instead of a table')
    .action(async (files: string[], options: Options) => {
      const connectors = files.map((f) => readConnectorFile(f));
      const owners: Owner[] = connectors.map((f) => ownerOf(f.name, f.config)).filter((o) => o !== null);
      if (options.connectUrl) owners.push(...(await workerOwners(options.connectUrl)));
      const known = files.length > 0 || options.connectUrl !== undefined;
      const [{ default: pg }, { listSlots }, { postgresConfigSpec }, { connect }] = await Promise.all([
        import('pg'),
        import('../../connectors/postgres/connection/slot-report.ts'),
        import('../../connectors/postgres/config.ts'),
        import('../../connectors/postgres/connection/connect.ts'),
      ]);
      let client: InstanceType<typeof pg.Client>;
      if (options.databaseUrl) {
        client = new pg.Client({ connectionString: options.databaseUrl });
        client.on('error', () => {});
        await client.connect().catch((e: Error) => {
          throw new CliError(`cannot connect to ${redactUrl(options.databaseUrl!)}: ${e.message}`);
        });
      } else {
        const first = connectors[0];
        if (!first) throw new CliError('give --database-url or a PostgreSQL connector file');
        client = await connect(postgresConfigSpec.parse(first.config));
      }
      try {
        const rows = (await listSlots(client)).map((s) => {
          const owned = owners.filter((o) => o.slot === s.slot && (!o.database || o.database === s.database));
          const owner =
            owned.length > 0
              ? owned.map((o) => o.name).join(',')
              : s.seam?.created && known
                ? 'ORPHAN'
                : known
                  ? '-'
                  : '?';
          return { ...s, owner };
        });
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const table = [
          ['SLOT', 'DATABASE', 'ACTIVE', 'RETAINED_WAL_BYTES', 'SEAM', 'OWNER'],
          ...rows.map((r) => [
            r.slot,
            r.database ?? '-',
            r.active ? `yes (pid ${r.activePid})` : 'no',
            r.retainedWalBytes === null ? '-' : String(r.retainedWalBytes),
            r.seam
              ? `${r.seam.created ? 'created' : 'used'} for ${r.seam.connector || '?'} (publication ${r.seam.publication})`
              : '-',
            r.owner,
          ]),
        ];
        const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
        for (const row of table)
          process.stdout.write(
            `${row
              .map((cell, i) => cell.padEnd(widths[i]!))
              .join('  ')
              .trimEnd()}\n`,
          );
        if (!known)
          process.stdout.write(
            'OWNER is unknown: pass the connector files or --connect-url of the worker to find orphans\n',
          );
        const orphans = rows.filter((r) => r.owner === 'ORPHAN');
        if (orphans.length > 0)
          process.stdout.write(
            `${orphans.length} Seam-created slot(s) owned by no connector pin WAL; drop each with SELECT pg_drop_replication_slot('<slot>')\n`,
          );
      } finally {
        await client.end().catch(() => {});
      }
    });
}

function ownerOf(name: string, config: Readonly<Record<string, string>>): Owner | null {
  const cls = config['connector.class'] ?? '';
  if (!/postgres/i.test(cls)) return null;
  return { name, slot: config['slot.name'] ?? 'debezium', database: config['database.dbname'] };
}

async function workerOwners(url: string): Promise<Owner[]> {
  let body: Record<string, { info?: { config?: Record<string, string> } }>;
  try {
    const res = await fetch(`${url.replace(/\/$/, '')}/connectors?expand=info`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = (await res.json()) as typeof body;
  } catch (e) {
    throw new CliError(`cannot list the connectors of ${url}: ${(e as Error).message}`);
  }
  return Object.entries(body)
    .map(([name, v]) => ownerOf(name, v.info?.config ?? {}))
    .filter((o) => o !== null);
}

function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
}
