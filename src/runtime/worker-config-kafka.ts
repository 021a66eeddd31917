import { atLeast, configSpec, oneOf } from '../api/index.ts';
import { KAFKA_COMPRESSION_TYPES } from '../log/kafka/kafka-config.ts';

/**
 * The worker keys of the Kafka log, Kafka Connect's names (connect-distributed.properties). They are read
 * only when `bootstrap.servers` is set (src/runtime/worker-log.ts); the client keys' parsing and its
 * checks live in src/log/kafka/kafka-config.ts. `ssl.truststore.location` and the other `ssl.*` keys are
 * declared with the REST TLS keys (worker-config.ts): as in Kafka Connect, one worker `ssl.*` set serves
 * the Kafka clients and the https listeners unless `listeners.https.ssl.*` is given.
 */
export const kafkaWorkerConfigSpec = configSpec()
  .define({
    name: 'bootstrap.servers',
    type: 'list',
    default: [],
    doc: 'Kafka brokers (host:port, comma-separated). Set: the worker runs on the Kafka log; empty: on the embedded log in data.dir.',
    group: 'Kafka',
    importance: 'high',
  })
  .define({
    name: 'client.id',
    type: 'string',
    default: 'seam',
    doc: "Prefix of the Kafka clients' client.id (seen in broker logs and quotas).",
    group: 'Kafka',
  })
  .define({
    name: 'group.id',
    type: 'string',
    default: null,
    doc: "The worker's cluster name; prefixes its transactional.id (`<group.id>-<worker id>`). Default: connect-standalone.",
    group: 'Kafka',
  })
  .define({
    name: 'exactly.once.source.support',
    type: 'string',
    default: 'disabled',
    validator: oneOf(['disabled', 'preparing', 'enabled']),
    recommended: ['disabled', 'preparing', 'enabled'],
    doc: "Kafka Connect's KIP-618 switch. enabled: each source task writes in transactions of its own transactional.id `<group.id>-<connector>-<task>`, so a zombie task is fenced by the broker; disabled/preparing: one transactional writer per worker. Either way records and source offsets are written in one transaction. Accepted on the embedded log, whose appends are atomic.",
    group: 'Kafka',
  })
  .define({
    name: 'security.protocol',
    type: 'string',
    default: 'PLAINTEXT',
    validator: oneOf(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
    recommended: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    doc: 'How the worker talks to the brokers.',
    group: 'Kafka',
  })
  .define({
    name: 'sasl.mechanism',
    type: 'string',
    default: 'GSSAPI',
    doc: 'SASL mechanism with SASL_PLAINTEXT / SASL_SSL: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (GSSAPI is not supported).',
    group: 'Kafka',
  })
  .define({
    name: 'sasl.jaas.config',
    type: 'password',
    default: null,
    doc: 'The login, as Kafka writes it: `org.apache.kafka.common.security.plain.PlainLoginModule required username="…" password="…";`.',
    group: 'Kafka',
  })
  .define({
    name: 'ssl.truststore.certificates',
    type: 'password',
    default: null,
    doc: "PEM CA certificates the brokers' certificates are checked against (instead of ssl.truststore.location).",
    group: 'Kafka',
  })
  .define({
    name: 'ssl.truststore.type',
    type: 'string',
    default: null,
    doc: 'Format of the Kafka trust store; only PEM.',
    group: 'Kafka',
  })
  .define({
    name: 'ssl.endpoint.identification.algorithm',
    type: 'string',
    default: 'https',
    doc: "`https` checks the broker's host name against its certificate; empty turns the check off.",
    group: 'Kafka',
  })
  .define({
    name: 'producer.compression.type',
    type: 'string',
    default: 'none',
    validator: oneOf([...KAFKA_COMPRESSION_TYPES]),
    recommended: [...KAFKA_COMPRESSION_TYPES],
    doc: "How the worker's producers compress record batches (connectors' records and source offsets, dead letters, the cluster's internal topics), as Kafka Connect's worker key. Consumers read every codec; a topic's own compression.type still decides how the broker stores it.",
    group: 'Kafka',
  })
  .define({
    name: 'request.timeout.ms',
    type: 'int',
    default: 30_000,
    validator: atLeast(1),
    doc: 'How long a Kafka request may take.',
    group: 'Kafka',
  })
  .define({
    name: 'socket.connection.setup.timeout.max.ms',
    type: 'int',
    default: 10_000,
    validator: atLeast(1),
    doc: 'How long connecting to a broker may take (Kafka: 30 s; shorter so a wrong address fails sooner).',
    group: 'Kafka',
  })
  .define({
    name: 'log.open.timeout.ms',
    type: 'long',
    default: 120_000,
    validator: atLeast(0),
    doc: 'How long the worker retries unreachable brokers at start, with backoff, before it gives up.',
    group: 'Kafka',
  })
  .define({
    name: 'offset.storage.topic',
    type: 'string',
    default: 'connect-offsets',
    doc: "Compacted topic of the source connectors' offsets, in Kafka Connect's record format.",
    group: 'Kafka',
  })
  .define({
    name: 'offset.storage.partitions',
    type: 'int',
    default: 25,
    validator: atLeast(1),
    doc: 'Partitions of the offsets topic when the worker creates it.',
    group: 'Kafka',
  })
  .define({
    name: 'offset.storage.replication.factor',
    type: 'int',
    default: -1,
    validator: atLeast(-1),
    doc: "Replication factor of the offsets topic when the worker creates it; -1: the broker's default (Kafka Connect: 3).",
    group: 'Kafka',
  })
  .define({
    name: 'connector.client.config.override.policy',
    type: 'string',
    default: 'All',
    validator: oneOf(['All', 'None', 'Principal']),
    recommended: ['All', 'None', 'Principal'],
    doc: 'Which `consumer.override.*`, `producer.override.*` and `admin.override.*` keys connectors may set: All, None, or Principal (only sasl.jaas.config, sasl.mechanism, security.protocol).',
    group: 'Kafka',
  });

/** Keys of this spec that mean something only on the Kafka log (the override policy applies to both). */
export const KAFKA_ONLY_KEYS: ReadonlySet<string> = new Set(
  kafkaWorkerConfigSpec.keys
    .map((k) => k.name)
    .filter(
      (n) =>
        n !== 'bootstrap.servers' &&
        n !== 'connector.client.config.override.policy' &&
        n !== 'exactly.once.source.support',
    ),
);

/** The log a worker config selects: Kafka when `bootstrap.servers` names brokers, else the embedded log. */
export function workerLogKind(config: Readonly<Record<string, string>>): 'embedded' | 'kafka' {
  return (config['bootstrap.servers'] ?? '').trim() === '' ? 'embedded' : 'kafka';
}
