import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restSetup } from '../../../src/cli/start-rest.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import { createRestApp } from '../../../src/rest/app.ts';
import { MemoryHerder } from '../rest/memory-herder.ts';

const silent = new Writable({ write: (_c, _e, cb) => cb() });

/** A herder that reports cluster membership itself, as the distributed herder does through `ready()`. */
class ClusterHerder extends MemoryHerder {
  joined = false;
  ready() {
    return { ready: this.joined, message: this.joined ? 'joined' : 'waiting for the first assignment' };
  }
}

async function app(herder: MemoryHerder): Promise<FastifyInstance> {
  const { levels } = createLogging({ destination: silent });
  return createRestApp({ herder, levels, metrics: new ConnectMetrics() });
}

describe('GET /health/ready (Kubernetes readiness)', () => {
  let server: FastifyInstance | undefined;
  afterEach(() => server?.close());

  describe('a herder without ready(): ready once it completed startup', () => {
    let herder: MemoryHerder;
    beforeEach(async () => {
      herder = new MemoryHerder();
      server = await app(herder);
    });

    it('answers 503 while starting or unhealthy and 200 once healthy', async () => {
      herder.healthState = { status: 'starting', message: 'Worker is starting connectors' };
      const starting = await server!.inject({ url: '/health/ready' });
      expect(starting.statusCode).toBe(503);
      expect(starting.json()).toEqual({ ready: false, message: 'Worker is starting connectors' });
      herder.healthState = { status: 'unhealthy', message: 'Worker is stopped' };
      expect((await server!.inject({ url: '/health/ready' })).statusCode).toBe(503);
      herder.healthState = { status: 'healthy', message: 'started' };
      const ready = await server!.inject({ url: '/health/ready' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ ready: true, message: 'started' });
    });

    it('is in the OpenAPI document beside /health', async () => {
      const spec = (await server!.inject({ url: '/openapi.json' })).json();
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready']));
    });
  });

  it("follows the herder's own ready() and not its health when it has one", async () => {
    const herder = new ClusterHerder();
    server = await app(herder);
    // Alive (liveness 200) but not yet part of the cluster: traffic must not come yet.
    expect((await server.inject({ url: '/health' })).statusCode).toBe(200);
    const waiting = await server.inject({ url: '/health/ready' });
    expect(waiting.statusCode).toBe(503);
    expect(waiting.json()).toEqual({ ready: false, message: 'waiting for the first assignment' });
    herder.joined = true;
    expect((await server.inject({ url: '/health/ready' })).statusCode).toBe(200);
  });

  it('stays open with rest.auth.open.health.metrics, like /health, while the rest needs credentials', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seam-ready-auth-'));
    try {
      writeFileSync(join(dir, 'tokens'), 'a-bearer-token-for-the-test\n');
      const setup = restSetup(
        { 'rest.auth.bearer.tokens.file': join(dir, 'tokens'), 'rest.auth.open.health.metrics': 'true' },
        { host: '127.0.0.1', port: 8083 },
        false,
      );
      const { levels } = createLogging({ destination: silent });
      server = await createRestApp({
        herder: new MemoryHerder(),
        levels,
        metrics: new ConnectMetrics(),
        ...(setup.auth ? { auth: setup.auth } : {}),
      });
      expect((await server.inject({ url: '/health/ready' })).statusCode).toBe(200);
      expect((await server.inject({ url: '/health' })).statusCode).toBe(200);
      expect((await server.inject({ url: '/connectors' })).statusCode).toBe(401);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
