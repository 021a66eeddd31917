import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import type { StandaloneHerder } from '../../../src/herder/standalone-herder.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import type { KafkaClient, KafkaClientFactory } from '../../../src/log/kafka/client-port.ts';
import { classifyKafkaError } from '../../../src/log/kafka/errors.ts';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { startStandalone } from '../../../src/runtime/standalone.ts';
import { openWorkerLog } from '../../../src/runtime/worker-log.ts';
import { eventually, flushed, testRegistry } from '../../helpers/runtime-plugins.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { CLI, freePort, NODE } from '../../helpers/worker-process.ts';

/**
 * The worker on the Kafka log when the brokers cannot be reached: at start (nothing listening, a listener
 * that drops every connection, brokers that come up later) and while a task runs. Names start with
 * `kworker-` and are unique per run; every topic and group is deleted afterwards.
 */
const run = `kworker-wl-${Date.now().toString(36)}`;
const brokers = servers.kafkaBrokers.join(',');
const dir = mkdtempSync(join(tmpdir(), 'seam-worker-log-'));
const admin = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': brokers, 'client.id': run }));
const topics = new Set<string>();

function capture(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });
  return { logger, lines };
}

const quick = { initialMs: 100, maxMs: 300 };

beforeAll(async () => {
  await requireServer('kafka');
});

afterAll(async () => {
  const a = await admin.admin();
  await a.deleteTopics([...topics]).catch(() => {});
  await a.deleteGroup(`connect-${run}-sink`).catch(() => {});
  await a.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A listener that accepts and at once drops every connection (a broker address that refuses Kafka). */
async function dropping(): Promise<{ port: number; server: Server }> {
  const server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as { port: number }).port, server };
}

/** Forwards a local port to the test broker, so "the brokers" appear when it starts listening. */
async function forwarder(port: number): Promise<Server> {
  const [host, brokerPort] = servers.kafkaBrokers[0]!.split(':') as [string, string];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(brokerPort), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  server.on('close', () => {
    for (const s of sockets) s.destroy();
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

describe('Kafka log of a worker: unreachable brokers at start', () => {
  it('retries a port nothing listens on with backoff, then fails naming bootstrap.servers', async () => {
    const port = await freePort();
    const { logger, lines } = capture();
    const error = await openWorkerLog({
      dataDir: dir,
      workerId: 'test:1',
      workerConfig: { 'bootstrap.servers': `127.0.0.1:${port}`, 'log.open.timeout.ms': '5000' },
      logger,
      retry: quick,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `bootstrap.servers \\(127.0.0.1:${port}\\) could not be reached within 5000 ms \\(log.open.timeout.ms\\)`,
      ),
    );
    const retries = lines.filter((l) => l.includes('not reachable yet; retrying'));
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toContain(`bootstrap.servers (127.0.0.1:${port})`);
  });

  it('treats a listener that drops every connection the same way', async () => {
    const { port, server } = await dropping();
    try {
      const { logger, lines } = capture();
      const error = await openWorkerLog({
        dataDir: dir,
        workerId: 'test:1',
        workerConfig: { 'bootstrap.servers': `127.0.0.1:${port}`, 'log.open.timeout.ms': '12000' },
        logger,
        retry: quick,
      }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/bootstrap.servers \(127.0.0.1:\d+\) could not be reached/);
      expect(lines.some((l) => l.includes('retrying'))).toBe(true);
    } finally {
      server.close();
    }
  });

  it('opens once the brokers come up while it retries', async () => {
    const port = await freePort();
    const { logger, lines } = capture();
    const opening = openWorkerLog({
      dataDir: dir,
      workerId: `${run}:up`,
      workerConfig: {
        'bootstrap.servers': `127.0.0.1:${port}`,
        'client.id': run,
        'offset.storage.topic': `${run}-offsets`,
        'config.storage.topic': `${run}-configs`,
        'status.storage.topic': `${run}-status`,
        'offset.storage.partitions': '1',
      },
      logger,
      retry: quick,
    });
    topics.add(`${run}-offsets`);
    topics.add(`${run}-configs`);
    topics.add(`${run}-status`);
    await eventually(() => lines.some((l) => l.includes('retrying')), 30_000);
    const server = await forwarder(port);
    try {
      const { log, kind } = await opening;
      try {
        expect(kind).toBe('kafka');
        const topic = `${run}-up`;
        topics.add(topic);
        const [pos] = await log.append([
          { topic, partition: null, key: null, value: Buffer.from('v'), headers: [], timestamp: null },
        ]);
        expect(
          (await log.read(topic, 0, pos!.offset, 1)).map((r) => Buffer.from(r.value!).toString()),
        ).toEqual(['v']);
      } finally {
        await log.close();
      }
    } finally {
      server.close();
    }
  });

  it('seam start exits with an error naming bootstrap.servers, not a stack trace', async () => {
    const port = await freePort();
    const worker = join(dir, 'unreachable.json');
    writeFileSync(
      worker,
      JSON.stringify({ 'bootstrap.servers': `127.0.0.1:${port}`, 'log.open.timeout.ms': '1500' }),
    );
    const rest = await freePort();
    const res = spawnSync(
      NODE,
      [CLI, 'start', '--config', worker, '--data-dir', join(dir, 'cli'), '--port', String(rest)],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SEAM_LOG_LEVEL: 'error' } },
    );
    expect(res.status, res.stderr).not.toBe(0);
    expect(res.status).not.toBeNull();
    expect(res.stderr).toMatch(new RegExp(`bootstrap.servers \\(127.0.0.1:${port}\\) could not be reached`));
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('Kafka log of a worker: brokers lost while a task runs', () => {
  let herder: StandaloneHerder | null = null;
  afterAll(async () => {
    await herder?.stop();
  });

  it('the task is FAILED with the reason naming bootstrap.servers, and restarts once they are back', async () => {
    const broken = { writes: false, reads: false };
    const factory = breakable(broken);
    const topic = `${run}-seq`;
    topics.add(topic);
    topics.add(`${run}-offsets2`);
    topics.add(`${run}-configs2`);
    topics.add(`${run}-status2`);
    herder = await startStandalone({
      dataDir: join(dir, 'runtime'),
      workerId: `${run}:rt`,
      workerConfig: {
        'bootstrap.servers': brokers,
        'client.id': run,
        'offset.storage.topic': `${run}-offsets2`,
        'config.storage.topic': `${run}-configs2`,
        'status.storage.topic': `${run}-status2`,
        'offset.storage.partitions': '1',
        'offset.flush.interval.ms': '100',
        'task.auto.restart.initial.backoff.ms': '200',
        'task.auto.restart.max.backoff.ms': '500',
      },
      registry: testRegistry(),
      logger: createLogger({ level: 'silent' }),
      kafkaClient: factory,
    });
    const h = herder;
    await h.putConnectorConfig(
      `${run}-src`,
      {
        'connector.class': 'test.SeqSource',
        topic,
        count: '100000000',
        batch: '5',
        // A failing write is retried this long (Kafka's delivery.timeout.ms), then the task fails.
        'producer.override.delivery.timeout.ms': '1500',
      },
      { allowReplace: false },
    );
    const task = () => h.taskStatus(`${run}-src`, 0);
    await eventually(async () => (await task()).state === 'RUNNING', 60_000);
    broken.writes = true;
    const failed = await eventually(async () => {
      const s = await task();
      return s.state === 'FAILED' ? s : undefined;
    }, 60_000);
    expect(failed.trace).toMatch(/bootstrap.servers/);
    const before = await endOf(topic);
    broken.writes = false;
    await eventually(
      async () => (await task()).state === 'RUNNING' && (await endOf(topic)) > before + 20,
      60_000,
    );
  });
  it('a sink whose reads fail is FAILED naming bootstrap.servers, and reads on once they work', async () => {
    await herder?.stop();
    herder = null;
    const broken = { writes: false, reads: false };
    const topic = `${run}-seq2`;
    topics.add(topic);
    topics.add(`${run}-offsets3`);
    topics.add(`${run}-configs3`);
    topics.add(`${run}-status3`);
    herder = await startStandalone({
      dataDir: join(dir, 'runtime2'),
      workerId: `${run}:rt2`,
      workerConfig: {
        'bootstrap.servers': brokers,
        'client.id': run,
        'offset.storage.topic': `${run}-offsets3`,
        'config.storage.topic': `${run}-configs3`,
        'status.storage.topic': `${run}-status3`,
        'offset.storage.partitions': '1',
        'offset.flush.interval.ms': '100',
        'task.auto.restart.initial.backoff.ms': '200',
        'task.auto.restart.max.backoff.ms': '500',
      },
      registry: testRegistry(),
      logger: createLogger({ level: 'silent' }),
      kafkaClient: breakable(broken),
    });
    const h = herder;
    await h.putConnectorConfig(
      `${run}-src2`,
      { 'connector.class': 'test.SeqSource', topic, count: '100000000', batch: '5' },
      { allowReplace: false },
    );
    const sink = `${run}-sink`;
    flushed.delete(sink);
    await h.putConnectorConfig(
      sink,
      { 'connector.class': 'test.CollectSink', topics: topic },
      { allowReplace: false },
    );
    const task = () => h.taskStatus(sink, 0);
    await eventually(
      async () => (await task()).state === 'RUNNING' && (flushed.get(sink)?.length ?? 0) > 0,
      60_000,
    );
    broken.reads = true;
    const failed = await eventually(async () => {
      const s = await task();
      return s.state === 'FAILED' ? s : undefined;
    }, 60_000);
    expect(failed.trace).toMatch(/bootstrap.servers/);
    const before = flushed.get(sink)?.length ?? 0;
    broken.reads = false;
    await eventually(
      async () => (await task()).state === 'RUNNING' && (flushed.get(sink)?.length ?? 0) > before + 20,
      60_000,
    );
  });
});

/** The real client, except that while a flag is set its writes or reads fail as an unreachable broker's do. */
function breakable(broken: { writes: boolean; reads: boolean }): KafkaClientFactory {
  const unreachable = (what: string) =>
    Promise.reject(
      classifyKafkaError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9092'), { code: 'ECONNREFUSED' }),
        { what },
      ),
    );
  return (options) => {
    const real = platformaticClient(options);
    const client: KafkaClient = {
      ...real,
      transactionalProducer: async (id) => {
        const producer = await real.transactionalProducer(id);
        return {
          transactionalId: producer.transactionalId,
          begin: () => (broken.writes ? unreachable('begin a transaction') : producer.begin()),
          close: () => producer.close(),
        };
      },
      partitionReader: async (isolation) => {
        const reader = await real.partitionReader(isolation);
        return {
          fetch: (...args) => (broken.reads ? unreachable('fetch') : reader.fetch(...args)),
          close: () => reader.close(),
        };
      },
    };
    return client;
  };
}

async function endOf(topic: string): Promise<number> {
  const a = await admin.admin();
  try {
    return (await a.partitionBounds(topic, [0], 'read_committed')).get(0)?.end ?? 0;
  } finally {
    await a.close();
  }
}
