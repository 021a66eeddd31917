import { Client } from '@elastic/elasticsearch';
import { elasticsearchSinkPlugin } from '../../../connectors/elasticsearch/index.ts';
import type {
  PartitionOffsets,
  SinkRecord,
  SinkTask,
  SinkTaskContext,
  TopicPartition,
} from '../../../src/api/index.ts';
import { servers } from '../../helpers/servers.ts';

export const es = new Client({ node: servers.elasticsearchUrl });

/** What a test can observe of a task: status details, dead letters, rewinds. */
export interface Observed {
  readonly details: Map<string, unknown>;
  readonly deadLetters: { record: SinkRecord; error: Error }[];
  readonly rewinds: { tp: TopicPartition; offset: number }[];
}

/** A sink task with an in-memory context (the runtime's SinkTaskContext contract, nothing more). */
export async function startTask(
  config: Record<string, string>,
  withReporter = true,
): Promise<{ task: SinkTask; seen: Observed }> {
  const seen: Observed = { details: new Map(), deadLetters: [], rewinds: [] };
  const noop = () => {};
  const context: SinkTaskContext = {
    connectorName: 'es-test',
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
  const task = elasticsearchSinkPlugin.createTask();
  await task.start(
    { 'connection.url': servers.elasticsearchUrl, 'retry.backoff.ms': '10', ...config },
    context,
  );
  return { task, seen };
}

/** put + flush: every write acknowledged (preCommit does not wait, see task.ts). */
export async function write(task: SinkTask, records: readonly SinkRecord[]): Promise<void> {
  await task.put(records);
  const offsets: PartitionOffsets = new Map();
  await task.flush?.(offsets);
}

/** Every document of an index with its version, sorted by id. */
export async function documents(
  index: string,
): Promise<{ id: string; version: number; source: Record<string, unknown> }[]> {
  await es.indices.refresh({ index });
  const res = await es.search({
    index,
    size: 10_000,
    version: true,
    query: { match_all: {} },
    sort: ['_doc'],
  });
  return res.hits.hits
    .map((h) => ({ id: h._id!, version: h._version!, source: h._source as Record<string, unknown> }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Drops the indices and their hidden delete-marker indices (`<name>-seam-deletes`). */
export async function dropIndices(pattern: string): Promise<void> {
  await es.indices.delete({
    index: [pattern, `${pattern}-seam-deletes`],
    ignore_unavailable: true,
    allow_no_indices: true,
    expand_wildcards: 'all',
  } as never);
}

/** What a user sees through `name`: GET by id of each id, `_count`, and the ids a search returns. */
export async function userView(
  name: string,
  ids: readonly string[],
): Promise<{ found: string[]; count: number; searched: string[] }> {
  await es.indices.refresh({ index: name });
  const got = await es.mget({ index: name, ids: [...ids] });
  const found = (got.docs as { _id: string; found?: boolean }[]).filter((d) => d.found).map((d) => d._id);
  const count = (await es.count({ index: name })).count;
  const res = await es.search({ index: name, size: 10_000, query: { match_all: {} } });
  const searched = res.hits.hits.map((h) => h._id!).sort((a, b) => a.localeCompare(b));
  return { found: found.sort((a, b) => a.localeCompare(b)), count, searched };
}
