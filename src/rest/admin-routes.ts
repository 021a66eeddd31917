import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import { Type } from 'typebox';
import { ConnectError } from '../api/errors.ts';
import type { Herder } from '../herder/herder.ts';
import type { LoggerLevels } from '../instrumentation/logger-levels.ts';
import { pinoLevel } from '../instrumentation/logger-levels.ts';
import type { ConnectMetrics } from '../instrumentation/metrics.ts';
import { LoggerLevelBody, LoggerQuery } from './schemas.ts';

export interface ServerInfo {
  readonly version: string;
  readonly commit: string;
  /** Kafka's cluster id when the data plane is Kafka; the embedded log's id otherwise. */
  readonly kafka_cluster_id: string;
  /** Seam addition: the URL other workers and clients should use (rest.advertised.*), when configured. */
  readonly advertised_url?: string;
}

const LoggerParams = Type.Object({ name: Type.String() });

/** `GET /`, `/health`, `/metrics` and `/admin/loggers` (Kafka's RootResource, HealthResource, LoggingResource). */
export function adminRoutes(
  app: FastifyInstance,
  deps: {
    herder: Herder;
    levels: LoggerLevels;
    metrics: ConnectMetrics;
    info: ServerInfo;
    cluster?: () => Promise<unknown>;
  },
): void {
  const { herder, levels, metrics, info, cluster } = deps;

  app.get('/', { schema: { tags: ['worker'], summary: 'Version, commit and cluster id' } }, async () => info);

  app.get(
    '/health',
    { schema: { tags: ['worker'], summary: 'Worker health (200 healthy, 503 starting, 500 unhealthy)' } },
    async (_req, reply) => {
      const health = herder.health();
      const status = health.status === 'healthy' ? 200 : health.status === 'starting' ? 503 : 500;
      return reply.code(status).send(health);
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['worker'], summary: 'Prometheus metrics (text exposition)' } },
    async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  );

  app.get(
    '/admin/cluster',
    {
      schema: {
        tags: ['worker'],
        summary: 'Distributed mode: members, leader, assignment and fencing epochs',
      },
    },
    async () => {
      if (!cluster)
        throw new ConnectError('This worker is standalone; it has no cluster', {
          code: 'seam.rest.not_found',
        });
      return cluster();
    },
  );

  const tags = ['loggers'];
  type Named = FastifyRequest<{ Params: Static<typeof LoggerParams> }>;

  app.get(
    '/admin/loggers',
    { schema: { tags, summary: 'Loggers with explicitly set levels, and root' } },
    async () => levels.all(),
  );

  app.get(
    '/admin/loggers/:name',
    { schema: { tags, summary: 'Level of one logger', params: LoggerParams } },
    async (req: Named) => {
      const level = levels.get(req.params.name);
      if (!level)
        throw new ConnectError(`Logger ${req.params.name} not found.`, { code: 'seam.rest.not_found' });
      return level;
    },
  );

  app.put(
    '/admin/loggers/:name',
    {
      schema: {
        tags,
        summary: 'Set the level of a logger namespace',
        params: LoggerParams,
        querystring: LoggerQuery,
        body: LoggerLevelBody,
      },
    },
    async (req: Named, reply) => {
      const { level } = req.body as Static<typeof LoggerLevelBody>;
      // Any scope but cluster is the worker scope, as in Kafka Connect (which logs and falls back).
      const scope = ((req.query as Static<typeof LoggerQuery>).scope ?? 'worker').toLowerCase();
      if (scope !== 'worker' && scope !== 'cluster')
        req.log.warn({ scope }, `Unknown logger scope '${scope}'; applying to this worker`);
      if (!pinoLevel(level)) {
        throw new ConnectError(
          `Invalid log level '${level}'; use TRACE, DEBUG, INFO, WARN, ERROR, FATAL or OFF`,
          { code: 'seam.rest.bad_request' },
        );
      }
      const changed = levels.set(req.params.name, level);
      // Cluster scope answers 204 as Kafka does; with one worker the worker scope is the cluster.
      return scope === 'cluster' ? reply.code(204).send() : changed;
    },
  );
}
