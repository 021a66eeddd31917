/**
 * The differential test of the internal topics: Seam's stores and a real Kafka Connect 4.3 distributed
 * worker (test/differential/kafka-connect/) share one set of config, status and offsets topics.
 * - Seam → Kafka Connect: connectors, configs, target states, task configs and source offsets that Seam
 *   wrote are what the worker's REST API shows (GET /connectors/…/config, /tasks, /status, /offsets).
 * - Kafka Connect → Seam: a connector created, paused, stopped, its offsets altered and deleted through
 *   the worker's REST API are what Seam's stores read, statuses and topics included.
 * Topics and the worker's group are named `kinternal-kc-<run>-…` and deleted afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import type { ConnectorChange } from '../../../src/storage/config-store.ts';
import type { ConnectorRecord } from '../../../src/storage/connector-state.ts';
import { type KafkaStores, openKafkaStores } from '../../../src/storage/kafka/open-kafka-stores.ts';
import { ensureKafkaConnectBuild } from '../../differential/kafka-connect/build.ts';
import { ConnectWorker } from '../../differential/kafka-connect/worker.ts';
import { requireServer, servers } from '../../helpers/servers.ts';

const run = `${Date.now().toString(36)}-${process.pid}`;
const prefix = `kinternal-kc-${run}`;
const brokers = servers.kafkaBrokers.join(',');
const connection = parseKafkaConfig({ 'bootstrap.servers': brokers, 'client.id': prefix });
const client = platformaticClient(connection);
const FILE_SOURCE = 'org.apache.kafka.connect.file.FileStreamSourceConnector';
const workerConfig = {
  'bootstrap.servers': brokers,
  'group.id': `${prefix}-group`,
  'config.storage.topic': `${prefix}-configs`,
  'status.storage.topic': `${prefix}-status`,
  'offset.storage.topic': `${prefix}-offsets`,
  'offset.storage.partitions': '5',
  'config.storage.replication.factor': '-1',
  'status.storage.replication.factor': '-1',
  'offset.storage.replication.factor': '-1',
};
const dataTopic = `${prefix}-data`;
const say = (line: string) => console.log(`[kafka-connect-differential] ${line}`);

let dir: string;
let stores: KafkaStores;
let worker: ConnectWorker | undefined;
const changes: ConnectorChange[] = [];

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 45_000;
  let last: unknown;
  for (;;) {
    try {
      const got = await probe();
      if (got !== undefined) return got;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}\n${worker?.tail() ?? ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A FileStreamSource config; `name` in it, as both Kafka Connect's and Seam's herders store it. */
const fileSource = (
  name: string,
  file: string,
  extra: Record<string, string> = {},
): Record<string, string> => ({
  name,
  'connector.class': FILE_SOURCE,
  'tasks.max': '1',
  file,
  topic: dataTopic,
  ...extra,
});

beforeAll(async () => {
  await requireServer('kafka');
  const classpath = ensureKafkaConnectBuild(say);
  dir = mkdtempSync(join(tmpdir(), 'seam-kc-diff-'));
  stores = await openKafkaStores({ connection, client, workerConfig });
  stores.config.onChange((c) => changes.push(c));
  // Written before the worker starts: it must find them when it reads the topics from the beginning.
  const stopped: ConnectorRecord = {
    config: fileSource('seam-a', join(dir, 'a.txt')),
    targetState: 'STOPPED',
    taskConfigs: [],
  };
  await stores.config.put('seam-a', stopped);
  await stores.offsets.write([
    {
      connector: 'seam-a',
      partition: JSON.stringify({ filename: join(dir, 'a.txt') }),
      offset: '{"position":42}',
    },
  ]);
  say('starting a Kafka Connect worker');
  const started = Date.now();
  worker = await ConnectWorker.start(classpath, dir, workerConfig);
  say(`worker up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 150_000);

afterAll(async () => {
  await worker?.stop();
  await stores?.close();
  const admin = await client.admin();
  await admin
    .deleteTopics([...Object.values(workerConfig).filter((v) => v.startsWith(prefix)), dataTopic])
    .catch(() => {});
  await admin.deleteGroup(`${prefix}-group`).catch(() => {});
  await admin.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Seam writes, Kafka Connect reads', () => {
  it("shows a Seam connector's config, STOPPED target state and source offsets", async () => {
    const w = worker!;
    await waitFor(
      'seam-a listed',
      async () => ((await w.rest('GET', '/connectors')) as string[]).includes('seam-a') || undefined,
    );
    expect(await w.rest('GET', '/connectors/seam-a/config')).toEqual(
      fileSource('seam-a', join(dir, 'a.txt')),
    );
    const status = await waitFor('seam-a STOPPED', async () => {
      const s = (await w.rest('GET', '/connectors/seam-a/status')) as { connector: { state: string } };
      return s.connector.state === 'STOPPED' ? s : undefined;
    });
    expect(status).toMatchObject({ name: 'seam-a', connector: { state: 'STOPPED' }, tasks: [] });
    expect(await w.rest('GET', '/connectors/seam-a/offsets')).toEqual({
      offsets: [{ partition: { filename: join(dir, 'a.txt') }, offset: { position: 42 } }],
    });
  });

  it('follows changes Seam writes while it runs: a new PAUSED connector with task configs (and a Seam rebuild plan), a config update, a removal', async () => {
    const w = worker!;
    const tasks = [
      {
        'task.class': 'org.apache.kafka.connect.file.FileStreamSourceTask',
        file: join(dir, 'b.txt'),
        topic: dataTopic,
        'batch.size': '2000',
      },
    ];
    // With a rebuild plan: Kafka Connect skips the seam-rebuild- key and reads the rest.
    const rebuild = {
      generation: 1,
      startedAt: '2026-12-02T00:00:00.000Z',
      plan: { rebuildOverrides: {}, liveOverrides: {}, state: {} },
      targets: null,
    };
    await stores.config.put('seam-b', {
      config: fileSource('seam-b', join(dir, 'b.txt')),
      targetState: 'PAUSED',
      taskConfigs: tasks,
      rebuild,
    });
    const shown = await waitFor('seam-b tasks', async () => {
      const t = (await w.rest('GET', '/connectors/seam-b/tasks')) as { id: unknown; config: unknown }[];
      return t.length > 0 ? t : undefined;
    });
    expect(shown).toEqual([{ id: { connector: 'seam-b', task: 0 }, config: tasks[0] }]);
    await waitFor('seam-b PAUSED', async () => {
      const s = (await w.rest('GET', '/connectors/seam-b/status')) as { connector: { state: string } };
      return s.connector.state === 'PAUSED' || undefined;
    });

    const updated = fileSource('seam-a', join(dir, 'a2.txt'), { 'batch.size': '10' });
    await stores.config.put('seam-a', { config: updated, targetState: 'STOPPED', taskConfigs: [] });
    await waitFor('seam-a updated', async () => {
      const c = await w.rest('GET', '/connectors/seam-a/config');
      return isDeepStrictEqual(c, updated) || undefined;
    });

    await stores.config.remove('seam-b');
    await waitFor(
      'seam-b gone',
      async () => !((await w.rest('GET', '/connectors')) as string[]).includes('seam-b') || undefined,
    );
  });

  it("reads offsets Kafka Connect altered (PATCH) for Seam's stopped connector", async () => {
    const w = worker!;
    await w.rest('PATCH', '/connectors/seam-a/offsets', {
      offsets: [{ partition: { filename: join(dir, 'a.txt') }, offset: { position: 7 } }],
    });
    const partition = JSON.stringify({ filename: join(dir, 'a.txt') });
    await waitFor(
      'altered offset',
      async () => (await stores.offsets.offsets('seam-a')).get(partition) === '{"position":7}' || undefined,
    );
  });
});

describe('Kafka Connect writes, Seam reads', () => {
  it('sees a connector created over REST: config, generated tasks, RUNNING statuses, its topic and its offsets', async () => {
    const w = worker!;
    const file = join(dir, 'c.txt');
    writeFileSync(file, 'one\ntwo\n');
    const { name: _, ...config } = fileSource('kc-c', file);
    await w.rest('PUT', '/connectors/kc-c/config', config);
    const record = await waitFor('kc-c with tasks in Seam', async () => {
      const r = await stores.config.get('kc-c');
      return r !== undefined && r.taskConfigs.length > 0 ? r : undefined;
    });
    expect(record.config).toEqual({ ...config, name: 'kc-c' });
    expect(record.targetState).toBe('RUNNING');
    const kcTasks = (await w.rest('GET', '/connectors/kc-c/tasks')) as { config: Record<string, string> }[];
    expect(record.taskConfigs).toEqual(kcTasks.map((t) => t.config));
    // The event came through the listener, not only through get().
    expect(changes.some((c) => c.name === 'kc-c' && c.changed.includes('created'))).toBe(true);

    const status = await waitFor('kc-c RUNNING in Seam', async () => {
      const s = await stores.status.get('kc-c');
      return s?.connector.state === 'RUNNING' && s.tasks['0']?.state === 'RUNNING' && s.topics.length > 0
        ? s
        : undefined;
    });
    expect(status).toEqual({
      connector: { state: 'RUNNING', worker_id: w.workerId },
      tasks: { '0': { state: 'RUNNING', worker_id: w.workerId } },
      topics: [dataTopic],
    });

    const partition = JSON.stringify({ filename: file });
    const offset = await waitFor('kc-c offsets in Seam', async () =>
      (await stores.offsets.offsets('kc-c')).get(partition),
    );
    expect(JSON.parse(offset)).toEqual({ position: 'one\ntwo\n'.length });
    expect(await w.rest('GET', '/connectors/kc-c/offsets')).toEqual({
      offsets: [{ partition: { filename: file }, offset: JSON.parse(offset) }],
    });
  });

  it('sees PAUSED and STOPPED set over REST, and the deletion', async () => {
    const w = worker!;
    await w.rest('PUT', '/connectors/kc-c/pause');
    await waitFor(
      'PAUSED in Seam',
      async () => (await stores.config.get('kc-c'))?.targetState === 'PAUSED' || undefined,
    );
    await waitFor(
      'PAUSED status in Seam',
      async () => (await stores.status.get('kc-c'))?.connector.state === 'PAUSED' || undefined,
    );
    await w.rest('PUT', '/connectors/kc-c/stop');
    await waitFor(
      'STOPPED in Seam',
      async () => (await stores.config.get('kc-c'))?.targetState === 'STOPPED' || undefined,
    );
    await w.rest('DELETE', '/connectors/kc-c');
    await waitFor('kc-c removed in Seam', async () =>
      (await stores.config.get('kc-c')) === undefined ? true : undefined,
    );
    expect(changes.filter((c) => c.name === 'kc-c').at(-1)?.changed).toEqual(['removed']);
  });
});
