import { readFileSync } from 'node:fs';
import cassandra from 'cassandra-driver';
import { ConfigError } from '../../src/api/index.ts';
import type { Pending, Sender } from './batch-writer.ts';
import type { CassandraSinkConfig } from './config.ts';
import { guardControlRefresh } from './control-refresh.ts';
import { classifyCassandraError, tableMissing } from './errors.ts';
import type { TableMapping } from './mapping.ts';
import { shutDownReplacedHosts } from './replaced-hosts.ts';
import type { TableInfo } from './table-info.ts';

/** The driver's client options from the DataStax option names; PEM files are read here. */
export function clientOptions(config: CassandraSinkConfig): cassandra.ClientOptions {
  const contactPoints = config.contactPoints.map((c) =>
    /:\d+$/.test(c) || c.includes(']') ? c : `${c}:${config.port}`,
  );
  const options: cassandra.ClientOptions = {
    contactPoints,
    localDataCenter: config['loadBalancing.localDc'],
    protocolOptions: { port: config.port },
    socketOptions: { readTimeout: config.queryExecutionTimeout * 1000, connectTimeout: 5_000 },
    encoding: { useBigIntAsLong: true, useBigIntAsVarint: true },
    pooling: { maxRequestsPerConnection: Math.max(2048, config.maxConcurrentRequests) },
    // The driver's default waits up to 10 min between reconnections: a sink would stay down long after
    // Cassandra came back. At most 10 s, so an outage ends soon after its cause.
    policies: {
      reconnection: new cassandra.policies.reconnection.ExponentialReconnectionPolicy(500, 10_000, false),
    },
  };
  if (config['auth.provider'].toUpperCase() === 'PLAIN') {
    options.authProvider = new cassandra.auth.PlainTextAuthProvider(
      config['auth.username'],
      config['auth.password']?.reveal() ?? '',
    );
  }
  if (config['ssl.provider'].toLowerCase() !== 'none') options.sslOptions = tlsOptions(config);
  return options;
}

function tlsOptions(config: CassandraSinkConfig): NonNullable<cassandra.ClientOptions['sslOptions']> {
  const read = (key: string, path: string | null) => {
    if (path === null) return undefined;
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError([{ key, message: `cannot read '${path}': ${(error as Error).message}` }]);
    }
  };
  const tls: Record<string, unknown> = { rejectUnauthorized: true };
  const ca = read('ssl.truststore.path', config['ssl.truststore.path']);
  if (ca) tls.ca = [ca];
  const cert = read('ssl.openssl.keyCertChain', config['ssl.openssl.keyCertChain']);
  if (cert) tls.cert = cert;
  const key = read('ssl.openssl.privateKey', config['ssl.openssl.privateKey']);
  if (key) tls.key = key;
  if (!config['ssl.hostnameValidation']) tls.checkServerIdentity = () => undefined;
  return tls as NonNullable<cassandra.ClientOptions['sslOptions']>;
}

/** A connected driver client and what the sink needs of it. */
export class CassandraSession implements Sender {
  readonly client: cassandra.Client;

  constructor(config: CassandraSinkConfig) {
    this.client = new cassandra.Client(clientOptions(config));
    guardControlRefresh(this.client);
    shutDownReplacedHosts(this.client);
  }

  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (error) {
      await this.client.shutdown().catch(() => {});
      throw classifyCassandraError(error, 'connecting');
    }
  }

  /**
   * The schema of a mapping's table; a ConfigError naming the mapping when keyspace or table is missing,
   * or null for a missing table when `allowMissing` (auto.create; the keyspace must still exist).
   */
  async table(mapping: TableMapping, allowMissing: true): Promise<TableInfo | null>;
  async table(mapping: TableMapping, allowMissing?: false): Promise<TableInfo>;
  async table(mapping: TableMapping, allowMissing = false): Promise<TableInfo | null> {
    const key = `${mapping.prefix}.mapping`;
    const keyspaces = this.client.metadata.keyspaces as Record<string, unknown>;
    if (!(mapping.keyspace in keyspaces))
      throw tableMissing(key, `keyspace '${mapping.keyspace}' does not exist (create it first)`);
    let meta: cassandra.metadata.TableMetadata | null;
    try {
      meta = await this.client.metadata.getTable(mapping.keyspace, mapping.table);
    } catch (error) {
      throw classifyCassandraError(error, `reading the schema of ${mapping.keyspace}.${mapping.table}`);
    }
    if (!meta && allowMissing) return null;
    if (!meta)
      throw tableMissing(
        key,
        `table '${mapping.keyspace}.${mapping.table}' does not exist (create it first)`,
      );
    return {
      columns: new Map(meta.columns.map((c) => [c.name, c.type.code as number])),
      partitionKey: meta.partitionKeys.map((c) => c.name),
      clusteringKey: meta.clusteringKeys.map((c) => c.name),
    };
  }

  async execute(p: Pending): Promise<void> {
    await this.client.execute(p.query, p.params as never, {
      prepare: true,
      consistency: p.consistency,
      isIdempotent: true,
    });
  }

  async batch(ps: readonly Pending[]): Promise<void> {
    await this.client.batch(
      ps.map((p) => ({ query: p.query, params: p.params as never })),
      { prepare: true, logged: false, consistency: ps[0]!.consistency, isIdempotent: true },
    );
  }

  async close(): Promise<void> {
    await this.client.shutdown();
  }
}

/** The driver's consistency code for a DataStax level name (LOCAL_ONE → localOne; validated by mapping.ts). */
export function consistencyCode(level: string): number {
  const name = level.toLowerCase().replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
  return (
    (cassandra.types.consistencies as unknown as Record<string, number>)[name] ??
    cassandra.types.consistencies.localOne
  );
}
