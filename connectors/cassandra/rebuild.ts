import {
  ConfigError,
  type RebuildPlan,
  type RebuildRequest,
  RetriableError,
  type SinkRebuild,
} from '../../src/api/index.ts';
import { cassandraSinkConfigSpec } from './config.ts';
import { parseMappings } from './mapping.ts';
import { CassandraSession } from './session.ts';
import { currentTable, ensurePointerTable, quote, run, setPointer } from './views.ts';

/** One view being rebuilt: its name, the table behind it now, and the fresh one. */
interface TableSwap {
  readonly keyspace: string;
  readonly view: string;
  readonly current: string;
  readonly next: string;
  readonly generation: number;
}

/** A reader may have read the pointer just before it moved: the old table stays this long. */
const DRAIN_GRACE_MS = 2_000;
/** Cassandra's limit on table names. */
const MAX_TABLE_NAME = 48;

/**
 * View rebuild for the Cassandra sink (SinkRebuild). For each mapped table (a view, `keyspace.view`):
 * - prepare: the table behind the view (the pointer's row in `seam_views`, else the view's own name) is
 *   described and `<view>_v<N+1>` is created with the same definition. Rebuild tasks write there only
 *   (`view.redirect`); live tasks write to the current table and mirror every write there
 *   (`view.mirror`). Writes carry their source position as write timestamp, so the two writers' order
 *   does not matter.
 * - finish: the pointer row moves to the new table (readers switch at their next lookup), then, after a
 *   short grace for readers that had just looked it up, the old table is dropped. Live tasks still
 *   mirroring until the runtime restarts them ignore the vanished old table.
 * - abort: drops the new tables.
 * Mappings with a custom `query` name their table in the CQL and cannot be redirected: refused.
 */
export const cassandraRebuild: SinkRebuild = {
  async prepare(request: RebuildRequest): Promise<RebuildPlan> {
    const { mappings, problems } = parseMappings(request.config);
    if (problems.length > 0) throw new ConfigError(problems);
    const custom = mappings.filter((m) => m.query !== null);
    if (custom.length > 0)
      throw new ConfigError(
        custom.map((m) => ({
          key: `${m.prefix}.query`,
          message: 'a custom query cannot be rebuilt into a new table',
        })),
      );
    return withSession(request.config, async (session) => {
      const swaps: TableSwap[] = [];
      for (const m of mappings) {
        if (swaps.some((s) => s.keyspace === m.keyspace && s.view === m.table)) continue;
        const current = await currentTable(session.client, m.keyspace, m.table);
        const described = await run(
          session.client,
          `DESCRIBE TABLE ${quote(m.keyspace)}.${quote(current)}`,
          `describing ${m.keyspace}.${current}`,
        ).catch((error: unknown) => {
          throw new ConfigError(
            [{ key: `${m.prefix}.mapping`, message: `cannot rebuild: ${(error as Error).message}` }],
            { cause: error },
          );
        });
        const generation = current === m.table ? 1 : Number(/_v(\d+)$/.exec(current)?.[1] ?? 0) + 1;
        const next = `${m.table}_v${generation}`;
        if (next.length > MAX_TABLE_NAME)
          throw new ConfigError([
            {
              key: `${m.prefix}.mapping`,
              message: `'${next}' exceeds Cassandra's ${MAX_TABLE_NAME} characters`,
            },
          ]);
        const definition = String(described.first()?.get('create_statement') ?? '');
        const create = definition.replace(
          /^CREATE TABLE\s+\S+\s*\(/,
          `CREATE TABLE ${quote(m.keyspace)}.${quote(next)} (`,
        );
        if (create === definition)
          throw new RetriableError(`unexpected DESCRIBE output for ${m.keyspace}.${current}`);
        // A leftover of an aborted or crashed attempt holds a partial copy: start it afresh.
        await run(
          session.client,
          `DROP TABLE IF EXISTS ${quote(m.keyspace)}.${quote(next)}`,
          `dropping ${next}`,
        );
        await run(session.client, create, `creating ${m.keyspace}.${next}`);
        await ensurePointerTable(session.client, m.keyspace);
        swaps.push({ keyspace: m.keyspace, view: m.table, current, next, generation });
      }
      const pairs = swaps.map((s) => `${s.keyspace}.${s.view}:${s.next}`).join(',');
      return {
        rebuildOverrides: { 'view.redirect': pairs },
        liveOverrides: { 'view.mirror': pairs },
        state: { swaps },
      };
    });
  },

  async finish(config, plan): Promise<void> {
    const swaps = (plan.state['swaps'] ?? []) as TableSwap[];
    await withSession(config, async (session) => {
      const retired: TableSwap[] = [];
      for (const s of swaps) {
        const now = await currentTable(session.client, s.keyspace, s.view);
        if (now === s.next) continue;
        const next = await session.client.metadata.getTable(s.keyspace, s.next);
        if (!next) throw new RetriableError(`rebuilt table ${s.keyspace}.${s.next} is missing`);
        await setPointer(session.client, s.keyspace, s.view, s.next, s.generation);
        retired.push(s);
      }
      if (retired.length > 0) await new Promise((r) => setTimeout(r, DRAIN_GRACE_MS));
      for (const s of swaps)
        if (s.current !== s.next)
          await run(
            session.client,
            `DROP TABLE IF EXISTS ${quote(s.keyspace)}.${quote(s.current)}`,
            `dropping ${s.current}`,
          );
    });
  },

  async abort(config, plan): Promise<void> {
    const swaps = (plan.state['swaps'] ?? []) as TableSwap[];
    await withSession(config, async (session) => {
      for (const s of swaps) {
        if ((await currentTable(session.client, s.keyspace, s.view)) === s.next) continue;
        await run(
          session.client,
          `DROP TABLE IF EXISTS ${quote(s.keyspace)}.${quote(s.next)}`,
          `dropping ${s.next}`,
        );
      }
    });
  },
};

async function withSession<T>(
  config: Readonly<Record<string, string>>,
  fn: (session: CassandraSession) => Promise<T>,
): Promise<T> {
  const session = new CassandraSession(cassandraSinkConfigSpec.parse(config));
  await session.connect();
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}
