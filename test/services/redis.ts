import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { servers } from '../helpers/servers.ts';
import { ensurePackages } from './apt.ts';
import { spawnServer } from './process.ts';
import type { Service } from './service.ts';

const REDIS_SERVER = '/usr/bin/redis-server';
const PORT = 6379;

/** Redis 7 from Debian with its own config and working dir under .state/redis; no persistence. */
export const redis: Service = {
  name: 'redis',
  stopSignal: 'SIGTERM',
  startTimeoutMs: 30_000,
  port: PORT,

  async install() {
    if (!existsSync(REDIS_SERVER)) ensurePackages(['redis-server']);
  },

  async launch(ctx) {
    const config = join(ctx.dir, 'redis.conf');
    writeFileSync(
      config,
      [
        `port ${PORT}`,
        'bind 127.0.0.1',
        'protected-mode no',
        'daemonize no',
        `dir ${ctx.dir}`,
        'save ""',
        'appendonly no',
        // BullMQ requires that Redis never evicts its keys.
        'maxmemory-policy noeviction',
        '',
      ].join('\n'),
    );
    const pid = spawnServer(REDIS_SERVER, [config], { cwd: ctx.dir, logFile: ctx.logFile });
    return { pid, cmdlineMark: 'redis-server' };
  },

  async ready() {
    const client = new Redis(servers.redisUrl, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {
      // connect() rejects with the same error; the wait loop reports it.
    });
    try {
      await client.connect();
      const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1];
      if (!version?.startsWith('7.')) throw new Error(`expected Redis 7, found ${version}`);
    } finally {
      client.disconnect();
    }
  },

  describe() {
    return `SEAM_TEST_REDIS_URL=${servers.redisUrl}`;
  },
};
