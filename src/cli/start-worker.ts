import { accessSync, constants, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConnectError } from '../api/errors.ts';
import { DISTRIBUTED_KEYS, isDistributed } from '../herder/distributed/cluster-settings.ts';
import type { DistributedHerder } from '../herder/distributed/distributed-herder.ts';
import type { Herder } from '../herder/herder.ts';
import { createLogging } from '../instrumentation/logger.ts';
import { ConnectMetrics } from '../instrumentation/metrics.ts';
import { builtinRegistry } from '../plugins/builtin.ts';
import { createRestApp } from '../rest/app.ts';
import { listen, type RunningListeners } from '../rest/listeners.ts';
import { startStandalone } from '../runtime/standalone.ts';
import { ignoredWorkerKeys } from '../runtime/worker-config-keys.ts';
import { CliError, errnoOf } from './cli-error.ts';
import { type ConnectorFile, readConnectorFile, readWorkerConfig } from './config-files.ts';
import { DEFAULT_DATA_DIR } from './data-log.ts';
import { showSnapshotProgress } from './progress.ts';
import { DEFAULT_HOST, DEFAULT_PORT, port, type StartOptions } from './start.ts';
import { restSetup } from './start-rest.ts';

/**
 * The standalone worker behind `seam start`. Every file is read and checked before anything starts, so
 * a typo fails in a second with the file named; connector files are created or updated once the worker
 * runs (their configs then live in the data directory).
 */
export async function startWorker(files: readonly string[], options: StartOptions): Promise<void> {
  const fileConfig = options.config ? readWorkerConfig(options.config) : {};
  const connectors: ConnectorFile[] = files.map(readConnectorFile);
  const host = options.host ?? fileConfig['rest.host.name'] ?? DEFAULT_HOST;
  const filePort = fileConfig['rest.port'];
  const restPort =
    options.port ?? (filePort !== undefined ? portOf(options.config ?? '', filePort) : DEFAULT_PORT);
  const dataDir = resolve(options.dataDir ?? fileConfig['data.dir'] ?? DEFAULT_DATA_DIR);
  checkDataDir(dataDir);
  let rest: ReturnType<typeof restSetup>;
  try {
    rest = restSetup(
      fileConfig,
      { host, port: restPort },
      options.host !== undefined || options.port !== undefined,
    );
  } catch (error) {
    if (error instanceof ConnectError)
      throw new CliError(`${options.config ?? 'worker config'}: ${error.message}`);
    throw error;
  }
  const first = rest.listeners[0] ?? { host, port: restPort };
  const workerConfig = {
    ...fileConfig,
    'rest.host.name': host,
    'rest.port': String(restPort),
    'data.dir': dataDir,
  };

  // The advertised address is the worker's id when set, as in Kafka Connect: pods that all listen on
  // 0.0.0.0:8083 stay distinct, and a restarted pod with a stable name keeps its id.
  const workerId = rest.advertisedUrl?.replace(/^https?:\/\//, '') ?? `${first.host || host}:${first.port}`;
  const { logger, levels } = createLogging({ base: { worker_id: workerId } });
  const metrics = new ConnectMetrics(undefined, { processMetrics: true });
  const distributed = isDistributed(fileConfig);
  for (const { key, reason } of ignoredWorkerKeys(fileConfig))
    if (!distributed || !DISTRIBUTED_KEYS.has(key))
      logger.warn({ key }, `Worker config key ${key} is ignored: ${reason}`);
  let herder: Herder;
  let cluster: DistributedHerder | undefined;
  try {
    if (distributed) {
      // Distributed mode (group.id and redis.url): state in Kafka's internal topics, leases in Redis.
      // Imported here so a standalone worker never loads the Redis and cluster code.
      const { startDistributed } = await import('../runtime/distributed.ts');
      cluster = await startDistributed({
        workerId,
        url: rest.advertisedUrl ?? `http://${first.host || host}:${first.port}`,
        workerConfig,
        logger,
        metrics,
        metricsRegistry: metrics.registry,
      });
      herder = cluster;
    } else herder = await startStandalone({ dataDir, workerId, workerConfig, logger, metrics });
  } catch (error) {
    if (error instanceof ConnectError) throw new CliError(error.message);
    throw error;
  }
  let app: FastifyInstance | undefined;
  let listening: RunningListeners | undefined;
  const shutdown = onceShutdown(async () => {
    logger.info('Stopping worker');
    await listening?.close();
    await app?.close();
    await herder.stop();
    logger.info('Worker stopped');
    logger.flush();
  });
  try {
    app = await createRestApp({
      herder,
      levels,
      metrics,
      errorCodes: builtinRegistry().errorCodes,
      ...(rest.auth ? { auth: rest.auth } : {}),
      ...(rest.advertisedUrl ? { advertisedUrl: rest.advertisedUrl } : {}),
      ...(cluster ? { clusterId: cluster.clusterId, cluster: () => cluster.cluster() } : {}),
    });
    listening = await listen(app, rest.listeners, rest.tls);
  } catch (error) {
    await shutdown();
    const where = (error as { address?: string; port?: number }) ?? {};
    const bind = `${where.address ?? host}:${where.port ?? restPort}`;
    const fix =
      rest.listeners.length > 1 || fileConfig['listeners']
        ? 'edit listeners'
        : 'pass --port or set rest.port';
    if (errnoOf(error) === 'EADDRINUSE')
      throw new CliError(`port ${where.port ?? restPort} is in use; ${fix}`);
    if (errnoOf(error) === 'EACCES') throw new CliError(`not allowed to listen on ${bind}; ${fix}`);
    if (errnoOf(error) === 'EADDRNOTAVAIL')
      throw new CliError(
        `cannot listen on ${where.address ?? host}: no such local address; ${fileConfig['listeners'] ? 'edit listeners' : 'pass --host or set rest.host.name'}`,
      );
    throw error;
  }
  for (const url of listening.urls) logger.info({ url, dataDir }, 'REST API listening');
  showSnapshotProgress(herder);
  for (const c of connectors) {
    try {
      const result = await herder.putConnectorConfig(c.name, c.config, { allowReplace: true });
      logger.info(
        { connector: c.name, file: c.path },
        result.created ? 'Connector created' : 'Connector config updated',
      );
    } catch (error) {
      // One bad file must not take down the connectors that are fine; the error says what to fix.
      logger.error(
        { connector: c.name, file: c.path, err: error },
        `Connector ${c.name} from ${c.path} was not started`,
      );
      process.stderr.write(`seam: ${c.path}: ${(error as Error).message}\n`);
    }
  }
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'Shutdown requested');
      shutdown().then(done, (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exitCode = 1;
        done();
      });
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  // Everything Seam owns is closed now. A plugin call abandoned after its timeout (a hung task) may
  // still hold a timer or socket forever; it must not keep a stopped worker alive.
  process.exit();
}

function portOf(path: string, value: string): number {
  try {
    return port(value);
  } catch {
    throw new CliError(`${path}: rest.port ${value} is not a port number (0-65535)`);
  }
}

const WHY: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a parent path is a file',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/** Creates the data directory if needed and proves it writable before anything opens files in it. */
function checkDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK | constants.R_OK);
  } catch (error) {
    const code = errnoOf(error);
    const why = code ? (WHY[code] ?? code) : String(error);
    throw new CliError(`data directory ${dir} is not writable (${why}); pass --data-dir or set data.dir`);
  }
}

function onceShutdown(run: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => {
    running ??= run();
    return running;
  };
}
