import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
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
    async (req: Plugin) => herder.pluginConfig(req.params.plugin),
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
    async (req: Plugin) =>
      herderCall(`validating a ${req.params.plugin} config`, timeoutMs, () =>
        herder.validateConfig(req.params.plugin, toRawConfig(req.body as Static<typeof ConnectorConfig>)),
      ),
  );
}
