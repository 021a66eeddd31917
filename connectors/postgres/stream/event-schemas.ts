import { randomUUID } from 'node:crypto';
import {
  type Headers,
  type Schema,
  SchemaBuilder,
  Schemas,
  TRANSACTION_BLOCK_SCHEMA,
} from '../../../src/api/index.ts';
import { SOURCE_SCHEMA } from '../source-info.ts';

/** The schemas of transaction metadata and logical decoding message events, and the context headers. */

export const TX_KEY_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.TransactionMetadataKey')
  .version(1)
  .field('id', Schemas.STRING)
  .build();
const TX_COLLECTION_SCHEMA = SchemaBuilder.struct()
  .name('event.collection')
  .version(1)
  .optional()
  .field('data_collection', Schemas.STRING)
  .field('event_count', Schemas.INT64)
  .build();
export const TX_VALUE_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.common.TransactionMetadataValue')
  .version(1)
  .field('status', Schemas.STRING)
  .field('id', Schemas.STRING)
  .field('event_count', Schemas.OPTIONAL_INT64)
  .field('data_collections', SchemaBuilder.array(TX_COLLECTION_SCHEMA).optional().build())
  .field('ts_ms', Schemas.INT64)
  .build();
export const MESSAGE_KEY_SCHEMA = SchemaBuilder.struct()
  .name('io.debezium.connector.postgresql.MessageKey')
  .version(1)
  .field('prefix', Schemas.OPTIONAL_STRING)
  .build();

/**
 * Debezium 3.6's message envelope: `op, ts_ms, source, transaction, message` (no ts_us/ts_ns), `message`
 * required, everything at version 1; `content` is bytes, or a string under binary.handling.mode
 * base64/base64-url-safe/hex.
 */
export function messageValueSchema(contentAsString: boolean): Schema {
  const message = SchemaBuilder.struct()
    .name('io.debezium.connector.postgresql.Message')
    .version(1)
    .field('prefix', Schemas.OPTIONAL_STRING)
    .field('content', contentAsString ? Schemas.OPTIONAL_STRING : Schemas.OPTIONAL_BYTES)
    .build();
  return SchemaBuilder.struct()
    .name('io.debezium.connector.postgresql.MessageValue')
    .version(1)
    .field('op', Schemas.STRING)
    .field('ts_ms', Schemas.OPTIONAL_INT64)
    .field('source', SOURCE_SCHEMA)
    .field('transaction', TRANSACTION_BLOCK_SCHEMA)
    .field('message', message)
    .build();
}

export function messageContent(content: Uint8Array, mode: string | undefined): Uint8Array | string {
  const bytes = Buffer.from(content);
  switch (mode) {
    case 'base64':
      return bytes.toString('base64');
    case 'base64-url-safe':
      return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
    case 'hex':
      return bytes.toString('hex');
    default:
      return Uint8Array.from(content);
  }
}

/**
 * Debezium 3.x's extended headers (`__debezium.context.*`): the logical name, the task, the connector
 * type and a random id of this run, as required strings.
 */
export function contextHeaders(logicalName: string, taskId: number): Headers {
  const header = (key: string, value: string) => ({ key, value, schema: Schemas.STRING });
  return Object.freeze([
    header('__debezium.context.connectorLogicalName', logicalName),
    header('__debezium.context.taskId', String(taskId)),
    header('__debezium.context.connectorName', 'postgresql'),
    header('__debezium.context.runId', randomUUID()),
  ]);
}
