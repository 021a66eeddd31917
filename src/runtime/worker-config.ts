import {
  atLeast,
  between,
  ConfigError,
  type ConfigOf,
  type ConfigProblem,
  configSpec,
  oneOf,
} from '../api/index.ts';
import { kafkaWorkerConfigSpec } from './worker-config-kafka.ts';

/**
 * Worker configuration: Kafka Connect standalone names where they exist, Seam keys otherwise.
 * `offset.flush.interval.ms` defaults to 1000 instead of Kafka's 10000: source offsets are written in the
 * same append as their records, so the interval only paces sink commits and `SourceTask.commit()`; a
 * short interval bounds the duplicates a sink re-reads after a crash, and a commit to the embedded log is
 * a single small transaction (docs/decisions/2026-11-23-runtime-offsets-and-restarts.md).
 */
export const workerConfigSpec = configSpec()
  .define({
    name: 'listeners',
    type: 'list',
    default: [],
    doc: 'REST listeners, `http://host:port` or `https://host:port`, several allowed; an empty host binds every interface. Empty: one http listener on rest.host.name:rest.port.',
    group: 'REST',
  })
  .define({
    name: 'rest.host.name',
    type: 'string',
    default: null,
    doc: 'Host the REST server binds to.',
    group: 'REST',
  })
  .define({ name: 'rest.port', type: 'int', default: 8083, doc: 'Port of the REST server.', group: 'REST' })
  // REST listeners' TLS, authentication and advertised address (src/rest/listeners.ts, src/rest/auth.ts,
  // docs/security.md). `listeners.https.ssl.*` keys, when any is set, replace these `ssl.*` keys.
  .define({
    name: 'rest.advertised.host.name',
    type: 'string',
    default: null,
    doc: 'Host other workers and clients should use to reach this worker; default the first listener host.',
    group: 'REST',
  })
  .define({
    name: 'rest.advertised.port',
    type: 'int',
    default: null,
    validator: between(0, 65535),
    doc: "Port to advertise; default the advertised listener's port.",
    group: 'REST',
  })
  .define({
    name: 'rest.advertised.listener',
    type: 'string',
    default: null,
    doc: 'Listener protocol to advertise (http or https); default the first listener.',
    group: 'REST',
  })
  .define({
    name: 'ssl.keystore.type',
    type: 'string',
    default: 'PEM',
    validator: oneOf(['PEM']),
    doc: 'Format of the https key store; only PEM (convert a JKS or PKCS12 store with keytool/openssl).',
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.keystore.location',
    type: 'string',
    default: null,
    doc: "PEM file with the https listeners' private key and certificate chain.",
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.keystore.key',
    type: 'password',
    default: null,
    doc: 'The private key as PEM text (instead of ssl.keystore.location).',
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.keystore.certificate.chain',
    type: 'password',
    default: null,
    doc: 'The certificate chain as PEM text (instead of ssl.keystore.location).',
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.key.password',
    type: 'password',
    default: null,
    doc: 'Passphrase of an encrypted private key.',
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.truststore.location',
    type: 'string',
    default: null,
    doc: 'PEM file of the CA certificates client certificates are checked against (with ssl.client.auth).',
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.client.auth',
    type: 'string',
    default: 'none',
    validator: oneOf(['none', 'requested', 'required']),
    doc: 'Ask https clients for a certificate: none, requested, or required.',
    group: 'REST TLS',
  })
  .define({
    name: 'ssl.enabled.protocols',
    type: 'list',
    default: ['TLSv1.2', 'TLSv1.3'],
    doc: 'TLS versions the https listeners accept (TLSv1.2, TLSv1.3).',
    group: 'REST TLS',
  })
  .define({
    name: 'rest.auth.basic.credentials.file',
    type: 'string',
    default: null,
    doc: 'File of `user:scrypt$…` lines (from `seam hash-password`); enables HTTP basic authentication.',
    group: 'REST authentication',
  })
  .define({
    name: 'rest.auth.bearer.tokens.file',
    type: 'string',
    default: null,
    doc: 'File of bearer tokens, one a line (or `sha256:<hex>` of one); enables bearer authentication.',
    group: 'REST authentication',
  })
  .define({
    name: 'rest.auth.open.health.metrics',
    type: 'boolean',
    default: false,
    doc: 'Leave GET /health and GET /metrics open when authentication is on (probes, Prometheus).',
    group: 'REST authentication',
  })
  .define({
    name: 'rest.auth.realm',
    type: 'string',
    default: 'seam',
    doc: 'Realm named in the WWW-Authenticate header of a 401.',
    group: 'REST authentication',
  })
  .define({
    name: 'config.providers',
    type: 'list',
    default: [],
    doc:
      'Names of the config providers that connector configs may refer to; each needs ' +
      '`config.providers.<name>.class` and takes `config.providers.<name>.param.*`. None by default.',
    group: 'Config providers',
  })
  .define({
    name: 'key.converter',
    type: 'class',
    default: 'org.apache.kafka.connect.json.JsonConverter',
    doc: 'Default key converter of every connector.',
    group: 'Converters',
  })
  .define({
    name: 'value.converter',
    type: 'class',
    default: 'org.apache.kafka.connect.json.JsonConverter',
    doc: 'Default value converter of every connector.',
    group: 'Converters',
  })
  .define({
    name: 'header.converter',
    type: 'class',
    default: 'org.apache.kafka.connect.storage.SimpleHeaderConverter',
    doc: 'Default header converter of every connector.',
    group: 'Converters',
  })
  .define({
    name: 'offset.flush.interval.ms',
    type: 'long',
    default: 1000,
    validator: atLeast(1),
    doc: 'How often sink tasks flush and commit offsets, and source tasks get commit().',
    group: 'Offsets',
  })
  .define({
    name: 'offset.flush.timeout.ms',
    type: 'long',
    default: 5000,
    validator: atLeast(1),
    doc: 'Longest a flush + offset commit may take before the task is failed.',
    group: 'Offsets',
  })
  .define({
    name: 'task.shutdown.graceful.timeout.ms',
    type: 'long',
    default: 5000,
    validator: atLeast(0),
    doc: 'Longest a connector or task may take to stop; after it the instance is abandoned.',
    group: 'Tasks',
  })
  .define({
    name: 'data.dir',
    type: 'string',
    default: 'data',
    doc: 'Directory of the embedded log and the stores.',
    group: 'Seam',
  })
  .define({
    name: 'task.auto.restart.enable',
    type: 'boolean',
    default: true,
    doc: 'Restart FAILED tasks and connectors automatically, with exponential backoff.',
    group: 'Tasks',
  })
  .define({
    name: 'task.auto.restart.initial.backoff.ms',
    type: 'long',
    default: 1000,
    validator: atLeast(0),
    doc: 'Delay before the first automatic restart; doubled on each failure.',
    group: 'Tasks',
  })
  .define({
    name: 'task.auto.restart.max.backoff.ms',
    type: 'long',
    default: 300_000,
    validator: atLeast(0),
    doc: 'Longest delay between automatic restarts; a task running 60 s (or this long, if shorter) without failing resets the count.',
    group: 'Tasks',
  })
  .define({
    name: 'task.poll.timeout.ms',
    type: 'long',
    default: 300_000,
    validator: atLeast(1),
    doc: 'A poll(), put(), flush() or start() that does not settle within this time fails the task as hung.',
    group: 'Tasks',
  })
  .define({
    name: 'max.in.flight.records',
    type: 'int',
    default: 10_000,
    validator: atLeast(1),
    doc: 'Source records polled but not yet durable, per task; poll() waits while the bound is reached.',
    group: 'Tasks',
  })
  .define({
    name: 'topic.creation.enable',
    type: 'boolean',
    default: true,
    doc: "Whether source connectors create their topics with their topic.creation.* settings (KIP-158); false leaves a missing topic to the log's default.",
    group: 'Tasks',
  })
  .merge(kafkaWorkerConfigSpec);

export type WorkerConfig = ConfigOf<typeof workerConfigSpec>;

/** Parses a raw worker config; throws ConfigError listing every problem. */
export function parseWorkerConfig(raw: Readonly<Record<string, string>>): WorkerConfig {
  return workerConfigSpec.parse(raw);
}

/** A config provider the worker config declares (`config.providers.<name>.class`, `.param.*`). */
export interface ConfigProviderDeclaration {
  readonly name: string;
  readonly className: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * The declared config providers, as Kafka Connect reads them from the worker config. Throws ConfigError
 * (every problem at once) for a provider listed without a class; keys of providers not listed in
 * `config.providers` are ignored, as Kafka does.
 */
export function configProviderDeclarations(
  raw: Readonly<Record<string, string>>,
): ConfigProviderDeclaration[] {
  const names = (raw['config.providers'] ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  const problems: ConfigProblem[] = [];
  const out: ConfigProviderDeclaration[] = [];
  for (const name of new Set(names)) {
    const classKey = `config.providers.${name}.class`;
    const className = raw[classKey]?.trim() ?? '';
    if (className === '') {
      problems.push({
        key: classKey,
        message: `provider '${name}' is listed in config.providers but has no class`,
      });
      continue;
    }
    const prefix = `config.providers.${name}.param.`;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (k.startsWith(prefix)) params[k.slice(prefix.length)] = v;
    out.push({ name, className, params });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out;
}
