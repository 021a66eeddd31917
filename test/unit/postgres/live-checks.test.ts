// biome-ignore-all lint/suspicious/noTemplateCurlyInString: config values hold literal ${provider:key} references
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresConfigSpec } from '../../../connectors/postgres/config.ts';
import {
  connectionProblem,
  liveProblems,
  serverProblems,
} from '../../../connectors/postgres/connection/live-checks.ts';
import { PostgresSourceConnector } from '../../../connectors/postgres/connector.ts';

/** The key each live problem lands on; wal_level cannot be changed on the shared test server. */

const config = postgresConfigSpec.parse({
  'database.hostname': 'db.example',
  'database.port': '5433',
  'database.user': 'app',
  'database.password': 'hunter2-secret',
  'database.dbname': 'shop',
  'topic.prefix': 'p',
});

/** A client answering the catalog queries of serverProblems with fixed rows. */
function client(walLevel: string, role: { rolreplication: string; rolsuper: string }): pg.Client {
  return {
    query: async (sql: string) => {
      if (sql.includes('wal_level')) return { rows: [{ wal_level: walLevel }] };
      if (sql.includes('pg_roles')) return { rows: [role] };
      return { rows: [] };
    },
  } as unknown as pg.Client;
}

describe('PostgreSQL live validation mapping', () => {
  it('puts wal_level other than logical on database.hostname, naming the setting and the fix', async () => {
    for (const level of ['replica', 'minimal']) {
      const problems = await serverProblems(client(level, { rolreplication: 't', rolsuper: 'f' }), config);
      expect(problems).toEqual([
        {
          key: 'database.hostname',
          message: expect.stringMatching(
            new RegExp(`db\\.example:5433 runs with wal_level = ${level}; .*wal_level = logical.*restart`),
          ),
        },
      ]);
    }
    expect(await serverProblems(client('logical', { rolreplication: 't', rolsuper: 'f' }), config)).toEqual(
      [],
    );
  });

  it('puts a missing REPLICATION attribute on database.user with the ALTER ROLE', async () => {
    const problems = await serverProblems(client('logical', { rolreplication: 'f', rolsuper: 'f' }), config);
    expect(problems).toEqual([
      { key: 'database.user', message: expect.stringContaining('ALTER ROLE "app" REPLICATION;') },
    ]);
    const superuser = client('logical', { rolreplication: 'f', rolsuper: 't' });
    expect(await serverProblems(superuser, config)).toEqual([]);
  });

  it('maps connection failures to their keys without the password', () => {
    const at = (e: unknown) => connectionProblem(e, config);
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(at(pgError('28P01', 'password authentication failed for user "app"'))).toEqual({
      key: 'database.password',
      message: 'Password authentication failed for user app',
    });
    expect(at(pgError('28000', 'no pg_hba.conf entry for host')).key).toBe('database.user');
    expect(at(pgError('3D000', 'database "shop" does not exist')).key).toBe('database.dbname');
    expect(at(pgError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.1:5433'))).toEqual({
      key: 'database.hostname',
      message: expect.stringContaining('db.example:5433 is unreachable'),
    });
    expect(at(pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.example')).key).toBe('database.hostname');
    expect(at(new Error('Connection terminated due to connection timeout')).message).toContain(
      'is unreachable',
    );
    expect(at(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string')).key).toBe(
      'database.password',
    );
    expect(at(new Error('The server does not support SSL connections')).key).toBe('database.sslmode');
    const leaked = at(new Error('failed for postgres://app:hunter2-secret@db.example/shop'));
    expect(JSON.stringify(leaked)).not.toContain('hunter2-secret');
  });

  it('connects to nothing when the config has spec problems or provider references', async () => {
    // Unresolvable host names would take a DNS round trip: both cases return before any connection.
    const base = {
      'database.hostname': 'pgprod.invalid',
      'database.user': 'u',
      'database.dbname': 'd',
      'topic.prefix': 'p',
    };
    expect(await liveProblems({ ...base, 'database.port': 'not-a-port' })).toEqual([]);
    expect(await liveProblems({ ...base, 'database.password': '${file:/x:pw}' })).toEqual([]);
  });
});

describe('PostgresSourceConnector.validate', () => {
  it('skips the connection when the caller asks for no live checks', async () => {
    const connector = new PostgresSourceConnector();
    const raw = {
      'database.hostname': 'pgprod.invalid',
      'database.user': 'u',
      'database.dbname': 'd',
      'topic.prefix': 'p',
    };
    expect(await connector.validate(raw, { live: false })).toEqual([]);
  });
});
