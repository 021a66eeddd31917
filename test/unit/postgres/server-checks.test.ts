import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkServer } from '../../../connectors/postgres/connection/catalog.ts';

/** A client answering the two catalog queries of checkServer with fixed rows (the server cannot be restarted with another wal_level). */
function client(walLevel: string, role: { rolreplication: string; rolsuper: string }): pg.Client {
  return {
    query: async (sql: string) => ({
      rows: sql.includes('wal_level') ? [{ wal_level: walLevel }] : [role],
    }),
  } as unknown as pg.Client;
}

describe('PostgreSQL server checks', () => {
  it('rejects wal_level other than logical, naming the setting and the fix code', async () => {
    for (const level of ['replica', 'minimal']) {
      const error = await checkServer(client(level, { rolreplication: 't', rolsuper: 'f' }), 'u').catch(
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'seam.postgres.wal_level', retriable: false });
      expect((error as Error).message).toContain(`wal_level = ${level}`);
      expect((error as Error).message).toContain('wal_level = logical');
    }
  });

  it('accepts logical with REPLICATION or superuser, and names ALTER ROLE otherwise', async () => {
    await expect(
      checkServer(client('logical', { rolreplication: 't', rolsuper: 'f' }), 'u'),
    ).resolves.toBeUndefined();
    await expect(
      checkServer(client('logical', { rolreplication: 'f', rolsuper: 't' }), 'u'),
    ).resolves.toBeUndefined();
    const error = await checkServer(
      client('logical', { rolreplication: 'f', rolsuper: 'f' }),
      'App User',
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'seam.postgres.privilege' });
    expect((error as Error).message).toContain('ALTER ROLE "App User" REPLICATION;');
  });
});
