import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Herder } from '../herder/herder.ts';
import { herderCall } from './herder-call.ts';
import { NameParams } from './schemas.ts';

/**
 * Seam extension, `/connectors/{name}/rebuild`: rebuild a sink's views from the log into fresh targets
 * and swap them in while reads continue (202 with the status, progress under `rebuild`); DELETE aborts.
 * 404 unknown connector (or, for DELETE, no rebuild running), 400 when the plugin cannot rebuild or the
 * connector is not running, 409 when a rebuild already runs.
 */
export function rebuildRoutes(app: FastifyInstance, herder: Herder, timeoutMs: number): void {
  const tags = ['connectors'];
  type Named = FastifyRequest<{ Params: Static<typeof NameParams> }>;

  app.post(
    '/connectors/:name/rebuild',
    {
      schema: {
        tags,
        summary: 'Rebuild the views from the log and swap them in (Seam extension, 202)',
        params: NameParams,
      },
    },
    async (req: Named, reply) => {
      const { name } = req.params;
      // prepare may create indices: allow it the whole request timeout, never less.
      const status = await herderCall(`starting a rebuild of ${name}`, timeoutMs, () =>
        herder.rebuildConnector(name),
      );
      return reply.code(202).send(status);
    },
  );

  app.delete(
    '/connectors/:name/rebuild',
    { schema: { tags, summary: 'Abort the running rebuild (Seam extension, 204)', params: NameParams } },
    async (req: Named, reply) => {
      const { name } = req.params;
      await herderCall(`aborting the rebuild of ${name}`, timeoutMs, () => herder.abortRebuild(name));
      return reply.code(204).send();
    },
  );
}
