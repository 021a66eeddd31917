import { type Converter, FatalError, type HeaderConverter } from '../api/index.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { withoutPrefix } from './connector-config.ts';

/**
 * The key, value and header converters of one task. A connector that names a converter class configures
 * it with its own `<side>.converter.*` keys; otherwise the worker's converter and the worker's sub-keys
 * apply (as Kafka Connect's Plugins.newConverter).
 */
export interface TaskConverters {
  readonly key: Converter;
  readonly value: Converter;
  readonly header: HeaderConverter;
  readonly keyClass: string;
  readonly valueClass: string;
  readonly headerClass: string;
}

function create(
  registry: PluginRegistry,
  side: 'key' | 'value' | 'header',
  connector: Readonly<Record<string, string>>,
  worker: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>,
): { instance: Converter & Partial<HeaderConverter>; className: string } {
  const key = `${side}.converter`;
  const own = connector[key]?.trim();
  const source = own ? connector : worker;
  const name = own || worker[key]?.trim() || defaults[key]!;
  // Kafka lets any converter that also converts headers (StringConverter) serve as header.converter.
  const plugin =
    side === 'header'
      ? registry.resolve(name, 'header_converter', 'converter')
      : registry.resolve(name, 'converter');
  return {
    instance: plugin.create(withoutPrefix(source, `${key}.`), side === 'key'),
    className: plugin.className,
  };
}

export function createTaskConverters(
  registry: PluginRegistry,
  connector: Readonly<Record<string, string>>,
  worker: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>>,
): TaskConverters {
  const key = create(registry, 'key', connector, worker, defaults);
  const value = create(registry, 'value', connector, worker, defaults);
  const header = create(registry, 'header', connector, worker, defaults);
  const { fromConnectHeader, toConnectHeader } = header.instance;
  if (!fromConnectHeader || !toConnectHeader) {
    throw new FatalError(
      `${header.className} cannot be used as header.converter: it does not convert headers`,
    );
  }
  return {
    key: key.instance,
    value: value.instance,
    header: {
      fromConnectHeader: fromConnectHeader.bind(header.instance),
      toConnectHeader: toConnectHeader.bind(header.instance),
    },
    keyClass: key.className,
    valueClass: value.className,
    headerClass: header.className,
  };
}
