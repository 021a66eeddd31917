import { randomUUID } from 'node:crypto';
import { type Headers, Schemas } from '../../../src/api/index.ts';
import type { Flavor } from '../source-info.ts';

/**
 * Debezium 3.x's extended headers (`__debezium.context.*`, on by default through
 * extended.headers.enabled): the logical name, the task, the connector type and a random id of this
 * run, as required strings. Debezium puts them on data change, tombstone and schema change records.
 */
export function contextHeaders(flavor: Flavor, logicalName: string, taskId: number): Headers {
  const header = (key: string, value: string) => ({ key, value, schema: Schemas.STRING });
  return Object.freeze([
    header('__debezium.context.connectorLogicalName', logicalName),
    header('__debezium.context.taskId', String(taskId)),
    header('__debezium.context.connectorName', flavor),
    header('__debezium.context.runId', randomUUID()),
  ]);
}
