import type { FastifyInstance } from 'fastify';
import type { Herder } from '../herder/herder.ts';

/**
 * A herder that can tell whether this worker is part of the cluster yet (the distributed herder: joined
 * the group and got its first assignment). Kept apart from `health()`: a worker can be alive (liveness,
 * `GET /health`) long before it should get traffic (readiness), and restarting it for that would only
 * delay its joining.
 */
export interface ReadinessSource {
  ready(): { ready: boolean; message: string };
}

/** Readiness of any herder: its own `ready()` when it has one, else ready once it completed startup. */
export function readinessOf(herder: Herder & Partial<ReadinessSource>): { ready: boolean; message: string } {
  if (typeof herder.ready === 'function') return herder.ready();
  const health = herder.health();
  return { ready: health.status === 'healthy', message: health.message };
}

/** `GET /health/ready`: 200 once the worker is part of the cluster, 503 before (Kubernetes readiness). */
export function readinessRoutes(app: FastifyInstance, herder: Herder): void {
  app.get(
    '/health/ready',
    {
      schema: {
        tags: ['worker'],
        summary: 'Worker readiness (200 part of the cluster, 503 not yet or no longer)',
      },
    },
    async (_req, reply) => {
      const readiness = readinessOf(herder);
      return reply.code(readiness.ready ? 200 : 503).send(readiness);
    },
  );
}
