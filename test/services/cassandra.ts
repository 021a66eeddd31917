import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandraDriver from 'cassandra-driver';
import { servers } from '../helpers/servers.ts';
import { ensureJars } from './maven.ts';
import { SERVICES_DIR, TARGET_DIR } from './paths.ts';
import { spawnServer } from './process.ts';
import type { Service } from './service.ts';

const PORT = 9042;
const CONFIG_DIR = join(SERVICES_DIR, 'cassandra');

// What Cassandra's conf/jvm17-server.options opens up: its off-heap, Chronicle and JMX code reach into JDK internals.
const JDK17_ACCESS = [
  ...[
    'java.base/jdk.internal.misc',
    'java.base/jdk.internal.ref',
    'java.base/sun.nio.ch',
    'java.base/java.lang.ref',
  ]
    .concat(['java.management.rmi/com.sun.jmx.remote.internal.rmi', 'java.rmi/sun.rmi.registry'])
    .concat(['java.rmi/sun.rmi.server', 'java.sql/java.sql', 'jdk.unsupported/sun.misc'])
    .map((p) => `--add-exports=${p}=ALL-UNNAMED`),
  ...[
    'java.lang.module',
    'jdk.internal.loader',
    'jdk.internal.ref',
    'jdk.internal.reflect',
    'jdk.internal.math',
  ]
    .concat([
      'jdk.internal.module',
      'jdk.internal.util.jar',
      'sun.nio.ch',
      'java.io',
      'java.nio',
      'java.util',
    ])
    .concat([
      'java.util.concurrent',
      'java.util.concurrent.atomic',
      'java.lang',
      'java.math',
      'java.lang.reflect',
    ])
    .concat(['java.net'])
    .map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
  '--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED',
];

/** What sets a private node apart from the shared one (tests that need a differently configured server). */
export interface CassandraNodeOptions {
  /** Loopback address the node listens on (storage and native ports stay 7000/9042): 127.0.0.1 for the shared node. */
  readonly host: string;
  readonly jmxPort: number;
  /** `PasswordAuthenticator` makes the node refuse unknown credentials (default superuser cassandra/cassandra). */
  readonly authenticator?: 'AllowAllAuthenticator' | 'PasswordAuthenticator';
}

/** The node's cassandra.yaml: the shared one as is, a private node's rewritten for its address and authenticator. */
function configFile(options: CassandraNodeOptions, dir: string): string {
  const shared = join(CONFIG_DIR, 'cassandra.yaml');
  if (
    options.host === '127.0.0.1' &&
    (options.authenticator ?? 'AllowAllAuthenticator') === 'AllowAllAuthenticator'
  )
    return shared;
  const yaml = readFileSync(shared, 'utf8')
    .replaceAll('127.0.0.1', options.host)
    .replace(/^authenticator: .*$/m, `authenticator: ${options.authenticator ?? 'AllowAllAuthenticator'}`);
  const file = join(dir, 'cassandra.yaml');
  writeFileSync(file, yaml);
  return file;
}

/** Apache Cassandra 5.0 (runs on JDK 17) from the Maven Central jars, one node, small heap. */
export function cassandraService(options: CassandraNodeOptions): Service {
  return {
    name: 'cassandra',
    stopSignal: 'SIGTERM',
    startTimeoutMs: 240_000,
    port: PORT,

    async install() {
      ensureJars('cassandra');
    },

    async launch(ctx) {
      const jars = join(TARGET_DIR, 'cassandra');
      const args = [
        '-Xms768m',
        '-Xmx768m',
        '-Xmn128m',
        '-Xss256k',
        '-XX:+ExitOnOutOfMemoryError',
        '-XX:+UseG1GC',
        '-Djava.net.preferIPv4Stack=true',
        '-Djdk.attach.allowAttachSelf=true',
        `-javaagent:${join(jars, 'jamm-0.4.0.jar')}`,
        ...JDK17_ACCESS,
        '-Dcassandra-foreground=yes',
        `-Dcassandra.config=file://${configFile(options, ctx.dir)}`,
        `-Dcassandra.storagedir=${join(ctx.dir, 'data')}`,
        `-Dcassandra.logdir=${join(ctx.dir, 'logs')}`,
        `-Dlogback.configurationFile=${join(CONFIG_DIR, 'logback.xml')}`,
        // One node: nothing to gossip with, so do not wait for gossip to settle.
        '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        '-Dcassandra.initial_token=0',
        `-Dcassandra.jmx.local.port=${options.jmxPort}`,
        '-cp',
        ensureJars('cassandra'),
        'org.apache.cassandra.service.CassandraDaemon',
      ];
      const pid = spawnServer('java', args, { cwd: ctx.dir, logFile: ctx.logFile });
      return { pid, cmdlineMark: 'org.apache.cassandra.service.CassandraDaemon' };
    },

    async ready() {
      const shared = options.host === '127.0.0.1';
      const client = new cassandraDriver.Client({
        contactPoints: shared ? servers.cassandraContactPoints : [`${options.host}:${PORT}`],
        localDataCenter: servers.cassandraDataCenter,
        socketOptions: { connectTimeout: 2_000 },
        // The default superuser exists a moment after the port opens: ready only once it can log in.
        ...(options.authenticator === 'PasswordAuthenticator'
          ? { authProvider: new cassandraDriver.auth.PlainTextAuthProvider('cassandra', 'cassandra') }
          : {}),
      });
      try {
        await client.connect();
        await client.execute('SELECT release_version FROM system.local');
      } finally {
        await client.shutdown();
      }
    },

    describe() {
      return `SEAM_TEST_CASSANDRA_CONTACT_POINTS=${servers.cassandraContactPoints.join(',')}  (localDataCenter ${servers.cassandraDataCenter})`;
    },
  };
}

export const cassandra: Service = cassandraService({ host: '127.0.0.1', jmxPort: 7199 });
