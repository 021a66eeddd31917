/**
 * Which topic log a worker runs on, chosen from its config alone (DESIGN.md: "the same connector configs
 * run on Kafka by changing worker config only"): with `bootstrap.servers` the Kafka log, with Kafka
 * Connect's client keys (`client.id`, `security.protocol`, `sasl.*`, `ssl.*`) and offsets topic keys
 * (`offset.storage.*`); without it the embedded log in the data directory. The standalone worker opens
 * its log here, and so will a distributed one.
 *
 * Brokers that cannot be reached at start are retried with backoff (src/api/backoff.ts) for
 * `log.open.timeout.ms`, each failure logged with `bootstrap.servers` named, rather than crashing at once
 * and being restarted in a loop by a supervisor; anything not retriable (a bad key, a refused SASL
 * login) fails at once.
 */
import type { Logger } from 'pino';
import { nextBackoff } from '../api/backoff.ts';
import { ConfigError, type ConfigProblem, ConnectError } from '../api/errors.ts';
import { EmbeddedTopicLog } from '../log/embedded/embedded-topic-log.ts';
import type { KafkaClientFactory } from '../log/kafka/client-port.ts';
import { type KafkaConnectionOptions, parseKafkaConfig } from '../log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '../log/kafka/kafka-topic-log.ts';
import type { TopicLog } from '../log/topic-log.ts';
import { workerLogKind } from './worker-config-kafka.ts';

export { workerLogKind };

export type WorkerLogKind = ReturnType<typeof workerLogKind>;

export interface WorkerLogOptions {
  readonly dataDir: string;
  /** Names this worker's transactional producer (one writer per worker; a restart fences its zombie). */
  readonly workerId: string;
  readonly workerConfig: Readonly<Record<string, string>>;
  readonly logger: Logger;
  /** @defaultValue the @platformatic/kafka adapter (imported only when the log is Kafka) */
  readonly kafkaClient?: KafkaClientFactory;
  /** Tests pass short delays. @defaultValue 500 ms first retry, 10 s at most */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

export interface WorkerLog {
  readonly kind: WorkerLogKind;
  readonly log: TopicLog;
  /** For the start-up log line: the data directory or the brokers. */
  readonly where: string;
}

/** The Kafka log settings of a worker config, all problems reported at once. */
export interface KafkaLogSettings {
  readonly connection: KafkaConnectionOptions;
  readonly offsetsTopic: string;
  readonly offsetsPartitions: number;
  readonly replicationFactor: number;
  readonly groupId: string;
  readonly openTimeoutMs: number;
}

const DEFAULT_OPEN_TIMEOUT_MS = 120_000;

/**
 * Parses the worker's Kafka keys. `offset.storage.replication.factor` defaults to the broker's default
 * (-1) rather than Kafka Connect's 3, so a one-broker development cluster works without a key.
 */
export function kafkaLogSettings(config: Readonly<Record<string, string>>): KafkaLogSettings {
  const problems: ConfigProblem[] = [];
  let connection: KafkaConnectionOptions | null = null;
  try {
    connection = parseKafkaConfig(config);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const offsetsTopic = (config['offset.storage.topic'] ?? 'connect-offsets').trim();
  if (offsetsTopic === '') problems.push({ key: 'offset.storage.topic', message: 'must not be empty' });
  const offsetsPartitions = int(config, 'offset.storage.partitions', 25, 1, problems);
  const replicationFactor = int(config, 'offset.storage.replication.factor', -1, -1, problems);
  if (replicationFactor === 0)
    problems.push({ key: 'offset.storage.replication.factor', message: 'must be -1 or at least 1' });
  const openTimeoutMs = int(config, 'log.open.timeout.ms', DEFAULT_OPEN_TIMEOUT_MS, 0, problems);
  if (problems.length > 0 || connection === null) throw new ConfigError(problems);
  return {
    connection,
    offsetsTopic,
    offsetsPartitions,
    replicationFactor,
    groupId: (config['group.id'] ?? '').trim() || 'connect-standalone',
    openTimeoutMs,
  };
}

/** Opens the log the worker config selects; the caller closes it. */
export async function openWorkerLog(options: WorkerLogOptions): Promise<WorkerLog> {
  if (workerLogKind(options.workerConfig) === 'embedded') {
    const log = await EmbeddedTopicLog.open({ dataDir: options.dataDir, backgroundCheckpoint: true });
    return { kind: 'embedded', log, where: options.dataDir };
  }
  const settings = kafkaLogSettings(options.workerConfig);
  const factory =
    options.kafkaClient ?? (await import('../log/kafka/platformatic-client.ts')).platformaticClient;
  const client = factory(settings.connection);
  const brokers = settings.connection.brokers.join(',');
  const retry = { initialMs: 500, maxMs: 10_000, ...options.retry, maxElapsedMs: settings.openTimeoutMs };
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      const log = await KafkaTopicLog.open({
        client,
        transactionalId: `${settings.groupId}-${options.workerId}`,
        offsetsTopic: settings.offsetsTopic,
        offsetsPartitions: settings.offsetsPartitions,
        replicationFactor: settings.replicationFactor,
      });
      return { kind: 'kafka', log, where: brokers };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (!(error instanceof ConnectError) || !error.retriable) {
        throw new ConnectError(`cannot open the Kafka log (bootstrap.servers=${brokers}): ${message}`, {
          code: 'seam.log.unavailable',
          cause: error,
        });
      }
      const delay = nextBackoff(attempt, Date.now() - started, retry);
      if (delay === null) {
        throw new ConnectError(
          `the Kafka brokers of bootstrap.servers (${brokers}) could not be reached within ${settings.openTimeoutMs} ms (log.open.timeout.ms): ${message}`,
          { code: 'seam.log.unavailable', retriable: true, cause: error },
        );
      }
      options.logger.warn(
        { bootstrapServers: brokers, attempt, retryInMs: delay, err: error },
        `Kafka brokers of bootstrap.servers (${brokers}) not reachable yet; retrying in ${delay} ms`,
      );
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

function int(
  config: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
  min: number,
  problems: ConfigProblem[],
): number {
  const raw = config[key];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    problems.push({ key, message: `must be a whole number, at least ${min}` });
    return fallback;
  }
  return n;
}
