import { describe, expect, it } from 'vitest';
import { errorCodeInfo } from '../../../../src/api/error-codes.ts';
import { shouldAutoRestart } from '../../../../src/herder/restart-backoff.ts';
import { KafkaAuthorizationError, kafkaIdentity } from '../../../../src/log/kafka/authorization.ts';
import type { KafkaAdminPort } from '../../../../src/log/kafka/client-port.ts';
import { classifyKafkaError } from '../../../../src/log/kafka/errors.ts';
import { parseKafkaConfig } from '../../../../src/log/kafka/kafka-config.ts';
import {
  checkTransactionSupport,
  KafkaTransactionsUnavailableError,
  type TransactionStateInfo,
} from '../../../../src/log/kafka/transaction-support.ts';

// @platformatic/kafka's shape: a protocol error inside the aggregate of its retries, marked retriable.
const refused = (apiId: string) =>
  Object.assign(
    new AggregateError(
      [Object.assign(new Error(apiId), { code: 'PLT_KFK_PROTOCOL', apiId, canRetry: true })],
      'x',
    ),
    { code: 'PLT_KFK_MULTIPLE' },
  );

const identity = kafkaIdentity(
  parseKafkaConfig({
    'bootstrap.servers': 'b1:9092,b2:9092',
    'security.protocol': 'SASL_PLAINTEXT',
    'sasl.mechanism': 'PLAIN',
    'sasl.jaas.config':
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="app" password="s";',
  }),
);

describe('Kafka authorization errors', () => {
  it('name the ACL: resource type and name, operation, principal; fatal with its own code, never retried', () => {
    const e = classifyKafkaError(refused('TOPIC_AUTHORIZATION_FAILED'), {
      what: 'send in transaction',
      transactionalId: 'g-w1',
      acl: { topics: ['orders', 'orders'], topicOperation: 'WRITE' },
      identity,
    });
    expect(e).toBeInstanceOf(KafkaAuthorizationError);
    const a = e as KafkaAuthorizationError;
    expect([a.resourceType, a.resourceName, a.operation, a.principal]).toEqual([
      'Topic',
      'orders',
      'WRITE',
      'User:app',
    ]);
    expect(a.code).toBe('seam.log.not_authorized');
    expect(a.retriable).toBe(false);
    expect(a.message).toContain('User:app lacks WRITE on Topic orders');
    expect(a.message).toContain(
      'kafka-acls.sh --bootstrap-server b1:9092,b2:9092 --add --allow-principal User:app --operation Write --topic orders',
    );
    expect(shouldAutoRestart(a)).toBe(false);
    expect(errorCodeInfo(a.code).hint).toMatch(/kafka-acls/);
  });

  it('name the topic the response refused, not every topic of the request', () => {
    const response = {
      resultsByTransaction: [
        {
          topicResults: [
            { name: 'offsets', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 48 }] },
            { name: 'orders', resultsByPartition: [{ partitionIndex: 0, partitionErrorCode: 29 }] },
          ],
        },
      ],
    };
    const at = (apiId: string, j: number) =>
      Object.assign(new Error(apiId), {
        apiId,
        path: `/results_by_transaction/0/topic_results/${j}/results_by_partitions/0`,
      });
    // As the client throws it: the response on the aggregate, the paths on its members.
    const error = Object.assign(
      new AggregateError([at('OPERATION_NOT_ATTEMPTED', 0), at('TOPIC_AUTHORIZATION_FAILED', 1)], 'x'),
      { code: 'PLT_KFK_RESPONSE', response },
    );
    const e = classifyKafkaError(error, {
      what: 'send in transaction',
      acl: { topics: ['orders', 'offsets'], topicOperation: 'WRITE' },
      identity,
    }) as KafkaAuthorizationError;
    expect(e.resourceName).toBe('orders');
  });

  it('map each authorization error to its resource type, with the operation the request needed', () => {
    const of = (apiId: string, acl = {}, transactionalId?: string) =>
      classifyKafkaError(refused(apiId), {
        what: 'x',
        acl,
        identity,
        ...(transactionalId === undefined ? {} : { transactionalId }),
      }) as KafkaAuthorizationError;
    const tx = of('TRANSACTIONAL_ID_AUTHORIZATION_FAILED', {}, 'g-conn-0');
    expect([tx.resourceType, tx.resourceName, tx.operation]).toEqual([
      'TransactionalId',
      'g-conn-0',
      'WRITE',
    ]);
    expect(tx.message).toContain('group.id');
    const group = of('GROUP_AUTHORIZATION_FAILED', { group: 'connect-sink', groupOperation: 'READ' });
    expect([group.resourceType, group.resourceName, group.operation]).toEqual([
      'Group',
      'connect-sink',
      'READ',
    ]);
    expect(group.message).toContain('consumer.override.group.id');
    const create = of('TOPIC_AUTHORIZATION_FAILED', { topics: ['t'], topicOperation: 'CREATE' });
    expect(create.message).toContain('CREATE on the Cluster also allows it');
    const cluster = of('CLUSTER_AUTHORIZATION_FAILED', { clusterOperation: 'IDEMPOTENT_WRITE' });
    expect([cluster.resourceType, cluster.resourceName, cluster.operation]).toEqual([
      'Cluster',
      'kafka-cluster',
      'IDEMPOTENT_WRITE',
    ]);
    expect(cluster.message).toContain('--cluster');
    // Without SASL the broker sees ANONYMOUS.
    const anonymous = classifyKafkaError(refused('GROUP_AUTHORIZATION_FAILED'), {
      what: 'x',
      identity: kafkaIdentity(parseKafkaConfig({ 'bootstrap.servers': 'b:1' })),
    }) as KafkaAuthorizationError;
    expect(anonymous.principal).toBe('User:ANONYMOUS');
  });
});

function admin(info: TransactionStateInfo): KafkaAdminPort {
  return { transactionState: async () => info } as unknown as KafkaAdminPort;
}

describe('checkTransactionSupport', () => {
  it('refuses a cluster whose transaction state topic cannot be created, naming the broker setting', async () => {
    const error = await checkTransactionSupport(
      admin({ stateTopicExists: false, brokers: 1, replicationFactor: 3 }),
      'b:9092',
    ).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KafkaTransactionsUnavailableError);
    const e = error as KafkaTransactionsUnavailableError;
    expect(e.code).toBe('seam.log.transactions_unavailable');
    expect(e.message).toContain('the Kafka cluster at b:9092 (bootstrap.servers) cannot run transactions');
    expect(e.message).toContain(
      'transaction.state.log.replication.factor is 3, but the cluster has 1 broker',
    );
    expect(shouldAutoRestart(e)).toBe(false);
  });

  it('passes when the topic exists, can be created, or nothing proves it impossible', async () => {
    for (const info of [
      { stateTopicExists: true, brokers: 1, replicationFactor: null },
      { stateTopicExists: false, brokers: 3, replicationFactor: 3 },
      { stateTopicExists: false, brokers: 1, replicationFactor: null },
    ])
      await expect(checkTransactionSupport(admin(info), 'b:9092')).resolves.toBeUndefined();
    await expect(checkTransactionSupport({} as KafkaAdminPort, 'b:9092')).resolves.toBeUndefined();
  });
});
