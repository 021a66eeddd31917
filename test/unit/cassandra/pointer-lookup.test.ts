import type cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { currentTable } from '../../../connectors/cassandra/views.ts';

/**
 * The pointer lookup against the errors Cassandra gives while the pointer table does not exist or is being
 * created (the first rebuild): the view is then the table of its own name. The creation window (the table
 * listed in the schema, its store not yet open) lasts milliseconds and cannot be hit on purpose against a
 * real node, so the driver's answer is played by a stub here.
 */
function failingWith(error: Error & { code?: number }): cassandra.Client {
  return { execute: () => Promise.reject(error) } as unknown as cassandra.Client;
}

describe('Cassandra view pointer lookup', () => {
  it('takes the view for its own table while the pointer table is being created (Unknown CF)', async () => {
    const creating = Object.assign(
      new Error('java.lang.IllegalArgumentException: Unknown CF 3c8d1cd0-ef02-11f1-8ed9-0b5966cfc9db'),
      { code: 0x0000 },
    );
    expect(await currentTable(failingWith(creating), 'ks', 'items')).toBe('items');
  });

  it('takes the view for its own table when there is no pointer table', async () => {
    const missing = Object.assign(new Error('unconfigured table seam_views'), { code: 0x2200 });
    expect(await currentTable(failingWith(missing), 'ks', 'items')).toBe('items');
  });

  it('reports any other failure, naming the pointer table', async () => {
    const other = Object.assign(new Error('Operation timed out'), { code: 0x1200 });
    await expect(currentTable(failingWith(other), 'ks', 'items')).rejects.toThrow(/seam_views/);
  });
});
