import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { servers } from '../helpers/servers.ts';
import { ensureJars } from './maven.ts';
import { SERVICES_DIR, TARGET_DIR } from './paths.ts';
import { runOrThrow, spawnServer } from './process.ts';
import type { Service } from './service.ts';

const PORT = 9200;
const LAUNCHER_SOURCE = join(SERVICES_DIR, 'elasticsearch', 'SeamElasticsearch.java');
const LAUNCHER_CLASSES = join(TARGET_DIR, 'elasticsearch-launcher');

/**
 * A real Elasticsearch 7.17 node from the Maven Central jars, started by a small launcher class
 * (the distribution tarball is not reachable here). 7.17 accepts the `compatible-with=8` headers of
 * @elastic/elasticsearch 8.x and sends `x-elastic-product`; see docs/decisions/2026-11-23-test-server-versions.md.
 */
export const elasticsearch: Service = {
  name: 'elasticsearch',
  stopSignal: 'SIGTERM',
  startTimeoutMs: 180_000,
  port: PORT,

  async install() {
    const classpath = ensureJars('elasticsearch');
    const compiled = join(LAUNCHER_CLASSES, 'SeamElasticsearch.class');
    if (!existsSync(compiled) || statSync(compiled).mtimeMs < statSync(LAUNCHER_SOURCE).mtimeMs) {
      mkdirSync(LAUNCHER_CLASSES, { recursive: true });
      runOrThrow('javac', ['-cp', classpath, '-d', LAUNCHER_CLASSES, LAUNCHER_SOURCE]);
    }
  },

  async launch(ctx) {
    const classpath = `${LAUNCHER_CLASSES}:${ensureJars('elasticsearch')}`;
    const args = [
      '-Xms512m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-Dfile.encoding=UTF-8',
      '-Dlog4j2.formatMsgNoLookups=true',
      '-Dio.netty.noUnsafe=true',
      '-Dio.netty.recycler.maxCapacityPerThread=0',
      '-cp',
      classpath,
      'SeamElasticsearch',
      ctx.dir,
      String(PORT),
      '9300',
    ];
    const pid = spawnServer('java', args, { cwd: ctx.dir, logFile: ctx.logFile });
    return { pid, cmdlineMark: 'SeamElasticsearch' };
  },

  async ready() {
    // The product header is what @elastic/elasticsearch 8 insists on; check it, not just the port.
    const response = await fetch(
      `${servers.elasticsearchUrl}/_cluster/health?wait_for_status=yellow&timeout=1s`,
    );
    if (response.headers.get('x-elastic-product') !== 'Elasticsearch')
      throw new Error('no x-elastic-product header');
    const health = (await response.json()) as { status?: string };
    if (health.status !== 'green' && health.status !== 'yellow')
      throw new Error(`cluster is ${health.status}`);
  },

  describe() {
    return `SEAM_TEST_ES_URL=${servers.elasticsearchUrl}  (Elasticsearch 7.17 node, 8.x client compatible)`;
  },
};
