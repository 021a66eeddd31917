import net from 'node:net';

/**
 * Where the integration tests find their servers. Defaults match `npm run services -- up`;
 * each can be pointed at a server started elsewhere (deploy/test-servers.compose.yaml, CI services) by env var.
 */
export const servers = {
  /** Superuser `seam` on database seam_test. */
  postgresUrl: env('SEAM_TEST_PG_URL', 'postgres://seam:seam@127.0.0.1:5432/seam_test'),
  /** Role with LOGIN REPLICATION and nothing else: for tests of permission errors. */
  postgresReplicationUrl: env(
    'SEAM_TEST_PG_REPL_URL',
    'postgres://seam_repl:seam_repl@127.0.0.1:5432/seam_test',
  ),
  /** User `seam` with all privileges incl. REPLICATION SLAVE/CLIENT; database seam_test. */
  mysqlUrl: env('SEAM_TEST_MYSQL_URL', 'mysql://seam:seam@127.0.0.1:3306/seam_test'),
  redisUrl: env('SEAM_TEST_REDIS_URL', 'redis://127.0.0.1:6379'),
  kafkaBrokers: env('SEAM_TEST_KAFKA_BROKERS', '127.0.0.1:9092').split(','),
  cassandraContactPoints: env('SEAM_TEST_CASSANDRA_CONTACT_POINTS', '127.0.0.1:9042').split(','),
  /** cassandra-driver requires the local data centre; the single test node is in datacenter1. */
  cassandraDataCenter: env('SEAM_TEST_CASSANDRA_DC', 'datacenter1'),
  elasticsearchUrl: env('SEAM_TEST_ES_URL', 'http://127.0.0.1:9200'),
};

export type ServerName = 'postgres' | 'mariadb' | 'redis' | 'kafka' | 'cassandra' | 'elasticsearch';

/** host:port pairs a server must accept connections on. */
export function endpoints(name: ServerName): Array<{ host: string; port: number }> {
  switch (name) {
    case 'postgres':
      return [hostPort(new URL(servers.postgresUrl), 5432)];
    case 'mariadb':
      return [hostPort(new URL(servers.mysqlUrl), 3306)];
    case 'redis':
      return [hostPort(new URL(servers.redisUrl), 6379)];
    case 'elasticsearch':
      return [hostPort(new URL(servers.elasticsearchUrl), 9200)];
    case 'kafka':
      return servers.kafkaBrokers.map((b) => hostPort(new URL(`tcp://${b}`), 9092));
    case 'cassandra':
      return servers.cassandraContactPoints.map((c) => hostPort(new URL(`tcp://${c}`), 9042));
  }
}

/**
 * Fails the calling suite, loudly, when its server is not reachable. Call it in `beforeAll`;
 * suites of other servers still run. Never a skip: a missing server is an error.
 */
export async function requireServer(name: ServerName): Promise<void> {
  const problems: string[] = [];
  for (const { host, port } of endpoints(name)) {
    const error = await probe(host, port, 2_000);
    if (error) problems.push(`${host}:${port} (${error})`);
  }
  if (problems.length > 0) {
    throw new Error(
      `${name} is not reachable at ${problems.join(', ')}. Start it with \`npm run services -- up ${name}\` ` +
        `or point ${envVarOf(name)} at a running server (see test/README.md).`,
    );
  }
}

/** Resolves to undefined when a TCP connection succeeds, else to the error text. */
export function probe(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (error?: string) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done());
    socket.once('error', (error) => done(error.message));
  });
}

function envVarOf(name: ServerName): string {
  const vars: Record<ServerName, string> = {
    postgres: 'SEAM_TEST_PG_URL',
    mariadb: 'SEAM_TEST_MYSQL_URL',
    redis: 'SEAM_TEST_REDIS_URL',
    kafka: 'SEAM_TEST_KAFKA_BROKERS',
    cassandra: 'SEAM_TEST_CASSANDRA_CONTACT_POINTS',
    elasticsearch: 'SEAM_TEST_ES_URL',
  };
  return vars[name];
}

function hostPort(url: URL, defaultPort: number): { host: string; port: number } {
  return { host: url.hostname, port: url.port ? Number(url.port) : defaultPort };
}

function env(name: string, fallback: string): string {
  const value = process.env[name];
  return value !== undefined && value !== '' ? value : fallback;
}
