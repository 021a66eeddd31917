import { atLeast, type ConfigOf, configSpec, oneOf } from '../../src/api/index.ts';

/**
 * The Cassandra sink's options, under the names of the DataStax Apache Kafka Connector so its JSON configs
 * work unchanged. The per-table mapping keys (`topic.<topic>.<keyspace>.<table>.*`) are dynamic and parsed by
 * mapping.ts; Seam additions are marked "(Seam)". See README.md.
 */
export const cassandraSinkConfigSpec = configSpec()
  .define({
    name: 'contactPoints',
    type: 'list',
    required: true,
    importance: 'high',
    group: 'Connection',
    doc: 'Hosts (or host:port) of Cassandra nodes to contact first, comma-separated.',
  })
  .define({
    name: 'port',
    type: 'int',
    default: 9042,
    validator: atLeast(1),
    importance: 'medium',
    group: 'Connection',
    doc: 'CQL native port of contact points given without one.',
  })
  .define({
    name: 'loadBalancing.localDc',
    type: 'string',
    required: true,
    importance: 'high',
    group: 'Connection',
    doc: 'Data centre whose nodes coordinate the writes; must match the cluster (nodetool status).',
  })
  .define({
    name: 'auth.provider',
    type: 'string',
    default: 'None',
    validator: oneOf(['None', 'PLAIN']),
    recommended: ['None', 'PLAIN'],
    importance: 'medium',
    group: 'Security',
    doc: 'PLAIN: username/password authentication (PasswordAuthenticator). GSSAPI is not supported.',
  })
  .define({
    name: 'auth.username',
    type: 'string',
    default: '',
    importance: 'medium',
    group: 'Security',
    doc: 'Role for auth.provider=PLAIN.',
  })
  .define({
    name: 'auth.password',
    type: 'password',
    default: null,
    importance: 'medium',
    group: 'Security',
    doc: 'Password for auth.provider=PLAIN.',
  })
  .define({
    name: 'ssl.provider',
    type: 'string',
    default: 'None',
    validator: oneOf(['None', 'JDK', 'OpenSSL']),
    recommended: ['None', 'JDK', 'OpenSSL'],
    importance: 'medium',
    group: 'Security',
    doc: 'None: plain TCP. JDK or OpenSSL (same meaning here): TLS through Node.js.',
  })
  .define({
    name: 'ssl.hostnameValidation',
    type: 'boolean',
    default: true,
    importance: 'low',
    group: 'Security',
    doc: "Check that the node's certificate names the host connected to.",
  })
  .define({
    name: 'ssl.openssl.keyCertChain',
    type: 'string',
    default: null,
    importance: 'low',
    group: 'Security',
    doc: 'PEM file with the client certificate chain (mutual TLS).',
  })
  .define({
    name: 'ssl.openssl.privateKey',
    type: 'string',
    default: null,
    importance: 'low',
    group: 'Security',
    doc: 'PEM file with the client private key (mutual TLS).',
  })
  .define({
    name: 'ssl.truststore.path',
    type: 'string',
    default: null,
    importance: 'low',
    group: 'Security',
    doc: '(Seam: PEM only) file with the CA certificate(s) that signed the nodes; default the system CAs. JKS stores are refused.',
  })
  .define({
    name: 'maxConcurrentRequests',
    type: 'int',
    default: 500,
    validator: atLeast(1),
    importance: 'medium',
    group: 'Throughput',
    doc: 'Requests (batches or statements) in flight at once; put() waits when all are busy.',
  })
  .define({
    name: 'maxNumberOfRecordsInBatch',
    type: 'int',
    default: 32,
    validator: atLeast(1),
    importance: 'medium',
    group: 'Throughput',
    doc: 'Statements of one partition in one unlogged batch; 1 turns batching off.',
  })
  .define({
    name: 'queryExecutionTimeout',
    type: 'int',
    default: 30,
    validator: atLeast(1),
    importance: 'medium',
    group: 'Throughput',
    doc: 'Seconds a write may keep failing transiently (retried with backoff) before the task fails and the batch is redelivered.',
  })
  .define({
    name: 'ignoreErrors',
    type: 'string',
    default: 'None',
    validator: oneOf(['None', 'All', 'Driver', 'true', 'false']),
    recommended: ['None', 'All', 'Driver'],
    importance: 'medium',
    group: 'Errors',
    doc: 'Without a dead-letter queue: None fails the task on a bad record; Driver skips records Cassandra refused; All also skips records that do not fit the mapping. With errors.tolerance=all, bad records go to the dead-letter queue instead.',
  })
  .define({
    name: 'source.position.fields',
    type: 'list',
    default: ['__lsn', '__source_lsn'],
    importance: 'low',
    group: 'Ordering',
    doc: '(Seam) Value fields or headers carrying the source position of flattened records (ExtractNewRecordState add.fields / add.headers).',
  })
  .define({
    name: 'auto.create',
    type: 'boolean',
    default: false,
    importance: 'medium',
    group: 'Tables',
    doc: '(Seam) Create a mapped table that does not exist from the first record with a schema: mapped columns typed from the record schema (README "Table creation"), primary key from the columns read from the record key. The keyspace must exist.',
  })
  .define({
    name: 'view.redirect',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Tables',
    doc: '(Seam, set by a view rebuild) keyspace.view:table pairs: write the view into that table instead.',
  })
  .define({
    name: 'view.mirror',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Tables',
    doc: '(Seam, set by a view rebuild) keyspace.view:table pairs: write the view into that table too.',
  })
  .define({
    name: 'source.position.mysql',
    type: 'string',
    default: 'binlog',
    validator: oneOf(['binlog', 'gtid']),
    recommended: ['binlog', 'gtid'],
    importance: 'low',
    group: 'Ordering',
    doc: '(Seam) How MySQL/MariaDB positions are encoded (decision record 2026-12-02-source-position).',
  });

export type CassandraSinkConfig = ConfigOf<typeof cassandraSinkConfigSpec>;

/** `ignoreErrors` normalised (older DataStax releases took a boolean). */
export function ignoreErrorsMode(config: CassandraSinkConfig): 'None' | 'All' | 'Driver' {
  const v = config.ignoreErrors.toLowerCase();
  if (v === 'all' || v === 'true') return 'All';
  if (v === 'driver') return 'Driver';
  return 'None';
}
