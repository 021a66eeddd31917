import { type ConfigKey, configSpec, oneOf, type Plugin } from '../api/index.ts';
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
 * Kafka Connect keys Seam accepts and lists so existing configs and UIs keep working, though they change
 * nothing today: configs are reloaded by a restart anyway, and on the embedded log a source's offsets are
 * written in the same append as its records, which already gives what exactly-once support asks for.
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
    doc: 'Whether the connector must support exactly-once delivery (accepted; the embedded log writes offsets with the records).',
    group: 'Exactly Once Support',
  })
  .define({
    name: 'transaction.boundary',
    type: 'string',
    default: 'poll',
    validator: oneOf(['poll', 'interval', 'connector']),
    recommended: ['poll', 'interval', 'connector'],
    doc: 'Where transactions end: each poll, an interval, or as the connector defines (accepted; every poll is one append).',
    group: 'Exactly Once Support',
  })
  .define({
    name: 'offsets.storage.topic',
    type: 'string',
    default: null,
    doc: "Separate topic for this connector's source offsets (accepted for Kafka Connect configs).",
    group: 'Exactly Once Support',
  });
