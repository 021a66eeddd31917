import cassandra from 'cassandra-driver';
import { expect } from 'vitest';
import { cassandraSinkPlugin } from '../../../connectors/cassandra/index.ts';
import type {
  ConnectError,
  PartitionOffsets,
  SinkRecord,
  SinkTask,
  SinkTaskContext,
  TopicPartition,
} from '../../../src/api/index.ts';
import { servers } from '../../helpers/servers.ts';

/** A plain driver client for setting up and reading the test keyspaces (`cass_<suite>`, the server is shared). */
export function adminClient(): cassandra.Client {
  return new cassandra.Client({
    contactPoints: servers.cassandraContactPoints,
    localDataCenter: servers.cassandraDataCenter,
  });
}

/** Drops and re-creates `keyspace` with the given tables (CQL `CREATE TABLE` bodies). */
export async function freshKeyspace(
  client: cassandra.Client,
  keyspace: string,
  tables: string[],
): Promise<void> {
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`);
  await client.execute(
    `CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}`,
  );
  for (const t of tables) await client.execute(`CREATE TABLE ${keyspace}.${t}`);
}

export interface Observed {
  readonly details: Map<string, unknown>;
  readonly deadLetters: { record: SinkRecord; error: Error }[];
  readonly rewinds: { tp: TopicPartition; offset: number }[];
}

/** The connection keys of the test server. */
export function connection(): Record<string, string> {
  return {
    contactPoints: servers.cassandraContactPoints.join(','),
    'loadBalancing.localDc': servers.cassandraDataCenter,
  };
}

/** A sink task with an in-memory context (the runtime's SinkTaskContext contract, nothing more). */
export async function startTask(
  config: Record<string, string>,
  withReporter = true,
): Promise<{ task: SinkTask; seen: Observed }> {
  const seen: Observed = { details: new Map(), deadLetters: [], rewinds: [] };
  const noop = () => {};
  const context: SinkTaskContext = {
    connectorName: 'cassandra-test',
    taskId: 0,
    logger: { debug: noop, info: noop, warn: noop, error: noop },
    status: { setDetail: (k, v) => void seen.details.set(k, v) },
    signal: new AbortController().signal,
    assignment: () => [],
    offset: (tp, offset) => void seen.rewinds.push({ tp, offset }),
    pause: noop,
    resume: noop,
    requestCommit: noop,
    errantRecordReporter: withReporter
      ? {
          report: async (record, error) => {
            seen.deadLetters.push({ record, error });
          },
        }
      : null,
  };
  const task = cassandraSinkPlugin.createTask();
  try {
    await task.start({ ...connection(), ...config }, context);
  } catch (error) {
    await task.stop();
    throw error;
  }
  return { task, seen };
}

/** The error a task's start fails with (a start that succeeds fails the test). */
export async function startError(config: Record<string, string>): Promise<ConnectError> {
  const error = await startTask(config).then(
    async ({ task }) => {
      await task.stop();
      return null;
    },
    (e: unknown) => e as ConnectError,
  );
  expect(error, 'start should fail').not.toBeNull();
  return error!;
}

/** put + flush: every write acknowledged. */
export async function write(task: SinkTask, records: readonly SinkRecord[]): Promise<void> {
  await task.put(records);
  const offsets: PartitionOffsets = new Map();
  await task.flush?.(offsets);
}

/** Every row of a table as plain objects, sorted by `id`. */
export async function rows(client: cassandra.Client, table: string): Promise<Record<string, unknown>[]> {
  const rs = await client.execute(`SELECT * FROM ${table}`);
  return rs.rows
    .map((r) => Object.fromEntries(r.keys().map((k) => [k, plain(r.get(k))])))
    .sort((a, b) => String(a.id).localeCompare(String(b.id), undefined, { numeric: true }));
}

function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object' && 'toNumber' in v && typeof v.toNumber === 'function') return v.toNumber();
  if (typeof v === 'object' && v.constructor?.name !== 'Object' && !(v instanceof Date) && !Array.isArray(v))
    return String(v);
  return v;
}
