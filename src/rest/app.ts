import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
} from 'fastify';
import pkg from '../../package.json' with { type: 'json' };
import type { ErrorCodeTable } from '../api/error-codes.ts';
import { ConnectError } from '../api/errors.ts';
import type { Herder } from '../herder/herder.ts';
import type { LoggerLevels } from '../instrumentation/logger-levels.ts';
import type { ConnectMetrics } from '../instrumentation/metrics.ts';
import { adminRoutes, type ServerInfo } from './admin-routes.ts';
import { connectorRoutes } from './connector-routes.ts';
import { errorBody, toErrorResponse } from './errors.ts';
import { pluginRoutes } from './plugin-routes.ts';
import { rebuildRoutes } from './rebuild-routes.ts';

/**
 * The REST API: a thin fastify adapter over a {@link Herder}, a drop-in for Kafka Connect's REST surface
 * (reference kafka-connect.md §2.1–2.3). Every error answers `{error_code, message, code, hint}`.
 * Bodies are parsed as JSON whatever the content type (curl -d sends form encoding by default), and a
 * parse error names the position.
 */
export interface RestAppOptions {
  readonly herder: Herder;
  readonly levels: LoggerLevels;
  readonly metrics: ConnectMetrics;
  readonly commit?: string;
  readonly clusterId?: string;
  /** Longest a herder call may take before the request answers 500 (Kafka: 90 s). */
  readonly requestTimeoutMs?: number;
  /** The plugin registry's error codes (`registry.errorCodes`); default: Seam's own only. */
  readonly errorCodes?: ErrorCodeTable;
}

export async function createRestApp(options: RestAppOptions): Promise<FastifyInstance> {
  const log = options.levels.logger('seam.rest');
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Keep-alive sockets of clients would otherwise hold a stopping worker open until they time out.
    forceCloseConnections: true,
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
  });
  const timeoutMs = options.requestTimeoutMs ?? 90_000;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string' },
    (_req: FastifyRequest, body: string | Buffer, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch (error) {
        done(
          new ConnectError(`Request body is not valid JSON: ${(error as Error).message}`, {
            code: 'seam.rest.bad_request',
          }),
          undefined,
        );
      }
    },
  );

  app.setErrorHandler((error, req, reply) => {
    const { status, body } = toErrorResponse(error, options.errorCodes);
    if (status >= 500) req.log.error({ err: error, method: req.method, url: req.url }, body.message);
    else req.log.debug({ method: req.method, url: req.url, status }, body.message);
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send(
        errorBody('seam.rest.unknown_endpoint', `Unknown endpoint ${req.method} ${req.url.split('?')[0]}`),
      ),
  );
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug(
      { method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Seam REST API',
        version: pkg.version,
        description: 'Kafka Connect compatible REST API of a Seam worker.',
      },
    },
  });
  const info: ServerInfo = {
    version: pkg.version,
    commit: options.commit ?? process.env['SEAM_COMMIT'] ?? 'unknown',
    kafka_cluster_id: options.clusterId ?? 'seam-standalone',
  };
  adminRoutes(app, { herder: options.herder, levels: options.levels, metrics: options.metrics, info });
  connectorRoutes(app, options.herder, timeoutMs);
  rebuildRoutes(app, options.herder, timeoutMs);
  pluginRoutes(app, options.herder, timeoutMs);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
