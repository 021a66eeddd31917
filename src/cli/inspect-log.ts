import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ConnectError } from '../api/errors.ts';
import type { TopicLog } from '../log/topic-log.ts';
import { workerLogKind } from '../runtime/worker-config-kafka.ts';
import { CliError } from './cli-error.ts';
import { readWorkerConfig } from './config-files.ts';
import { DEFAULT_DATA_DIR, openDataLog } from './data-log.ts';

/** Where `seam topics` and `seam tail` read: a data directory's embedded log, or Kafka. */
export interface InspectOptions {
  dataDir?: string;
  bootstrapServers?: string;
  /** A worker config: its `bootstrap.servers` and security keys, or its `data.dir`. */
  config?: string;
}

/** The options both commands take, in the same words. */
export function withLogOptions(command: Command): Command {
  return command
    .option('--data-dir <dir>', `data directory of the embedded log (default: ${DEFAULT_DATA_DIR})`)
    .option('--bootstrap-servers <list>', 'read Kafka (host:port,…) instead of a data directory')
    .option(
      '--config <file>',
      'a worker config: reads the Kafka it names (bootstrap.servers, security keys), else its data.dir',
    );
}

/**
 * Opens the log a worker would run on, for reading only. On Kafka nothing is created (not even the
 * offsets topic) and nothing is retried: an inspection command fails at once, naming bootstrap.servers.
 */
export async function openInspectLog(options: InspectOptions): Promise<TopicLog> {
  const config = options.config ? readWorkerConfig(options.config) : {};
  const workerConfig = {
    ...config,
    ...(options.bootstrapServers !== undefined ? { 'bootstrap.servers': options.bootstrapServers } : {}),
  };
  if (workerLogKind(workerConfig) === 'embedded') {
    if (options.bootstrapServers !== undefined) throw new CliError('--bootstrap-servers must name host:port');
    return openDataLog(resolve(options.dataDir ?? config['data.dir'] ?? DEFAULT_DATA_DIR));
  }
  const [{ kafkaLogSettings }, { KafkaTopicLog }, { platformaticClient }] = await Promise.all([
    import('../runtime/worker-log.ts'),
    import('../log/kafka/kafka-topic-log.ts'),
    import('../log/kafka/platformatic-client.ts'),
  ]);
  let settings: ReturnType<typeof kafkaLogSettings>;
  try {
    settings = kafkaLogSettings(workerConfig);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(`${options.config ?? 'Kafka'}: ${error.message}`);
    throw error;
  }
  const brokers = settings.connection.brokers.join(',');
  try {
    return await KafkaTopicLog.open({
      client: platformaticClient({ ...settings.connection, clientId: `${settings.connection.clientId}-cli` }),
      transactionalId: `${settings.groupId}-cli-unused`,
      offsetsTopic: settings.offsetsTopic,
      createOffsetsTopic: false,
    });
  } catch (error) {
    if (error instanceof ConnectError)
      throw new CliError(`cannot read Kafka at bootstrap.servers=${brokers}: ${error.message}`);
    throw error;
  }
}
