import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKafkaConfig } from '../../../src/log/kafka/kafka-config.ts';
import { platformaticClient } from '../../../src/log/kafka/platformatic-client.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { renderKustomization } from '../../unit/deploy/kustomize.ts';
import { type PodProcess, startPodProcess, waitForStatus } from '../../unit/deploy/pod-process.ts';

/**
 * A worker started with exactly the configuration the dev overlay gives pod seam-worker-0 (entrypoint,
 * args, environment, ConfigMap, Secret volume), with only what one host must change: its port, the mount
 * paths, and the cluster's addresses and names (the test Kafka and Redis, names unique to this run and
 * deleted afterwards). The worker config names bootstrap.servers, so the worker runs on the Kafka log as a
 * pod does. One worker today; once the distributed herder reads group.id, this file starts N workers
 * (ordinals 0..N-1) the same way and checks they form one cluster.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const objects = renderKustomization(join(root, 'deploy', 'k8s', 'overlays', 'dev'));
const dir = mkdtempSync(join(tmpdir(), 'seam-topology-'));
const run = `deploy-topology-${Date.now().toString(36)}`;
const topic = `${run}-users`;
const sinkGroup = `${run}-file`;
const cluster = {
  'bootstrap.servers': servers.kafkaBrokers.join(','),
  'redis.url': servers.redisUrl,
  'client.id': run,
  'group.id': run,
  'config.storage.topic': `${run}-configs`,
  'offset.storage.topic': `${run}-offsets`,
  'status.storage.topic': `${run}-status`,
};
const workers: PodProcess[] = [];
const kafkaClient = () =>
  platformaticClient(
    parseKafkaConfig({ 'bootstrap.servers': servers.kafkaBrokers.join(','), 'client.id': `${run}-admin` }),
  );

beforeAll(async () => {
  await requireServer('kafka');
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  rmSync(dir, { recursive: true, force: true });
  const admin = await kafkaClient().admin();
  await admin.deleteGroup(sinkGroup).catch(() => {});
  const names = await admin.listTopics().catch(() => [] as string[]);
  await admin.deleteTopics(names.filter((n) => n.startsWith(run))).catch(() => {});
  await admin.close();
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
      name: `${run}-users`,
      config: {
        'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
        'kafka.topic': topic,
        quickstart: 'users',
        'max.interval': '1',
        iterations: '5',
        seed: '1',
      },
    });
    expect(source.status, await source.text()).toBe(201);
    const sink = await post({
      name: `${run}-file`,
      config: {
        'connector.class': 'FileStreamSink',
        topics: topic,
        file: join(dir, `out-${user}.jsonl`),
        'consumer.override.group.id': sinkGroup,
      },
    });
    expect(sink.status, await sink.text()).toBe(201);
    const out = join(dir, 'out-seam.jsonl');
    const deadline = Date.now() + 90_000;
    while (!(existsSync(out) && readFileSync(out, 'utf8').trim().split('\n').length >= 5)) {
      if (Date.now() > deadline) throw new Error(`no records in ${out}:\n${worker.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(5);
    // The worker id is the pod's advertised address, the same after a restart of the pod.
    const status = (await (await fetch(`${worker.url}/connectors/${run}-users/status`)).json()) as {
      connector: { worker_id: string };
    };
    expect(status.connector.worker_id).toBe(`seam-worker-0.seam-workers.seam.svc:${port}`);
    // On the Kafka log, as the pod's bootstrap.servers says, not the embedded one.
    const admin = await kafkaClient().admin();
    try {
      expect(await admin.listTopics()).toEqual(expect.arrayContaining([topic, `${run}-offsets`]));
    } finally {
      await admin.close();
    }

    expect(await worker.stop()).toBe(0);
  }, 180_000);
});
