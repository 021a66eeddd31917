/**
 * Bad credentials against a real authenticating node (issue 15, bad input). The shared test node runs
 * without an authenticator, so this file starts a PRIVATE one-node Cassandra on 127.0.0.2 (same ports,
 * another loopback address) with `PasswordAuthenticator`, and stops it at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/api/index.ts';
import { type PrivateServer, startPrivateServer } from '../../helpers/private-server.ts';
import { requireServer, servers } from '../../helpers/servers.ts';
import { cassandraService } from '../../services/cassandra.ts';
import { startError, startTask } from './harness.ts';

const HOST = '127.0.0.2';
let server: PrivateServer | null = null;

beforeAll(async () => {
  await requireServer('cassandra'); // the jars and the JVM the shared node runs on
  const service = cassandraService({ host: HOST, jmxPort: 7299, authenticator: 'PasswordAuthenticator' });
  server = await startPrivateServer(service, { what: 'the private Cassandra node' });
}, 200_000);

afterAll(async () => {
  await server?.stop();
}, 60_000);

const node = {
  contactPoints: `${HOST}:9042`,
  'loadBalancing.localDc': servers.cassandraDataCenter,
  'topic.auth.system_auth.roles.mapping': 'role=key.role',
};

describe('Cassandra sink against a node that checks credentials', () => {
  it('a wrong password is a config error on auth.username naming the fix, not a retry loop', async () => {
    const error = await startError({
      ...node,
      'auth.provider': 'PLAIN',
      'auth.username': 'cassandra',
      'auth.password': 'not-the-password',
    });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('seam.cassandra.auth_failed');
    expect((error as ConfigError).problems[0]!.key).toBe('auth.username');
    expect(error.message).toMatch(/username|password/i);
    expect(error.message).not.toContain('not-the-password');
  }, 60_000);

  it('no credentials at all is the same clear error', async () => {
    const error = await startError(node);
    expect(error.code).toBe('seam.cassandra.auth_failed');
    expect((error as ConfigError).problems[0]!.key).toBe('auth.username');
  }, 60_000);

  it('the right credentials start the task', async () => {
    const { task } = await startTask({
      ...node,
      'auth.provider': 'PLAIN',
      'auth.username': 'cassandra',
      'auth.password': 'cassandra',
    });
    await task.stop();
  }, 60_000);
});
