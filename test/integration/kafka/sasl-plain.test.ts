import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../../src/api/errors.ts';
import { createLogger } from '../../../src/instrumentation/logger.ts';
import { openWorkerLog } from '../../../src/runtime/worker-log.ts';
import { probe, requireServer } from '../../helpers/servers.ts';
import { CLI, freePort, NODE } from '../../helpers/worker-process.ts';
import { KAFKA_PORTS, KAFKA_SASL_USER } from '../../services/kafka.ts';

/**
 * SASL/PLAIN through the worker keys Kafka Connect uses (`security.protocol`, `sasl.mechanism`,
 * `sasl.jaas.config`), against the SASL_PLAINTEXT listener of the test broker (test/services/kafka.ts:
 * 127.0.0.1:9094, user seam / seam-secret; SEAM_TEST_KAFKA_SASL_BROKERS points elsewhere). A wrong password
 * fails at once with sasl.jaas.config named and the password nowhere in what is printed. Names start
 * with `kworker-sasl-`, unique per run, deleted afterwards.
 */
const brokers = process.env.SEAM_TEST_KAFKA_SASL_BROKERS ?? `127.0.0.1:${KAFKA_PORTS.saslPort}`;
const run = `kworker-sasl-${Date.now().toString(36)}`;
const dir = mkdtempSync(join(tmpdir(), 'seam-sasl-'));
const WRONG = 'not-the-secret-4f2a';

const saslConfig = (password: string): Record<string, string> => ({
  'bootstrap.servers': brokers,
  'client.id': run,
  'security.protocol': 'SASL_PLAINTEXT',
  'sasl.mechanism': 'PLAIN',
  'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_SASL_USER.username}" password="${password}";`,
  'offset.storage.topic': `${run}-offsets`,
  'config.storage.topic': `${run}-configs`,
  'status.storage.topic': `${run}-status`,
  'offset.storage.partitions': '1',
  'request.timeout.ms': '10000',
});

let reachable = false;
const lines: string[] = [];
const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(s) } });

beforeAll(async () => {
  await requireServer('kafka');
  for (const b of brokers.split(',')) {
    const [host, port] = b.split(':') as [string, string];
    const error = await probe(host, Number(port), 2_000);
    if (error)
      throw new Error(
        `the SASL_PLAINTEXT listener ${b} of the test broker is not up (${error}): a broker started before it was added needs a restart (npm run services -- down kafka && npm run services -- up kafka), or point SEAM_TEST_KAFKA_SASL_BROKERS at one`,
      );
  }
  reachable = true;
});

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (!reachable) return;
  const opened = await openWorkerLog({
    dataDir: dir,
    workerId: 'cleanup',
    workerConfig: saslConfig(KAFKA_SASL_USER.password),
    logger,
  }).catch(() => null);
  if (opened) {
    for (const t of [`${run}-topic`, `${run}-offsets`, `${run}-configs`, `${run}-status`])
      await opened.log.deleteTopic(t).catch(() => {});
    await opened.log.close();
  }
});

describe('SASL/PLAIN', () => {
  it('the worker log authenticates with the JAAS credentials; records and source offsets in one transaction', async () => {
    const { log, kind } = await openWorkerLog({
      dataDir: dir,
      workerId: `${run}:1`,
      workerConfig: saslConfig(KAFKA_SASL_USER.password),
      logger,
    });
    try {
      expect(kind).toBe('kafka');
      const topic = `${run}-topic`;
      const [pos] = await log.append(
        [{ topic, partition: null, key: null, value: Buffer.from('v'), headers: [], timestamp: null }],
        [{ connector: 'c', partition: '{"p":1}', offset: '{"o":1}' }],
      );
      const [stored] = await log.read(topic, 0, pos!.offset, 1);
      expect(Buffer.from(stored!.value!).toString()).toBe('v');
      expect([...(await log.sourceOffsets('c'))]).toEqual([['{"p":1}', '{"o":1}']]);
    } finally {
      await log.close();
    }
  });

  it('a wrong password fails at once, naming sasl.jaas.config and never the password', async () => {
    const error = await openWorkerLog({
      dataDir: dir,
      workerId: `${run}:2`,
      workerConfig: saslConfig(WRONG),
      logger,
      retry: { initialMs: 100, maxMs: 200 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).retriable).toBe(false);
    expect((error as Error).message).toMatch(/sasl.jaas.config/);
    expect((error as Error).message).toContain(`bootstrap.servers=${brokers}`);
    expect((error as Error).message).not.toContain(WRONG);
    // Not retried: a refused login is not an outage.
    expect(lines.some((l) => l.includes('retrying'))).toBe(false);
  });

  it('seam start and seam topics with the worker file: wrong password refused, right one lists topics', async () => {
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify(saslConfig(WRONG)));
    const start = spawnSync(
      NODE,
      [CLI, 'start', '--config', wrong, '--data-dir', join(dir, 'data'), '--port', String(await freePort())],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SEAM_LOG_LEVEL: 'info' } },
    );
    expect(start.status, start.stderr).not.toBe(0);
    expect(start.stderr).toMatch(/sasl.jaas.config/);
    expect(`${start.stdout}${start.stderr}`).not.toContain(WRONG);

    const right = join(dir, 'right.json');
    writeFileSync(right, JSON.stringify(saslConfig(KAFKA_SASL_USER.password)));
    const topics = spawnSync(NODE, [CLI, 'topics', '--config', right, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(topics.status, topics.stderr).toBe(0);
    expect((JSON.parse(topics.stdout) as { name: string }[]).map((t) => t.name)).toContain(`${run}-topic`);
  });
});
