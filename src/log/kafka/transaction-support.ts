/**
 * Whether the cluster can run transactions at all. Every append of the Kafka log is a transaction, and a
 * broker whose transaction state topic cannot be created (`transaction.state.log.replication.factor`
 * above the number of brokers, Kafka's default 3 on a one-broker cluster) answers FindCoordinator with
 * COORDINATOR_NOT_AVAILABLE forever: the client sees a retriable error that no retry cures. This turns
 * that state into one fatal error naming the broker setting, at open and whenever a transaction cannot
 * find its coordinator.
 */
import { ConnectError, FatalError } from '../../api/errors.ts';
import type { KafkaAdminPort } from './client-port.ts';

export type { TransactionStateInfo } from './client-port.ts';

/** Kafka's internal topic that holds the transaction coordinators' state. */
export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** The cluster cannot run transactions until its brokers' settings change. `seam.log.transactions_unavailable`. */
export class KafkaTransactionsUnavailableError extends FatalError {
  constructor(bootstrapServers: string, reason: string, options: { cause?: unknown } = {}) {
    super(
      `the Kafka cluster at ${bootstrapServers} (bootstrap.servers) cannot run transactions: ${reason}. ` +
        "Seam's Kafka log writes every append (records and source offsets) in a transaction, whatever " +
        "exactly.once.source.support says: set the brokers' transaction.state.log.replication.factor (and " +
        'transaction.state.log.min.isr) to at most the number of brokers, or add brokers, then restart',
      // The client's own error as the cause: a retriable ConnectError in the chain would make
      // auto-restart read this as transient (it classifies by the innermost ConnectError).
      { code: 'seam.log.transactions_unavailable', cause: clientError(options.cause) },
    );
  }
}

/**
 * Throws {@link KafkaTransactionsUnavailableError} when the cluster cannot create its transaction state
 * topic; returns when the topic exists or when nothing proves it impossible (the coordinator may just be
 * moving, which stays a retriable error of its own). An adapter without `transactionState` is not checked.
 */
export async function checkTransactionSupport(
  admin: KafkaAdminPort,
  bootstrapServers: string,
  cause?: unknown,
): Promise<void> {
  if (admin.transactionState === undefined) return;
  const info = await admin.transactionState();
  if (info.stateTopicExists || info.replicationFactor === null) return;
  if (info.replicationFactor > info.brokers) {
    throw new KafkaTransactionsUnavailableError(
      bootstrapServers,
      `its transaction state topic ${TRANSACTION_STATE_TOPIC} does not exist and cannot be created: the brokers' transaction.state.log.replication.factor is ${info.replicationFactor}, but the cluster has ${info.brokers} broker${info.brokers === 1 ? '' : 's'}`,
      { cause },
    );
  }
}

function clientError(error: unknown): unknown {
  let e = error;
  while (e instanceof ConnectError && e.cause !== undefined) e = e.cause;
  return e;
}
