import { atLeast, type ConfigOf, configSpec, oneOf } from '../../src/api/index.ts';

/**
 * The Elasticsearch sink's options, under the names of Confluent's ElasticsearchSinkConnector so existing
 * JSON configs work unchanged. Seam additions are marked "(Seam)". See README.md for how they combine.
 */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Confluent's literal placeholder, replaced per topic.
export const TOPIC_PLACEHOLDER = '${topic}';

export const esSinkConfigSpec = configSpec()
  .define({
    name: 'connection.url',
    type: 'list',
    required: true,
    importance: 'high',
    group: 'Connector',
    doc: 'Elasticsearch HTTP(S) URLs, comma-separated, e.g. http://es1:9200,http://es2:9200.',
  })
  .define({
    name: 'connection.username',
    type: 'string',
    default: null,
    importance: 'medium',
    group: 'Security',
    doc: 'User for HTTP basic authentication.',
  })
  .define({
    name: 'connection.password',
    type: 'password',
    default: null,
    importance: 'medium',
    group: 'Security',
    doc: 'Password for HTTP basic authentication.',
  })
  .define({
    name: 'connection.api.key',
    type: 'password',
    default: null,
    importance: 'medium',
    group: 'Security',
    doc: '(Seam) Elasticsearch API key (the base64 `encoded` form); used instead of basic authentication.',
  })
  .define({
    name: 'elastic.security.protocol',
    type: 'string',
    default: 'PLAINTEXT',
    validator: oneOf(['PLAINTEXT', 'SSL']),
    recommended: ['PLAINTEXT', 'SSL'],
    importance: 'medium',
    group: 'Security',
    doc: 'SSL verifies the server against elastic.https.ssl.ca.location (or the system CAs).',
  })
  .define({
    name: 'elastic.https.ssl.ca.location',
    type: 'string',
    default: null,
    importance: 'medium',
    group: 'Security',
    doc: '(Seam) PEM file with the CA certificate(s) that signed the Elasticsearch certificate.',
  })
  .define({
    name: 'elastic.https.ssl.endpoint.identification.algorithm',
    type: 'string',
    default: 'https',
    importance: 'low',
    group: 'Security',
    doc: "'https' checks the certificate's host name; empty disables that check (the CA is still verified).",
  })
  .define({
    name: 'connection.timeout.ms',
    type: 'int',
    default: 1_000,
    validator: atLeast(1),
    importance: 'low',
    group: 'Connector',
    doc: 'Time to establish a connection.',
  })
  .define({
    name: 'read.timeout.ms',
    type: 'int',
    default: 3_000,
    validator: atLeast(1),
    importance: 'low',
    group: 'Connector',
    doc: 'Time to wait for a response; a timed-out bulk is retried (writes are idempotent).',
  })
  .define({
    name: 'connection.compression',
    type: 'boolean',
    default: false,
    importance: 'low',
    group: 'Connector',
    doc: 'gzip request bodies.',
  })
  .define({
    name: 'key.ignore',
    type: 'boolean',
    default: false,
    importance: 'high',
    group: 'Data Conversion',
    doc: 'true: document id = topic+partition+offset (no updates or deletes); false: id from the record key.',
  })
  .define({
    name: 'topic.key.ignore',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Data Conversion',
    doc: 'Topics for which key.ignore=true applies.',
  })
  .define({
    name: 'schema.ignore',
    type: 'boolean',
    default: false,
    importance: 'low',
    group: 'Data Conversion',
    doc: 'true: no mapping is created (Elasticsearch dynamic mapping); false: mappings from the record schema.',
  })
  .define({
    name: 'topic.schema.ignore',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Data Conversion',
    doc: 'Topics for which schema.ignore=true applies.',
  })
  .define({
    name: 'compact.map.entries',
    type: 'boolean',
    default: true,
    importance: 'low',
    group: 'Data Conversion',
    doc: 'Maps with string keys become objects; false writes every map as [{key, value}] entries.',
  })
  .define({
    name: 'behavior.on.null.values',
    type: 'string',
    default: 'delete',
    validator: oneOf(['ignore', 'delete', 'fail']),
    recommended: ['ignore', 'delete', 'fail'],
    importance: 'low',
    group: 'Data Conversion',
    doc: 'Tombstones (null values): delete the document (default, right for CDC topics), ignore, or fail.',
  })
  .define({
    name: 'behavior.on.malformed.documents',
    type: 'string',
    default: 'warn',
    validator: oneOf(['ignore', 'warn', 'fail']),
    recommended: ['ignore', 'warn', 'fail'],
    importance: 'low',
    group: 'Data Conversion',
    doc: 'A document Elasticsearch refuses (mapping conflict, bad index name) goes to the dead-letter queue when one is configured; ignore/warn then continue, fail stops the task.',
  })
  .define({
    name: 'drop.invalid.message',
    type: 'boolean',
    default: false,
    importance: 'low',
    group: 'Data Conversion',
    doc: 'Records that cannot be converted to a document (bad key, non-object value) are reported and skipped instead of failing the task.',
  })
  .define({
    name: 'write.method',
    type: 'string',
    default: 'insert',
    validator: oneOf(['insert', 'upsert']),
    recommended: ['insert', 'upsert'],
    importance: 'low',
    group: 'Data Conversion',
    doc: 'insert replaces the document (with the ordering guard); upsert merges fields (no ordering guard, see README).',
  })
  .define({
    name: 'external.version.header',
    type: 'string',
    default: '',
    importance: 'low',
    group: 'Data Conversion',
    doc: 'Header holding the external version for records without a source position.',
  })
  .define({
    name: 'source.position.fields',
    type: 'list',
    default: ['__lsn', '__source_lsn'],
    importance: 'low',
    group: 'Data Conversion',
    doc: '(Seam) Value fields or headers that carry the PostgreSQL LSN of a flattened (ExtractNewRecordState) record; a name ending in lsn also names the prefix of MySQL file/pos/row/gtid fields (__file, __pos, __row).',
  })
  .define({
    name: 'source.position.mysql',
    type: 'string',
    default: 'binlog',
    validator: oneOf(['binlog', 'gtid']),
    recommended: ['binlog', 'gtid'],
    importance: 'low',
    group: 'Data Conversion',
    doc: '(Seam) How MySQL/MariaDB changes are ordered: binlog (file number, pos, row; regresses after RESET MASTER or a switch of server) or gtid (GTID sequence and transaction.total_order; needs provide.transaction.metadata=true; required with compressed binlogs).',
  })
  .define({
    name: 'delete.mode',
    type: 'string',
    default: 'hard',
    validator: oneOf(['soft', 'hard']),
    recommended: ['hard', 'soft'],
    importance: 'medium',
    group: 'Data Conversion',
    doc: '(Seam) hard: a delete removes the document (external version) and records a marker in the hidden index <index>-seam-deletes, which older writes are checked against, so a replay never resurrects it; soft: the document is replaced by a versioned marker {"__seam_deleted": true} that readers must filter out.',
  })
  .define({
    name: 'delete.marker.retention.ms',
    type: 'long',
    default: -1,
    validator: atLeast(-1),
    importance: 'low',
    group: 'Data Conversion',
    doc: '(Seam) With delete.mode=hard, delete markers older than this are purged at task start and hourly; set it above the log retention, since a replay of a record older than a purged marker can resurrect its row. -1 keeps markers.',
  })
  .define({
    name: 'batch.size',
    type: 'int',
    default: 2_000,
    validator: atLeast(1),
    importance: 'medium',
    group: 'Connector',
    doc: 'Records per bulk request.',
  })
  .define({
    name: 'bulk.size.bytes',
    type: 'long',
    default: 5 * 1024 * 1024,
    validator: atLeast(1),
    importance: 'low',
    group: 'Connector',
    doc: 'Bytes per bulk request.',
  })
  .define({
    name: 'max.in.flight.requests',
    type: 'int',
    default: 5,
    validator: atLeast(1),
    importance: 'medium',
    group: 'Connector',
    doc: 'Bulk requests in flight at once.',
  })
  .define({
    name: 'max.buffered.records',
    type: 'int',
    default: 20_000,
    validator: atLeast(1),
    importance: 'low',
    group: 'Connector',
    doc: 'Records buffered or in flight per task; put() waits above it (backpressure onto the consumer).',
  })
  .define({
    name: 'linger.ms',
    type: 'long',
    default: 1,
    validator: atLeast(0),
    importance: 'low',
    group: 'Connector',
    doc: 'Time a partial batch waits for more records before it is sent.',
  })
  .define({
    name: 'flush.timeout.ms',
    type: 'long',
    default: 180_000,
    validator: atLeast(1),
    importance: 'low',
    group: 'Connector',
    doc: 'Longest wait for a flush; exceeded, the batch is redelivered from the last commit.',
  })
  .define({
    name: 'max.retries',
    type: 'int',
    default: 5,
    validator: atLeast(0),
    importance: 'low',
    group: 'Connector',
    doc: 'Retries of a bulk after 429, 5xx or a connection failure.',
  })
  .define({
    name: 'retry.backoff.ms',
    type: 'long',
    default: 100,
    validator: atLeast(0),
    importance: 'low',
    group: 'Connector',
    doc: 'First retry delay; doubled per attempt, with jitter.',
  })
  .define({
    name: 'data.stream.type',
    type: 'string',
    default: 'NONE',
    validator: oneOf(['NONE', 'LOGS', 'METRICS', 'SYNTHETICS', 'TRACES']),
    recommended: ['NONE', 'LOGS', 'METRICS', 'SYNTHETICS', 'TRACES'],
    importance: 'low',
    group: 'Data Stream',
    doc: 'Write into data stream {type}-{dataset}-{namespace} instead of an index.',
  })
  .define({
    name: 'data.stream.dataset',
    type: 'string',
    default: '',
    importance: 'low',
    group: 'Data Stream',
    doc: 'Data stream dataset.',
  })
  .define({
    name: 'data.stream.namespace',
    type: 'string',
    default: TOPIC_PLACEHOLDER,
    importance: 'low',
    group: 'Data Stream',
    doc: `Data stream namespace; ${TOPIC_PLACEHOLDER} is replaced by the topic.`,
  })
  .define({
    name: 'data.stream.timestamp.field',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Data Stream',
    doc: 'Value fields copied to @timestamp (first present wins); default the record timestamp.',
  })
  .define({
    name: 'topic.to.external.resource.mapping',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Connector',
    doc: 'topic:index pairs; an unlisted topic writes to its (lower-cased) topic name.',
  })
  .define({
    name: 'write.mirror.indices',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Connector',
    doc: '(Seam) index:mirror pairs: every write to the index is also made to the mirror, with the same id and version. Set by the runtime on the live tasks while a view rebuild runs (rebuild.ts); not meant to be set by hand.',
  })
  .define({
    name: 'write.markers.names',
    type: 'list',
    default: [],
    importance: 'low',
    group: 'Connector',
    doc: '(Seam) index:name pairs: the delete markers of writes to the index live in <name>-seam-deletes rather than <index>-seam-deletes. Set by the runtime on rebuild tasks, so the new index shares the markers of the view; not meant to be set by hand.',
  });

export type EsSinkConfig = ConfigOf<typeof esSinkConfigSpec>;
