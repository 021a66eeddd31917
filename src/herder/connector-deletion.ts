import type { Logger } from 'pino';
import { withDeadline } from '../runtime/deadline.ts';
import type { Worker } from '../runtime/worker.ts';

/**
 * After a deleted connector's tasks stopped: lets a source plugin release what it created outside Seam
 * (`SourceConnector.onDelete`, e.g. the PostgreSQL source's replication slot and publication) and logs
 * what was released or kept. DELETE keeps Kafka Connect's answer (204, no body), so the log line is where
 * this shows. Never throws: a connector whose cleanup fails is deleted all the same, with a warning.
 */
export async function releaseDeleted(
  worker: Worker,
  logger: Logger,
  name: string,
  config: Readonly<Record<string, string>>,
): Promise<void> {
  let plugin: ReturnType<Worker['plugin']>;
  try {
    plugin = worker.plugin(config);
  } catch {
    return; // the plugin is gone: nothing can release its resources
  }
  if (plugin.kind !== 'source') return;
  const connector = plugin.createConnector();
  if (!connector.onDelete) return;
  const log = logger.child({ connector: name });
  try {
    const resolved = await worker.options.resolveConfig(config);
    const lines = await withDeadline(
      connector.onDelete(resolved, {
        connectorName: name,
        logger: log,
        requestTaskReconfiguration: () => {},
        raiseError: () => {},
      }),
      worker.options.config['task.shutdown.graceful.timeout.ms'],
      'Connector onDelete()',
      'task.shutdown.graceful.timeout.ms',
    );
    log.info({ released: lines }, `Connector ${name} deleted: ${lines.join('; ') || 'nothing to release'}`);
  } catch (err) {
    log.warn(
      { error: (err as Error).message },
      `Connector ${name} deleted, but releasing its resources failed; check them (e.g. \`seam slots\`)`,
    );
  }
}
