import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import pkg from '../../package.json' with { type: 'json' };
import type { ErrorCodeTable } from '../api/error-codes.ts';
import { callerAuthorization } from '../herder/distributed/forward.ts';
import type { Herder } from '../herder/herder.ts';
import type { LoggerLevels } from '../instrumentation/logger-levels.ts';
import type { ConnectMetrics } from '../instrumentation/metrics.ts';
import { adminRoutes, type ServerInfo } from './admin-routes.ts';
import { installAuth, type RestAuthConfig } from './auth.ts';
import { connectorRoutes } from './connector-routes.ts';
import { deadLetterRoutes } from './dead-letter-routes.ts';
import { errorBody, toErrorResponse } from './errors.ts';
import { MAX_BODY_BYTES, parseJsonBody } from './json-body.ts';
import { MAX_PATH_SEGMENT } from './name-rules.ts';
import { pluginRoutes } from './plugin-routes.ts';
import { readinessRoutes } from './readiness-routes.ts';
import { rebuildRoutes } from './rebuild-routes.ts';
import { RouteMethods } from './route-methods.ts';

/**
 * The REST API: a thin fastify adapter over a {@link Herder}, a drop-in for Kafka Connect's REST surface
 * (reference kafka-connect.md §2.1–2.3). Every error answers `{error_code, message, code, hint}`.
 * Bodies are parsed as JSON whatever the content type (curl -d sends form encoding by default), and a
 * parse error names the position. Bodies are bounded (1 MiB, 64 levels of nesting), a path segment to
 * 1024 characters, and errors raised by fastify itself before routing (bad URL encoding, 414) get the
 * same body as every other error.
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
  /** Basic and/or bearer authentication; none when absent. */
  readonly auth?: RestAuthConfig;
  /** Shown by `GET /` as `advertised_url` when set (rest.advertised.*). */
  readonly advertisedUrl?: string;
  /** Distributed mode: members, leader, assignment and epochs for `GET /admin/cluster`. */
  readonly cluster?: () => Promise<unknown>;
}

export async function createRestApp(options: RestAppOptions): Promise<FastifyInstance> {
  const log = options.levels.logger('seam.rest');
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Keep-alive sockets of clients would otherwise hold a stopping worker open until they time out.
    forceCloseConnections: true,
    ajv: { customOptions: { allErrors: true, coerceTypes: false, removeAdditional: false } },
    bodyLimit: MAX_BODY_BYTES,
    // Above the longest valid connector name percent-encoded (name-rules.ts), so every name is reachable.
    routerOptions: { maxParamLength: MAX_PATH_SEGMENT },
    frameworkErrors: (error, _req, reply) => {
      const { status, body } = toErrorResponse(error, options.errorCodes);
      (reply as unknown as FastifyReply).code(status).send(body);
    },
  });
  const timeoutMs = options.requestTimeoutMs ?? 90_000;
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.method, route.url));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'string' },
    (_req: FastifyRequest, body: string | Buffer, done) => {
      try {
        done(null, parseJsonBody(String(body)));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );

  app.setErrorHandler((error, req, reply) => {
    const { status, body, headers } = toErrorResponse(error, options.errorCodes);
    if (status >= 500) req.log.error({ err: error, method: req.method, url: req.url }, body.message);
    else req.log.debug({ method: req.method, url: req.url, status }, body.message);
    return reply
      .code(status)
      .headers(headers ?? {})
      .send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = routes.allowed(path);
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .send(
          errorBody('seam.rest.method_not_allowed', `HTTP 405 Method Not Allowed: ${req.method} ${path}`),
        );
    }
    return reply
      .code(404)
      .send(errorBody('seam.rest.unknown_endpoint', `Unknown endpoint ${req.method} ${path}`));
  });
  if (options.auth) {
    installAuth(app, options.auth);
    // Calls a distributed worker forwards to a connector's owner carry the caller's credentials (set
    // right before the handler: body parsing would leave a context entered earlier).
    app.addHook('preHandler', (req, _reply, done) =>
      callerAuthorization.run(req.headers.authorization, done),
    );
  }
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
    ...(options.advertisedUrl ? { advertised_url: options.advertisedUrl } : {}),
  };
  adminRoutes(app, {
    herder: options.herder,
    levels: options.levels,
    metrics: options.metrics,
    info,
    ...(options.cluster ? { cluster: options.cluster } : {}),
  });
  readinessRoutes(app, options.herder);
  connectorRoutes(app, options.herder, timeoutMs);
  rebuildRoutes(app, options.herder, timeoutMs);
  deadLetterRoutes(app, options.herder, timeoutMs);
  pluginRoutes(app, options.herder, timeoutMs);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.ready();
  return app;
}
