import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { servers } from '../helpers/servers.ts';
import { ensureJars } from './maven.ts';
import { SERVICES_DIR, TARGET_DIR } from './paths.ts';
import { runOrThrow, spawnServer } from './process.ts';
import type { Service } from './service.ts';

// A fixed id keeps the formatted log dir valid across restarts.
const CLUSTER_ID = 'c2VhbS10ZXN0LWthZmthAA';

/** The SASL/PLAIN login the SASL_PLAINTEXT listener accepts (test/integration/kafka/sasl-plain.test.ts). */
export const KAFKA_SASL_USER = { username: 'seam', password: 'seam-secret' } as const;

export interface KafkaPorts {
  /** PLAINTEXT listener, what the tests use. */
  readonly port: number;
  /** The KRaft controller listener. */
  readonly controllerPort: number;
  /** SASL_PLAINTEXT listener with PLAIN, user {@link KAFKA_SASL_USER}. */
  readonly saslPort: number;
}

/** The shared test broker's ports. */
export const KAFKA_PORTS: KafkaPorts = { port: 9092, controllerPort: 9093, saslPort: 9094 };

/** server.properties of a one-node KRaft broker on loopback with these ports and log dir. */
export function kafkaServerProperties(ports: KafkaPorts, logs: string): string {
  const { port, controllerPort, saslPort } = ports;
  const jaas = `org.apache.kafka.common.security.plain.PlainLoginModule required username="${KAFKA_SASL_USER.username}" password="${KAFKA_SASL_USER.password}" user_${KAFKA_SASL_USER.username}="${KAFKA_SASL_USER.password}";`;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    // SASL/PLAIN on its own listener only: the plain listener stays open for the other tests.
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas}`,
    `log.dirs=${logs}`,
    'num.partitions=1',
    'default.replication.factor=1',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // Retention and compaction within test time (the TopicLog contract waits up to 60 s): Kafka's
    // defaults check retention every 5 min and let the cleaner idle 15 s.
    'log.retention.check.interval.ms=1000',
    'log.cleaner.backoff.ms=1000',
    'auto.create.topics.enable=true',
    'delete.topic.enable=true',
    '',
  ].join('\n');
}

/** What a private broker changes from the shared one (test/integration/kafka/private-broker.ts). */
export interface KafkaServiceOptions {
  /** server.properties lines appended after the defaults (a later key wins in a properties file). */
  readonly properties?: Readonly<Record<string, string>>;
  /** Another Kafka release than the pom's (e.g. '4.1.1'), fetched into target/kafka-<version>/. */
  readonly version?: string;
}

/**
 * The jars of one Kafka release: the pom's kafka profile with `kafka.version` overridden on the command
 * line, so the pom (whose hash marks the shared broker's jars as fresh) stays as it is.
 */
export function kafkaJars(version?: string): string {
  if (version === undefined) return ensureJars('kafka');
  const dir = join(TARGET_DIR, `kafka-${version}`);
  const marker = join(dir, '.version');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== version) {
    console.log(`  mvn dependency:copy-dependencies -P kafka -Dkafka.version=${version}`);
    rmSync(dir, { recursive: true, force: true });
    runOrThrow('mvn', [
      '-q',
      '-B',
      '-f',
      join(SERVICES_DIR, 'pom.xml'),
      '-P',
      'kafka',
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${dir}`,
    ]);
    writeFileSync(marker, version);
  }
  return `${dir}/*`;
}

/**
 * Apache Kafka in KRaft mode from the Maven Central jars: one process that is both broker and
 * controller, every internal topic with replication factor 1 so transactions work on one node. Other
 * ports give a private broker (a test of a broker setting must not restart the shared one), with
 * `options` its own settings or release.
 */
export function kafkaService(
  ports: KafkaPorts,
  brokers = [`127.0.0.1:${ports.port}`],
  options: KafkaServiceOptions = {},
): Service {
  const extra = Object.entries(options.properties ?? {}).map(([k, v]) => `${k}=${v}`);
  return {
    name: 'kafka',
    stopSignal: 'SIGTERM',
    startTimeoutMs: 120_000,
    port: ports.port,

    async install() {
      kafkaJars(options.version);
    },

    async launch(ctx) {
      const classpath = kafkaJars(options.version);
      const logs = join(ctx.dir, 'data');
      const config = join(ctx.dir, 'server.properties');
      writeFileSync(config, kafkaServerProperties(ports, logs) + extra.map((l) => `${l}\n`).join(''));
      if (!existsSync(join(logs, 'meta.properties'))) {
        mkdirSync(logs, { recursive: true });
        runOrThrow('java', [
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          CLUSTER_ID,
          '-c',
          config,
        ]);
      }
      const args = [
        '-Xms256m',
        '-Xmx512m',
        '-XX:+UseG1GC',
        '-Djava.awt.headless=true',
        '-Dorg.slf4j.simpleLogger.defaultLogLevel=info',
        '-cp',
        classpath,
        'kafka.Kafka',
        config,
      ];
      const pid = spawnServer('java', args, { cwd: ctx.dir, logFile: ctx.logFile });
      return { pid, cmdlineMark: 'kafka.Kafka' };
    },

    async ready() {
      const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      await admin.connect();
      try {
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
      } finally {
        await admin.disconnect();
      }
    },

    describe() {
      return `SEAM_TEST_KAFKA_BROKERS=${brokers.join(',')} SEAM_TEST_KAFKA_SASL_BROKERS=127.0.0.1:${ports.saslPort} (SASL/PLAIN ${KAFKA_SASL_USER.username}/${KAFKA_SASL_USER.password})`;
    },
  };
}

export const kafka: Service = kafkaService(KAFKA_PORTS, servers.kafkaBrokers);
