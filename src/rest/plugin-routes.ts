import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { ConnectError } from '../api/errors.ts';
import type { Herder } from '../herder/herder.ts';
import { herderCall } from './herder-call.ts';
import { ConnectorConfig, PluginsQuery, queryBoolean, toRawConfig } from './schemas.ts';

const PluginParams = Type.Object({ plugin: Type.String() });

/** `/connector-plugins/…`: Kafka Connect's ConnectorPluginsResource. */
export function pluginRoutes(app: FastifyInstance, herder: Herder, timeoutMs: number): void {
  const tags = ['plugins'];
  type Plugin = FastifyRequest<{ Params: Static<typeof PluginParams> }>;

  app.get(
    '/connector-plugins',
    {
      schema: {
        tags,
        summary: 'Installed plugins (connectorsOnly=false adds converters, transforms, predicates)',
        querystring: PluginsQuery,
      },
    },
    async (req) =>
      herder.plugins(queryBoolean((req.query as Static<typeof PluginsQuery>).connectorsOnly, true)),
  );

  app.get(
    '/connector-plugins/:plugin/config',
    { schema: { tags, summary: 'Config keys of a plugin', params: PluginParams } },
    async (req: Plugin) => {
      try {
        return herder.pluginConfig(req.params.plugin);
      } catch (error) {
        // A plugin that is not installed is a missing resource here (Kafka: 404), not a bad config.
        if (error instanceof ConnectError && error.code === 'seam.config.unknown_plugin')
          throw new ConnectError(error.message, { code: 'seam.rest.not_found' });
        throw error;
      }
    },
  );

  app.put(
    '/connector-plugins/:plugin/config/validate',
    {
      schema: {
        tags,
        summary: 'Validate a config; every problem listed',
        params: PluginParams,
        body: ConnectorConfig,
      },
    },
    async (req: Plugin) => {
      const config = toRawConfig(req.body as Static<typeof ConnectorConfig>);
      const included = config['connector.class'];
      if (included !== undefined && !samePlugin(herder, included, req.params.plugin)) {
        throw new ConnectError(
          `Included connector type ${included} does not match request type ${req.params.plugin}`,
          { code: 'seam.rest.bad_request' },
        );
      }
      return herderCall(`validating a ${req.params.plugin} config`, timeoutMs, () =>
        herder.validateConfig(req.params.plugin, config),
      );
    },
  );
}

/**
 * Kafka Connect's rule: the body's class must end with the path's plugin name once a trailing
 * `Connector` is dropped from both, so `FileStreamSink` matches `org.apache…FileStreamSinkConnector`.
 * Case is ignored because Seam's aliases may be lower-case.
 */
function samePlugin(herder: Herder, included: string, requested: string): boolean {
  const norm = (name: string) =>
    name
      .trim()
      .toLowerCase()
      .replace(/(.)connector$/, '$1');
  if (norm(included).endsWith(norm(requested))) return true;
  // Two aliases of one plugin (a Debezium class name and Seam's) share no suffix; the herder has no
  // "resolve" call, so they count as one plugin when both resolve to the same config listing.
  try {
    return JSON.stringify(herder.pluginConfig(included)) === JSON.stringify(herder.pluginConfig(requested));
  } catch {
    return false;
  }
}
