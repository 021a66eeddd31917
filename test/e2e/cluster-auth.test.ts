import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import { type ClusterView, TestCluster, waitFor, workerId } from '../integration/cluster/cluster-harness.ts';

/**
 * With REST authentication on, a call that acts on a running connector (restart) sent to a worker that
 * does not run it is forwarded to the owner WITH the caller's credentials, so it succeeds from any
 * worker (before, the owner answered 401 to the forwarded call); without credentials the first worker
 * refuses it itself.
 */
const TOKEN = 'cluster-forward-token-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'seam-cluster-auth-'));
let c: TestCluster;

beforeAll(async () => {
  await requireServer('kafka');
  await requireServer('redis');
  writeFileSync(join(dir, 'tokens'), `${TOKEN}\n`);
  c = new TestCluster('auth', {
    'rest.auth.bearer.tokens.file': join(dir, 'tokens'),
    'rest.auth.open.health.metrics': 'true',
  });
});

afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function authed(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = TOKEN,
) {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

describe('cluster REST authentication', () => {
  it('forwards a restart to the owner with the caller’s credentials', async () => {
    const workers = await c.start(2);
    const put = await authed(workers[0]!.url, 'PUT', '/connectors/gen-auth/config', {
      'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
      'kafka.topic': c.topic('auth'),
      quickstart: 'users',
      iterations: '1000000',
      'max.interval': '50',
      seed: '7',
    });
    expect(put.status).toBe(201);
    let owner = '';
    // The instance and its task (a unit of its own, assigned once the instance wrote its config).
    await waitFor('gen-auth and its task RUNNING where assigned', async () => {
      const view = (await authed(workers[0]!.url, 'GET', '/admin/cluster')).body as ClusterView;
      owner = view.assignment.owners['gen-auth'] ?? '';
      const s = (await authed(workers[0]!.url, 'GET', '/connectors/gen-auth/status')).body as {
        connector: { state: string; worker_id: string };
        tasks: { state: string; worker_id: string }[];
      };
      const taskOwner = view.assignment.tasks?.['gen-auth']?.[0];
      return (
        owner !== '' &&
        s.connector.state === 'RUNNING' &&
        s.connector.worker_id === owner &&
        s.tasks[0]?.state === 'RUNNING' &&
        s.tasks[0].worker_id === taskOwner
      );
    });
    const other = workers.find((w) => workerId(w) !== owner)!;

    expect((await authed(other.url, 'POST', '/connectors/gen-auth/restart', undefined, null)).status).toBe(
      401,
    );
    const forwarded = await authed(other.url, 'POST', '/connectors/gen-auth/restart');
    expect(forwarded.status, JSON.stringify(forwarded.body)).toBeLessThan(300);
    const task = await authed(other.url, 'POST', '/connectors/gen-auth/tasks/0/restart');
    expect(task.status, JSON.stringify(task.body)).toBeLessThan(300);
  });
});
