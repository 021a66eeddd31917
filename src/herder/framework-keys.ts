import {
  type ConfigKey,
  type ConfigProblem,
  configSpec,
  oneOf,
  type Plugin,
  type SourceConnector,
} from '../api/index.ts';
import { sinkConnectorConfigSpec, sourceConnectorConfigSpec } from '../runtime/connector-config.ts';

/**
 * The keys `GET /connector-plugins/{plugin}/config` lists for a connector plugin: the framework keys
 * every connector of its kind accepts (Kafka Connect lists ConnectorConfig plus Source/SinkConnectorConfig
 * before the plugin's own), then the plugin's keys that the framework does not already define. Converters,
 * transforms and predicates list their own keys only, as in Kafka Connect.
 */
export function pluginConfigKeys(plugin: Plugin): ConfigKey[] {
  if (plugin.kind !== 'source' && plugin.kind !== 'sink') return [...plugin.configSpec.keys];
  const framework = [
    ...(plugin.kind === 'source' ? sourceConnectorConfigSpec : sinkConnectorConfigSpec).keys,
    ...compatibilityKeys.keys.filter((k) => plugin.kind === 'source' || k.name === 'config.action.reload'),
  ];
  const names = new Set(framework.map((k) => k.name));
  return [...framework, ...plugin.configSpec.keys.filter((k) => !names.has(k.name))];
}

/**
 * Kafka Connect keys Seam accepts and lists so existing configs and UIs keep working. `config.action.reload`
 * changes nothing (configs are reloaded by a restart anyway); the exactly-once keys (KIP-618) are checked
 * by `exactlyOnceProblems` and applied by the source runner (src/runtime/transaction-boundary.ts) on
 * either log: a source's offsets are always written in the same atomic append as its records.
 */
const compatibilityKeys = configSpec()
  .define({
    name: 'config.action.reload',
    type: 'string',
    default: 'restart',
    validator: oneOf(['none', 'restart']),
    recommended: ['none', 'restart'],
    doc: 'What to do when an externally provided config value changes (accepted; Seam reads providers at task start).',
    group: 'Common',
  })
  .define({
    name: 'exactly.once.support',
    type: 'string',
    default: 'requested',
    validator: oneOf(['requested', 'required']),
    recommended: ['requested', 'required'],
    doc: 'Whether the connector must support exactly-once delivery: required refuses a connector that does not declare it (SourceConnector.exactlyOnceSupport). Records and offsets are written atomically on either log.',
    group: 'Exactly Once Support',
  })
  .define({
    name: 'transaction.boundary',
    type: 'string',
    default: 'poll',
    validator: oneOf(['poll', 'interval', 'connector']),
    recommended: ['poll', 'interval', 'connector'],
    doc: 'Where transactions end: after each poll, every transaction.boundary.interval.ms, or where the task asks (connector; PostgreSQL and MySQL: at each database commit).',
    group: 'Exactly Once Support',
  })
  .define({
    name: 'transaction.boundary.interval.ms',
    type: 'long',
    default: null,
    doc: 'With transaction.boundary=interval: how often a transaction ends. Default: the worker offset.flush.interval.ms.',
    group: 'Exactly Once Support',
  })
  .define({
    name: 'offsets.storage.topic',
    type: 'string',
    default: null,
    doc: "Separate topic for this connector's source offsets (accepted for Kafka Connect configs).",
    group: 'Exactly Once Support',
  });

/**
 * Kafka Connect's checks of the exactly-once keys against the connector (KIP-618): `required` needs a
 * connector that declares exactly-once support, `connector` boundaries one that defines them.
 */
export function exactlyOnceProblems(
  connector: SourceConnector,
  config: Readonly<Record<string, string>>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const support = config['exactly.once.support']?.trim();
  const boundary = config['transaction.boundary']?.trim();
  const interval = config['transaction.boundary.interval.ms']?.trim();
  if (support && support !== 'requested' && support !== 'required')
    problems.push({ key: 'exactly.once.support', message: 'must be requested or required' });
  if (support === 'required' && connector.exactlyOnceSupport?.(config) !== 'supported')
    problems.push({
      key: 'exactly.once.support',
      message:
        'required, but the connector does not declare exactly-once support; set it to requested or use a connector that supports it',
    });
  if (boundary && !['poll', 'interval', 'connector'].includes(boundary))
    problems.push({ key: 'transaction.boundary', message: 'must be poll, interval or connector' });
  if (boundary === 'connector' && connector.canDefineTransactionBoundaries?.(config) !== true)
    problems.push({
      key: 'transaction.boundary',
      message: 'connector, but the connector does not define transaction boundaries; use poll or interval',
    });
  if (interval) {
    const n = Number(interval);
    if (!Number.isSafeInteger(n) || n < 0)
      problems.push({
        key: 'transaction.boundary.interval.ms',
        message: 'must be a whole number of ms, at least 0',
      });
    else if (boundary !== 'interval')
      problems.push({
        key: 'transaction.boundary.interval.ms',
        message: 'is set, but transaction.boundary is not interval',
      });
  }
  return problems;
}
