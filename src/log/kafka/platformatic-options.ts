/** Options every @platformatic/kafka client of the Kafka log is built with, from the worker's keys. */
import { type BaseOptions, FetchIsolationLevels } from '@platformatic/kafka';
import { backoffDelay } from '../../api/backoff.ts';
import type { IsolationLevel } from './client-port.ts';
import { kafkaErrorNames } from './errors.ts';
import type { KafkaConnectionOptions } from './kafka-config.ts';

/**
 * The client's default is a flat 250 ms. Right after a commit the broker answers the next transaction's
 * AddPartitionsToTxn with CONCURRENT_TRANSACTIONS until its markers are written (a few ms): Kafka's Java
 * producer retries that after 20 ms; a 250 ms wait cut the transactional throughput to a third.
 */
function retryDelay(
  _client: unknown,
  _operation: string,
  attempt: number,
  _retries: number,
  error: Error,
): number {
  if (kafkaErrorNames(error).includes('CONCURRENT_TRANSACTIONS')) return 20;
  return backoffDelay(attempt, { initialMs: 100, maxMs: 2000 });
}

export function baseOptions(o: KafkaConnectionOptions, suffix: string): BaseOptions {
  return {
    clientId: `${o.clientId}-${suffix}`,
    bootstrapBrokers: [...o.brokers],
    connectTimeout: o.connectTimeoutMs,
    requestTimeout: o.requestTimeoutMs,
    timeout: o.requestTimeoutMs,
    retries: 3,
    retryDelay: retryDelay,
    ...(o.tls === null
      ? {}
      : { tls: { ...(o.tls.ca === undefined ? {} : { ca: o.tls.ca }), rejectUnauthorized: true } }),
    ...(o.tls !== null && !o.tls.checkHostname ? { tlsServerName: false } : {}),
    ...(o.sasl === null
      ? {}
      : { sasl: { mechanism: o.sasl.mechanism, username: o.sasl.username, password: o.sasl.password } }),
  };
}

export const isolationValue = (i: IsolationLevel) =>
  i === 'read_committed' ? FetchIsolationLevels.READ_COMMITTED : FetchIsolationLevels.READ_UNCOMMITTED;
