import {
  type ConfigKey,
  type ConfigProblem,
  ConnectError,
  type SinkPlugin,
  type SourceConnector,
  type SourcePlugin,
} from '../api/index.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import {
  connectorConfigProblems,
  sinkConnectorConfigSpec,
  sourceConnectorConfigSpec,
} from '../runtime/connector-config.ts';
import { HIDDEN, isSecretValue, maskUrlCredentials, SecretValues } from '../runtime/redact.ts';
import { validateTransformConfig } from '../runtime/transform-chain.ts';
import { exactlyOnceProblems } from './framework-keys.ts';
import type { ConfigInfos, ConfigKeyInfo, RawConfig } from './herder.ts';

/**
 * Validation of a connector config against everything that applies to it: the common keys (Kafka
 * Connect's ConnectorConfig), the plugin's own spec, cross-key checks, the connector's `validate()`
 * and the transform chain. Every problem is collected, none thrown; the result renders as Kafka's
 * ConfigInfos for `PUT /connector-plugins/{type}/config/validate` and as one ConfigError on create.
 */
export interface ConnectorValidation {
  readonly plugin: SourcePlugin | SinkPlugin;
  readonly problems: readonly ConfigProblem[];
  readonly infos: ConfigInfos;
}

export async function validateConnectorConfig(
  registry: PluginRegistry,
  pluginName: string,
  config: RawConfig,
  /** The worker's config providers: a reference to one it does not declare is a problem. */
  providers?: { problems(config: RawConfig): ConfigProblem[] },
  /** Whether the connector's own `validate` may reach its external system (see ValidateOptions). */
  live = true,
): Promise<ConnectorValidation> {
  const plugin = registry.resolve(pluginName, 'source', 'sink');
  const common = plugin.kind === 'source' ? sourceConnectorConfigSpec : sinkConnectorConfigSpec;
  const withClass: Record<string, string> = {
    ...config,
    'connector.class': config['connector.class'] ?? pluginName,
  };
  const problems: ConfigProblem[] = [
    ...common.validate(withClass).problems,
    ...connectorConfigProblems(plugin.kind, withClass),
    ...plugin.configSpec.validate(withClass).problems,
    ...validateTransformConfig(withClass, registry),
    ...(providers?.problems(withClass) ?? []),
  ];
  const own = plugin.createConnector();
  if (plugin.kind === 'source') problems.push(...exactlyOnceProblems(own as SourceConnector, withClass));
  if (own.validate) {
    try {
      problems.push(...(await own.validate(withClass, { live })));
    } catch (e) {
      problems.push({ key: '', message: `The connector's validate() failed: ${(e as Error).message}` });
    }
  }
  for (const converter of ['key.converter', 'value.converter', 'header.converter']) {
    const name = withClass[converter]?.trim();
    if (!name) continue;
    try {
      registry.resolve(
        name,
        ...(converter === 'header.converter'
          ? (['header_converter', 'converter'] as const)
          : (['converter'] as const)),
      );
    } catch (e) {
      if (!(e instanceof ConnectError)) throw e;
      problems.push({ key: converter, message: e.message });
    }
  }
  const keys = [...common.keys, ...plugin.configSpec.keys];
  // A message (say, from the connector's validate()) may quote a secret of this config or a URL with one.
  const secrets = new SecretValues();
  secrets.addConfig(withClass, (name) => keys.find((k) => k.name === name));
  const scrubbed = problems.map((p) => ({
    key: p.key,
    message: secrets.scrub(maskUrlCredentials(p.message)),
  }));
  return {
    plugin,
    problems: dedupe(scrubbed),
    infos: configInfos(plugin.className, keys, withClass, scrubbed),
  };
}

/** The value as `config/validate` shows it: `[hidden]` for secrets (as Kafka does for PASSWORD keys). */
function shown(key: ConfigKey | undefined, name: string, value: string | null): string | null {
  if (value === null) return null;
  return isSecretValue(name, value, () => key) ? HIDDEN : maskUrlCredentials(value);
}

function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.key}\0${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function configInfos(
  name: string,
  keys: readonly ConfigKey[],
  config: RawConfig,
  problems: readonly ConfigProblem[],
): ConfigInfos {
  const byKey = new Map<string, string[]>();
  for (const p of dedupe(problems)) {
    const list = byKey.get(p.key) ?? [];
    list.push(p.message);
    byKey.set(p.key, list);
  }
  const declared = new Map<string, ConfigKey>();
  for (const k of keys) if (!declared.has(k.name)) declared.set(k.name, k);
  const configs: ConfigInfos['configs'][number][] = [...declared.values()].map((k) => ({
    definition: configKeyInfo(k),
    value: {
      name: k.name,
      value: shown(k, k.name, config[k.name] ?? defaultText(k)),
      recommended_values: [...(k.recommended ?? [])],
      errors: byKey.get(k.name) ?? [],
      visible: true,
    },
  }));
  // Problems of keys no spec declares (transform sub-keys, cross-key checks) still need an entry.
  for (const [key, errors] of byKey) {
    if (declared.has(key)) continue;
    configs.push({
      definition: configKeyInfo({ name: key, type: 'string', doc: '' }),
      value: {
        name: key,
        value: shown(undefined, key, config[key] ?? null),
        recommended_values: [],
        errors,
        visible: true,
      },
    });
  }
  const groups = [
    ...new Set([...declared.values()].map((k) => k.group).filter((g): g is string => g !== undefined)),
  ];
  return { name, error_count: configs.reduce((n, c) => n + c.value.errors.length, 0), groups, configs };
}

function defaultText(key: ConfigKey): string | null {
  const d = key.default;
  if (d === undefined || d === null) return null;
  return Array.isArray(d) ? d.join(',') : String(d);
}

/** Kafka's ConfigKeyInfo rendering of a declared key (upper-case type, importance and width). */
export function configKeyInfo(key: ConfigKey): ConfigKeyInfo {
  return {
    name: key.name,
    type: key.type.toUpperCase(),
    required: key.required === true,
    default_value: key.required ? null : defaultText(key),
    importance: (key.importance ?? 'medium').toUpperCase(),
    documentation: key.doc,
    group: key.group ?? null,
    order_in_group: key.orderInGroup ?? -1,
    width: (key.width ?? 'none').toUpperCase(),
    display_name: key.displayName ?? key.name,
    dependents: [...(key.dependents ?? [])],
  };
}
