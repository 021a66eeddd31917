import type { ConverterPlugin } from './converter.ts';
import type { SinkPlugin } from './sink.ts';
import type { SourcePlugin } from './source.ts';
import type { PredicatePlugin, TransformPlugin } from './transform.ts';

/**
 * Any plugin Seam can run. A plugin is plain data plus factories, registered explicitly on a registry
 * (src/plugins); nothing registers itself by import side effect. `className` is Seam's canonical name;
 * `aliases` carry Kafka Connect / Debezium / Confluent class names so existing configs work unchanged.
 */
export type Plugin = SourcePlugin | SinkPlugin | TransformPlugin | PredicatePlugin | ConverterPlugin;

export type PluginKind = Plugin['kind'];

/** REST's plugin type names (`GET /connector-plugins`). */
export const PLUGIN_TYPE_NAMES: Readonly<Record<PluginKind, string>> = {
  source: 'source',
  sink: 'sink',
  transformation: 'transformation',
  predicate: 'predicate',
  converter: 'converter',
  header_converter: 'header_converter',
};
