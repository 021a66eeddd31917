import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderKustomization } from './kustomize.ts';
import { type PodProcess, startPodProcess, waitForStatus } from './pod-process.ts';

/**
 * A worker started with exactly the configuration the dev overlay gives pod seam-worker-0 (entrypoint,
 * args, environment, ConfigMap, Secret volume), with only what one host must change: its port, the mount
 * paths and the cluster's addresses. One standalone worker today; once the distributed herder reads
 * group.id, this file belongs with the integration suites (it then needs Kafka and Redis) and starts N
 * workers (ordinals 0..N-1) the same way.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const objects = renderKustomization(join(root, 'deploy', 'k8s', 'overlays', 'dev'));
const dir = mkdtempSync(join(tmpdir(), 'seam-topology-'));
const workers: PodProcess[] = [];
// The cluster's addresses and names on this host: the test servers, names unique to this run. The
// standalone worker ignores them (with a warning); a distributed one joins this cluster.
const unique = `seam-deploy-topology-${process.pid}-${Date.now()}`;
const cluster = {
  'bootstrap.servers': process.env['SEAM_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092',
  'redis.url': process.env['SEAM_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  'group.id': unique,
  'config.storage.topic': `${unique}-configs`,
  'offset.storage.topic': `${unique}-offsets`,
  'status.storage.topic': `${unique}-status`,
};

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('a worker started as the manifests start a pod', () => {
  it('becomes ready, advertises its pod DNS name and reads credentials from the mounted Secret', async () => {
    const worker = await startPodProcess({ objects, ordinal: 0, namespace: 'seam', dir, overrides: cluster });
    workers.push(worker);
    await waitForStatus(worker, '/health/ready', 200, 90_000);
    expect((await fetch(`${worker.url}/health`)).status).toBe(200);
    const port = new URL(worker.url).port;
    expect(await (await fetch(`${worker.url}/`)).json()).toMatchObject({
      advertised_url: `http://seam-worker-0.seam-workers.seam.svc:${port}`,
    });

    // A sink whose output file name comes from the Secret through the file provider, as connector
    // configs refer to credentials.
    const user = `\${file:${worker.secretsDir}/postgres.properties:user}`;
    const post = (body: unknown) =>
      fetch(`${worker.url}/connectors`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const source = await post({
      name: 'topology-users',
      config: {
        'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
        'kafka.topic': 'topology-users',
        quickstart: 'users',
        'max.interval': '1',
        iterations: '5',
        seed: '1',
      },
    });
    expect(source.status).toBe(201);
    const sink = await post({
      name: 'topology-file',
      config: {
        'connector.class': 'FileStreamSink',
        topics: 'topology-users',
        file: join(dir, `out-${user}.jsonl`),
      },
    });
    expect(sink.status).toBe(201);
    const out = join(dir, 'out-seam.jsonl');
    const deadline = Date.now() + 60_000;
    while (!(existsSync(out) && readFileSync(out, 'utf8').trim().split('\n').length >= 5)) {
      if (Date.now() > deadline) throw new Error(`no records in ${out}:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(5);

    expect(await worker.stop()).toBe(0);
  }, 180_000);
});
