// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresSourceConnector } from '../../../connectors/postgres/connector.ts';
import { validateConnectorConfig } from '../../../src/herder/config-validation.ts';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';
import { servers } from '../../helpers/servers.ts';
import { baseConfig, openAdmin } from './harness.ts';

/** `validate()` checks the live database and puts each problem on its key (REST's config/validate answer). */

let db: pg.Client;
let silent: net.Server;
let silentPort = 0;
const sockets: net.Socket[] = [];

beforeAll(async () => {
  db = await openAdmin('pgprod_validate_none', 'pgprod_validate_none', [
    'DROP TABLE IF EXISTS pgprod_validate_a',
    'CREATE TABLE pgprod_validate_a (id int PRIMARY KEY)',
    'REVOKE ALL ON pgprod_validate_a FROM PUBLIC',
  ]);
  // A host that accepts the TCP connection and never answers: only the timeout ends the attempt.
  silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await db?.query('DROP TABLE IF EXISTS pgprod_validate_a');
  await db?.end();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((done) => silent.close(() => done()));
});

const validate = (o: Record<string, string>) =>
  new PostgresSourceConnector().validate(
    baseConfig({ 'table.include.list': 'public.pgprod_validate_a', ...o }),
  );

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('PostgreSQL source validate() against the live database', () => {
  it('finds nothing wrong with a working config', async () => {
    expect(await validate({})).toEqual([]);
  });

  it('reports a wrong password on database.password without echoing it', async () => {
    const problems = await validate({ 'database.password': 'pgprod-wrong-secret' });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.key).toBe('database.password');
    expect(problems[0]?.message).toContain('authentication failed');
    expect(JSON.stringify(problems)).not.toContain('pgprod-wrong-secret');
  });

  it('reports an unreachable host on database.hostname', async () => {
    const port = await freePort();
    const problems = await validate({ 'database.port': String(port) });
    expect(problems).toEqual([
      { key: 'database.hostname', message: expect.stringContaining(`127.0.0.1:${port} is unreachable`) },
    ]);
  });

  it('gives up on a host that never answers within the connect timeout', async () => {
    const started = Date.now();
    const problems = await validate({ 'database.port': String(silentPort), 'connect.timeout.ms': '1000' });
    expect(Date.now() - started).toBeLessThan(4000);
    expect(problems).toEqual([
      { key: 'database.hostname', message: expect.stringContaining('is unreachable') },
    ]);
  });

  it('reports a missing database on database.dbname', async () => {
    const problems = await validate({ 'database.dbname': 'pgprod_no_such_db' });
    expect(problems).toEqual([
      { key: 'database.dbname', message: 'Database pgprod_no_such_db does not exist' },
    ]);
  });

  it('reports include list entries that match no table, and a missing publication under disabled', async () => {
    const problems = await validate({
      'table.include.list': 'public.pgprod_validate_a,public.pgprod_validate_missing',
      'schema.include.list': 'public,pgprod_no_schema',
      'publication.autocreate.mode': 'disabled',
      'publication.name': 'pgprod_validate_none',
    });
    expect(problems).toEqual([
      { key: 'table.include.list', message: 'No table matches public.pgprod_validate_missing' },
      { key: 'schema.include.list', message: 'No schema with tables matches pgprod_no_schema' },
      {
        key: 'publication.name',
        message:
          'Publication pgprod_validate_none does not exist and publication.autocreate.mode is disabled',
      },
    ]);
  });

  it('reports missing SELECT on database.user with the GRANT that fixes it', async () => {
    const url = new URL(servers.postgresReplicationUrl);
    const problems = await validate({
      'database.user': decodeURIComponent(url.username),
      'database.password': decodeURIComponent(url.password),
    });
    expect(problems).toEqual([
      {
        key: 'database.user',
        message: expect.stringContaining(
          `GRANT SELECT ON TABLE public.pgprod_validate_a TO "${decodeURIComponent(url.username)}";`,
        ),
      },
    ]);
  });

  it('skips the live checks for provider references, resolved only at task start', async () => {
    expect(await validate({ 'database.password': '${env:PGPROD_NOT_SET}' })).toEqual([]);
  });

  it('shows the problems on their keys in the config/validate answer', async () => {
    const result = await validateConnectorConfig(
      builtinRegistry(),
      'io.debezium.connector.postgresql.PostgresConnector',
      baseConfig({ 'database.password': 'pgprod-wrong-secret', 'table.include.list': 'public.pgprod_x' }),
    );
    const errors = (name: string) => result.infos.configs.find((c) => c.value.name === name)?.value.errors;
    expect(errors('database.password')).toEqual([expect.stringContaining('authentication failed')]);
    expect(errors('database.hostname')).toEqual([]);
    expect(JSON.stringify(result.infos)).not.toContain('pgprod-wrong-secret');
  });

  it('seam validate prints the live problems on their keys and exits 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgprod-validate-'));
    try {
      const file = join(dir, 'pg.json');
      const config = baseConfig({
        'database.password': 'pgprod-wrong-secret',
        'table.include.list': 'public.pgprod_validate_a',
      });
      writeFileSync(file, JSON.stringify({ name: 'pg', config }));
      const root = join(import.meta.dirname, '../../..');
      const r = spawnSync(
        join(root, 'node_modules/.bin/node'),
        [join(root, 'src/cli/main.ts'), 'validate', file],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(r.status).toBe(1);
      expect(r.stdout).toContain('database.password: Password authentication failed');
      expect(r.stdout + r.stderr).not.toContain('pgprod-wrong-secret');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
